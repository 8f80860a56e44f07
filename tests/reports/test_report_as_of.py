"""A past quarter's report shows the judgements as they stood at its cut-off (hole 8 of
"Honest figures over time"), however the record changed afterwards."""

from datetime import UTC, datetime

import pytest
import time_machine

from assurance.judgement import services as judgement_services
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.access import roles_at_location
from evidence import services as evidence_services
from evidence.models import LinkStatus
from reports import data
from reports.periods import parse_quarter
from tests.builders import add_evidence, complete_step, open_case, post_judgement
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "Night observations were sound every week this month though not yet formally recorded; "
    "formal checks are booked and the judgement will be recorded again if they disagree."
)


def _q3(provider):
    report = data.quarterly_data(provider, parse_quarter("2026-Q3"))
    (view,) = report["cases"]
    return report, view


def test_hole_8_a_q3_report_keeps_its_judgement_as_it_stood_at_the_cut_off(
    client, location, team, quality_lead, registered_manager, deputy_manager, team_leader
):
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        case = open_case(location=location, actor=quality_lead)
        add_evidence(case, quality_lead, source="audits")
        item = add_evidence(case, quality_lead, source="staff_practice", team=team)
        complete_step(case, 1, quality_lead)
        evidence_services.link_save(
            actor=registered_manager,
            actor_roles=roles_at_location(registered_manager, location),
            case=case,
            area="Medicines",
            status=LinkStatus.EVIDENCED,
            evidence=[item],
        )
        for number, actor in [(2, registered_manager), (3, deputy_manager), (4, team_leader)]:
            complete_step(case, number, actor)
        client.force_login(registered_manager)
        post_judgement(client, case, "emerging")
    before, view = _q3(location.provider)
    assert view["judgement"].level == "emerging"
    assert not view["judgement"].exceeds_evidence
    assert view["earlier_judgements"] == []
    assert before["summary"]["exceeding"] == []

    # In Q4: evidence withdrawn, the judgement confirmed over an overclaim, then recorded again
    roles = roles_at_location(registered_manager, location)
    evidence_services.evidence_withdraw(
        actor=registered_manager, actor_roles=roles, item=item, reason="Wrong team recorded."
    )
    judgement = ProportionalityJudgement.objects.current().get(case=case)
    confirmed = judgement_services.judgement_confirm(
        actor=registered_manager,
        actor_roles=roles,
        judgement=judgement,
        overclaim_justification=JUSTIFICATION,
    )
    assert confirmed.exceeds_evidence  # today it does
    after, view = _q3(location.provider)
    assert not view["judgement"].exceeds_evidence  # at the Q3 cut-off it did not
    assert view["judgement"].pk == judgement.pk
    assert view["judgement"].confirmed_at is None  # confirmed after the cut-off
    assert view["earlier_judgements"] == []
    assert after["summary"]["exceeding"] == before["summary"]["exceeding"] == []
    assert view["ready"].figures == _q3(location.provider)[1]["ready"].figures


def test_a_q3_report_made_again_after_q4_changes_has_the_same_fingerprint(
    client, location, team, quality_lead, registered_manager, deputy_manager, team_leader
):
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        case = open_case(location=location, actor=quality_lead)
        add_evidence(case, quality_lead, source="audits")
        item = add_evidence(case, quality_lead, source="staff_practice", team=team)
        for number, actor in [
            (1, quality_lead),
            (2, registered_manager),
            (3, deputy_manager),
            (4, team_leader),
        ]:
            complete_step(case, number, actor)
        client.force_login(registered_manager)
        post_judgement(client, case, "contained")
    first = data.quarterly_data(location.provider, parse_quarter("2026-Q3"))["fingerprint"]

    roles = roles_at_location(registered_manager, location)
    evidence_services.evidence_withdraw(
        actor=registered_manager, actor_roles=roles, item=item, reason="Wrong team recorded."
    )
    add_evidence(case, quality_lead, source="feedback", stance="contradicts", team=team)
    TeamFactory(location=location, name="Night team")
    judgement = ProportionalityJudgement.objects.current().get(case=case)
    judgement_services.judgement_confirm(
        actor=registered_manager, actor_roles=roles, judgement=judgement
    )
    again = data.quarterly_data(location.provider, parse_quarter("2026-Q3"))["fingerprint"]
    assert again == first
    now = data.quarterly_data(location.provider, parse_quarter("2026-Q4"))["fingerprint"]
    assert now["sha256"] != first["sha256"]


def test_hole_8_a_past_report_shows_steps_case_status_and_escalations_as_they_were(
    client, location, team, quality_lead, registered_manager, deputy_manager, team_leader
):
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        case = open_case(location=location, actor=quality_lead)
        add_evidence(case, quality_lead, source="audits")
        complete_step(case, 1, quality_lead)
    # In Q4: a link is recorded, steps move on and the case is closed
    evidence_services.link_save(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, location),
        case=case,
        area="Falls",
        status=LinkStatus.ASSUMED,
    )
    for number, actor in [(2, registered_manager), (3, deputy_manager), (4, team_leader)]:
        complete_step(case, number, actor)
    from assurance.cases import workflow as wf
    from assurance.cases.services import case_set_status

    case_set_status(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, location),
        case=case,
        new_status=wf.CLOSED,
        reason="Embedded; no further work needed.",
    )
    _, view = _q3(location.provider)
    assert view["case"].status == wf.OPEN
    assert view["case"].current_step == 2
    done = [step.number for step, _ in view["steps"] if step.completed_at]
    assert done == [1]
    assert view["links"] == [] and view["checks"] == [] and view["actions"] == []


def test_hole_8_a_past_report_shows_each_link_marked_and_backed_as_it_was_then(
    location, team, quality_lead, registered_manager
):
    roles = roles_at_location(registered_manager, location)
    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        case = open_case(location=location, actor=quality_lead)
        first = add_evidence(case, quality_lead, source="staff_practice", team=team)
        complete_step(case, 1, quality_lead)
        evidence_services.link_save(
            actor=registered_manager,
            actor_roles=roles,
            case=case,
            area="Medicines",
            status=LinkStatus.ASSUMED,
        )
    before = _q3(location.provider)[1]
    (link,) = before["links"]
    assert link.status == LinkStatus.ASSUMED
    assert before["ready"].figures.traceability.evidenced == 0

    # In Q4 the link is marked evidenced with a new item, and the Q3 item is withdrawn
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC)):
        second = add_evidence(case, quality_lead, source="care_records", team=team)
        evidence_services.link_save(
            actor=registered_manager,
            actor_roles=roles,
            case=case,
            area="Medicines",
            status=LinkStatus.EVIDENCED,
            evidence=[first, second],
        )
    after = _q3(location.provider)[1]
    (link,) = after["links"]
    assert link.status == LinkStatus.ASSUMED
    assert list(link.evidence.all()) == []  # the items it named then: none
    assert after["ready"].figures.traceability == before["ready"].figures.traceability
    assert after["grid"] == before["grid"]

"""The case timeline shows when a link was assumed again because its backing ran out
(hole 2 of "Honest figures over time"): worked out from the evidence, never stored."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.judgement.readiness import LinkLapse
from assurance.organisations.access import roles_at_location
from evidence import services as evidence_services
from evidence.models import LinkStatus
from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db


def test_the_timeline_says_when_a_link_was_assumed_again_and_why(
    client, location, team, quality_lead, registered_manager
):
    roles = roles_at_location(registered_manager, location)
    case = open_case(location=location, actor=quality_lead)
    item = add_evidence(case, quality_lead, source="staff_practice", team=team)
    complete_step(case, 1, quality_lead)
    evidence_services.link_save(
        actor=registered_manager,
        actor_roles=roles,
        case=case,
        area="Medicines",
        status=LinkStatus.EVIDENCED,
        evidence=[item],
    )
    client.force_login(registered_manager)
    url = reverse("casework:case_detail", args=[case.uuid])
    assert "assumed again" not in client.get(url).content.decode()

    evidence_services.evidence_withdraw(
        actor=registered_manager, actor_roles=roles, item=item, reason="Recorded on the wrong case."
    )
    page = client.get(url).content.decode()
    assert "Influence link “Medicines” assumed again" in page
    assert "its last supporting item was withdrawn" in page


def test_the_latest_entries_and_their_count_are_what_the_whole_timeline_says(
    location, team, quality_lead, registered_manager, django_assert_max_num_queries
):
    """`latest` reads in full only the changes, the rows before them and the newest few,
    and gives exactly the head of `build` and its length: creations, completions, a draft
    save, a withdrawal, a save that changed nothing (silent, not counted), and a lapse."""
    from assurance.casework import timeline

    roles = roles_at_location(registered_manager, location)
    case = open_case(location=location, actor=quality_lead)
    items = [add_evidence(case, quality_lead, team=team) for _ in range(12)]
    complete_step(case, 1, quality_lead)
    step = case.steps.get(number=2)
    step.save()  # changed nothing a reader would see: silent
    evidence_services.evidence_withdraw(
        actor=registered_manager, actor_roles=roles, item=items[3], reason="Wrong case."
    )
    items[5].summary = "Reworded after the audit."
    items[5].save()
    # A link assumed again, worked out (not recorded): dated between the recorded changes.
    lapses = [
        LinkLapse(
            area="Medicines",
            on=timezone.localdate(),
            cause="its last supporting item was withdrawn",
            at=timezone.now() - timedelta(minutes=1),
        )
    ]
    everything = timeline.build(case, lapses=lapses)
    assert len(everything) >= 17
    assert any(e.what == "Influence link “Medicines” assumed again" for e in everything)
    for limit in (1, 3, 5, 10, len(everything), len(everything) + 5):
        shown, count = timeline.latest(case, limit=limit, lapses=lapses)
        assert count == len(everything)
        assert shown == everything[:limit], limit
    # The silent save is in neither.
    assert all(e.what != "Step 2 – " + step.artefact_label + " changed" for e in everything)
    # However long the history, a fixed number of queries: the union, and one per model
    # with rows to read in full.
    for _ in range(30):
        add_evidence(case, quality_lead, team=team)
    with django_assert_max_num_queries(1 + 11):
        shown, count = timeline.latest(case, limit=5)
    assert count == len(timeline.build(case)) and len(shown) == 5

"""The judgement aid at step 5: overclaiming, evidence snapshots, escalations, rating picture."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.escalations import services as escalations_services
from assurance.escalations.models import Escalation
from assurance.judgement import services as judgement_services
from assurance.judgement.models import ProportionalityJudgement
from domains.models import KeyQuestion
from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "The spread figure misses two agency-staffed teams we observed informally every night "
    "this month. We have booked formal checks and will re-record if they do not bear this out."
)


@pytest.fixture
def at_step_five(location, team, quality_lead, registered_manager, deputy_manager, team_leader):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    for number, actor in [
        (1, quality_lead),
        (2, registered_manager),
        (3, deputy_manager),
        (4, team_leader),
    ]:
        complete_step(case, number, actor)
    return case


def _post_judgement(client, case, level, **extra):
    data = {
        "version": StepRecord.objects.get(case=case, number=5).version,
        "summary": "Summary",
        "level": level,
        "key_questions": [KeyQuestion.objects.get(slug="well_led").pk],
        "not_yet": "Safe: practice still mixed.",
        "rationale": "Audits improved.",
        "complete": "1",
        **extra,
    }
    return client.post(reverse("casework:step_form", args=[case.uuid, 5]), data)


def test_it_shows_the_supportable_level_and_figures_beside_the_step_five_form(
    client, at_step_five, registered_manager
):
    client.force_login(registered_manager)
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    assert "The evidence supports up to Contained" in page
    assert "0 of 1 team has supporting frontline evidence in the last 90 days" in page


def test_it_refuses_an_overclaim_without_justification(client, at_step_five, registered_manager):
    client.force_login(registered_manager)
    response = _post_judgement(client, at_step_five, "significant")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The evidence supports “Contained”" in page
    assert not ProportionalityJudgement.objects.exists()
    assert not StepRecord.objects.get(case=at_step_five, number=5).is_completed


def test_it_flags_an_overclaim_with_justification_on_the_case_and_the_list(
    client, at_step_five, registered_manager, location
):
    client.force_login(registered_manager)
    response = _post_judgement(
        client, at_step_five, "significant", overclaim_justification=JUSTIFICATION
    )
    assert response.status_code == 302
    judgement = ProportionalityJudgement.objects.get()
    assert judgement.exceeds_evidence and judgement.supportable_level == "contained"
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    assert "Judgement exceeds evidence" in page and "agency-staffed teams" in page
    listing = client.get(reverse("casework:location_cases", args=[location.uuid])).content.decode()
    assert "Judgement exceeds evidence" in listing
    escalation = Escalation.objects.get(case=at_step_five)
    assert escalation.trigger == "overclaim"


def test_it_stores_a_snapshot_and_flags_evidence_changed_until_confirmed(
    client, at_step_five, registered_manager, quality_lead, team
):
    client.force_login(registered_manager)
    _post_judgement(client, at_step_five, "contained")
    judgement = ProportionalityJudgement.objects.get()
    assert judgement.figures["spread"]["active_teams"] == 1
    assert judgement.thresholds["significant"]["spread"] == 0.5
    assert len(judgement.evidence_fingerprint["items"]) == 1
    url = reverse("casework:case_detail", args=[at_step_five.uuid])
    assert "Evidence changed since this judgement" not in client.get(url).content.decode()

    add_evidence(at_step_five, quality_lead, source="feedback", stance="contradicts", team=team)
    page = client.get(url).content.decode()
    assert "Evidence changed since this judgement" in page
    assert "1 evidence item added" in page

    response = client.post(reverse("casework:judgement_confirm", args=[at_step_five.uuid]))
    assert response.status_code == 302
    assert "Evidence changed since this judgement" not in client.get(url).content.decode()
    judgement.refresh_from_db()
    assert judgement.confirmed_by == registered_manager


def test_it_flags_changed_readings_too(at_step_five, registered_manager, quality_lead):
    from assurance.judgement.figures import (
        evidence_fingerprint,
        fingerprint_changes,
        load_case_data,
    )

    indicator = cases_services.indicator_add(
        actor=quality_lead,
        actor_roles={"quality_lead"},
        case=at_step_five,
        name="Audit",
        unit="%",
        side="leadership",
        higher_is_better=True,
        baseline=40,
        target=90,
    )
    judgement_services.judgement_record(
        actor=registered_manager,
        actor_roles={"registered_manager"},
        case=at_step_five,
        version=StepRecord.objects.get(case=at_step_five, number=5).version,
        level="contained",
        key_questions=[],
        not_yet="x",
        rationale="y",
        escalate=False,
    )
    stored = ProportionalityJudgement.objects.get().evidence_fingerprint
    cases_services.reading_add(
        actor=quality_lead,
        actor_roles={"quality_lead"},
        indicator=indicator,
        taken_on=date(2026, 6, 1),
        value=70,
    )
    assert "indicator readings changed" in fingerprint_changes(
        stored, evidence_fingerprint(*load_case_data(at_step_five))
    )


def test_it_supersedes_rather_than_overwrites_a_judgement(client, at_step_five, registered_manager):
    client.force_login(registered_manager)
    _post_judgement(client, at_step_five, "contained")
    client.post(
        reverse("casework:step_reopen", args=[at_step_five.uuid, 5]),
        {"reason": "New observations from the night team."},
    )
    _post_judgement(client, at_step_five, "contained", rationale="Re-recorded after nights.")
    judgements = ProportionalityJudgement.objects.order_by("recorded_at", "id")
    assert judgements.count() == 2
    assert judgements[0].superseded_at is not None and judgements[1].superseded_at is None


def test_it_raises_one_escalation_when_the_judgement_asks(client, at_step_five, registered_manager):
    client.force_login(registered_manager)
    _post_judgement(client, at_step_five, "contained", escalate="on")
    escalation = Escalation.objects.get()
    assert escalation.trigger == "judgement" and escalation.owner is None
    again, created = escalations_services.escalation_raise(
        case=at_step_five, trigger="judgement", dedupe_key=escalation.dedupe_key
    )
    assert not created and again == escalation


def test_it_guards_escalation_updates(
    client, at_step_five, registered_manager, team_leader, deputy_manager, outsider
):
    escalation, _ = escalations_services.escalation_raise(
        case=at_step_five, trigger="manual", action="Direct observational checks"
    )
    url = reverse("escalations:escalation_detail", args=[escalation.uuid])
    data = {
        "version": escalation.version,
        "owner": team_leader.pk,
        "due_on": "2026-12-20",
        "status": "in_progress",
        "outcome": "",
    }
    assert client.post(url, data).status_code == 302  # to login
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(deputy_manager)
    assert client.post(url, data).status_code == 403
    escalation.refresh_from_db()
    assert escalation.owner is None and escalation.status == "open"
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    escalation.refresh_from_db()
    assert escalation.owner == team_leader and escalation.status == "in_progress"
    # the owner can now record the outcome and close it
    client.force_login(team_leader)
    response = client.post(
        url,
        {
            "version": escalation.version,
            "status": "done",
            "outcome": "Nights observed: sheets used on 9 of 10 shifts.",
        },
    )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == "done" and escalation.closed_at


def test_it_guards_raising_an_escalation_by_hand(
    client, at_step_five, registered_manager, team_leader, outsider
):
    url = reverse("escalations:escalation_new", args=[at_step_five.uuid])
    data = {
        "action": at_step_five.domain.escalation_actions[0],
        "detail": "Nights",
        "due_on": "2026-12-31",
    }
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(team_leader)
    assert client.post(url, data).status_code == 403
    assert not Escalation.objects.exists()
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    assert Escalation.objects.get().trigger == "manual"


def test_it_marks_overdue_escalations_with_a_frozen_clock(
    client, at_step_five, registered_manager, time_machine
):
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 11, 10, 9)), tick=False)
    escalations_services.escalation_raise(
        case=at_step_five, trigger="manual", action="Tighter follow-up", due_on=date(2026, 11, 20)
    )
    client.force_login(registered_manager)
    url = reverse("escalations:location_escalations", args=[at_step_five.location.uuid])
    assert '<span class="badge badge-danger">Overdue</span>' not in client.get(url).content.decode()
    time_machine.move_to(timezone.make_aware(timezone.datetime(2026, 11, 21, 9)), tick=False)
    client.force_login(registered_manager)
    assert '<span class="badge badge-danger">Overdue</span>' in client.get(url).content.decode()
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    assert '<span class="badge badge-danger">Overdue</span>' in page


def _rating_queries(client, location):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("rating:location_rating", args=[location.uuid]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_it_keeps_the_rating_picture_queries_flat(
    client, location, quality_lead, registered_manager, senior_leader, django_assert_max_num_queries
):
    def judged_case(i):
        case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
        for n in range(1, 5):
            StepRecord.objects.filter(case=case, number=n).update(
                completed_at=timezone.now(), completed_by=quality_lead
            )
        case.current_step = 5
        case.save()
        judgement_services.judgement_record(
            actor=registered_manager,
            actor_roles={"registered_manager"},
            case=case,
            version=1,
            level="contained",
            key_questions=[KeyQuestion.objects.get(slug="safe")],
            not_yet="x",
            rationale="y",
            escalate=False,
        )

    judged_case(0)
    client.force_login(senior_leader)
    one, page = _rating_queries(client, location)
    assert "Case 0" in page and "not a CQC rating" in page
    for i in range(1, 20):
        judged_case(i)
    with django_assert_max_num_queries(16):
        twenty, page = _rating_queries(client, location)
    assert one == twenty
    assert "Case 19" in page


def test_it_computes_the_picture_from_scores_and_flags_a_boundary(
    client, location, registered_manager
):
    from domains.models import QualityStatement

    client.force_login(registered_manager)
    url = reverse("rating:location_rating_update", args=[location.uuid])
    safe = QualityStatement.objects.filter(key_question__slug="safe").order_by("order")
    # 8 Safe statements: five 3s and three 2s = 21/32 = 65.6% -> Good
    for i, qs in enumerate(safe):
        client.post(
            url,
            {
                "form": "score",
                "quality_statement": qs.pk,
                "score": 3 if i < 5 else 2,
                "assessed_on": "2026-10-01",
                "rationale": "Self-assessment",
            },
        )
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "65.6% · Good" in page
    # one more 2 instead of a 3 gives 20/32 = 62.5%: between bands
    client.post(
        url,
        {
            "form": "score",
            "quality_statement": safe[0].pk,
            "score": 2,
            "assessed_on": "2026-10-02",
            "rationale": "Rechecked",
        },
    )
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "62.5%" in page and "Boundary: Requires improvement or Good" in page
    assert "judgement required" in page


def test_it_says_so_when_the_framework_has_no_scoring(client, location, registered_manager):
    from domains.models import Framework

    Framework.objects.filter(is_current=True).update(has_scoring=False)
    client.force_login(registered_manager)
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert "does not use scoring" in page


def test_it_lets_only_managers_record_published_ratings(
    client, location, team_leader, registered_manager
):
    from assurance.rating.models import PublishedRating

    url = reverse("rating:location_rating_update", args=[location.uuid])
    data = {
        "form": "published",
        "key_question": KeyQuestion.objects.get(slug="safe").pk,
        "rating": "Good",
        "published_on": (timezone.localdate() - timedelta(days=30)),
    }
    client.force_login(team_leader)
    assert client.post(url, data).status_code == 403
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    assert PublishedRating.objects.get().rating == "Good"


def test_it_lists_contradicting_evidence_beside_the_figures(
    client, at_step_five, quality_lead, registered_manager, team
):
    add_evidence(at_step_five, quality_lead, source="feedback", stance="contradicts", team=team)
    client.force_login(registered_manager)
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    readiness_panel = page.split('id="readiness"')[1].split("</section>")[0]
    assert "Contradicts" in readiness_panel and "feedback evidence" in readiness_panel


def test_it_shows_escalations_a_person_owns_in_my_work(client, at_step_five, team_leader):
    escalations_services.escalation_raise(
        case=at_step_five,
        trigger="manual",
        action="Broader coaching",
        owner=team_leader,
        due_on=date(2026, 1, 5),
    )
    client.force_login(team_leader)
    page = client.get(reverse("casework:my_work")).content.decode()
    assert "Broader coaching" in page and "Overdue" in page

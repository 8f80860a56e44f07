"""The judgement aid at step 5: overclaiming, evidence snapshots, superseding."""

from datetime import date

import pytest
from django.urls import reverse

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.escalations import services as escalations_services
from assurance.escalations.models import Escalation
from assurance.judgement import services as judgement_services
from assurance.judgement.models import ProportionalityJudgement
from tests.builders import add_evidence, add_indicator, post_judgement

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "The spread figure misses two agency-staffed teams we observed informally every night "
    "this month. We have booked formal checks and will re-record if they do not bear this out."
)


def test_it_shows_the_supportable_level_and_figures_beside_the_step_five_form(
    client, at_step_five, registered_manager
):
    client.force_login(registered_manager)
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    assert "The evidence supports up to Contained" in page
    assert "0 of 1 team has supporting frontline evidence from the last 90 days (spread 0%)" in page
    assert "Shortest hold at target" not in page  # figures in plain words


def test_it_refuses_an_overclaim_without_justification(client, at_step_five, registered_manager):
    client.force_login(registered_manager)
    response = post_judgement(client, at_step_five, "significant")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The evidence supports “Contained”" in page
    assert not ProportionalityJudgement.objects.exists()
    assert not StepRecord.objects.get(case=at_step_five, number=5).is_completed


def test_it_flags_an_overclaim_with_justification_on_the_case_and_the_list(
    client, at_step_five, registered_manager, location
):
    client.force_login(registered_manager)
    response = post_judgement(
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
    post_judgement(client, at_step_five, "contained")
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

    indicator = add_indicator(at_step_five, quality_lead)
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
    post_judgement(client, at_step_five, "contained")
    client.post(
        reverse("casework:step_reopen", args=[at_step_five.uuid, 5]),
        {"reason": "New observations from the night team."},
    )
    post_judgement(client, at_step_five, "contained", rationale="Re-recorded after nights.")
    judgements = ProportionalityJudgement.objects.order_by("recorded_at", "id")
    assert judgements.count() == 2
    assert judgements[0].superseded_at is not None and judgements[1].superseded_at is None


def test_it_raises_one_escalation_when_the_judgement_asks(client, at_step_five, registered_manager):
    client.force_login(registered_manager)
    post_judgement(client, at_step_five, "contained", escalate="on")
    escalation = Escalation.objects.get()
    assert escalation.trigger == "judgement" and escalation.owner is None
    again, created = escalations_services.escalation_raise(
        case=at_step_five, trigger="judgement", dedupe_key=escalation.dedupe_key
    )
    assert not created and again == escalation


def test_it_lists_contradicting_evidence_beside_the_figures(
    client, at_step_five, quality_lead, registered_manager, team
):
    add_evidence(at_step_five, quality_lead, source="feedback", stance="contradicts", team=team)
    client.force_login(registered_manager)
    page = client.get(reverse("casework:case_detail", args=[at_step_five.uuid])).content.decode()
    readiness_panel = page.split('id="readiness"')[1].split("</section>")[0]
    assert "Contradicts" in readiness_panel and "feedback evidence" in readiness_panel

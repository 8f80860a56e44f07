"""A governance case taken from step 1 to step 5 through the views, by the right roles."""

import pytest
from django.urls import reverse

from assurance.cases.models import CaseStatus, ImprovementCase, StepRecord
from assurance.judgement.models import ProportionalityJudgement
from domains.models import Domain, EvidenceCategory, KeyQuestion
from evidence.models import EvidenceItem, InfluenceLink, PracticeCheck
from tests.builders import GOVERNANCE_ARTEFACTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def governance():
    return Domain.objects.get(slug="governance")


def _open_case(client, user, location, governance):
    client.force_login(user)
    response = client.post(
        reverse("casework:case_create", args=[location.uuid]) + "?domain=governance",
        {
            "domain": "governance",
            "title": "Governance grip at Elm House",
            "baseline_issue": "Audit actions drifted for months without follow-up.",
            "improvement_began": "2026-03-01",
            "wider_areas": governance.default_wider_areas[:2],
            "extra_areas": "Night-time checks",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImprovementCase.objects.get()


def _step(case, number):
    return StepRecord.objects.get(case=case, number=number)


def test_it_takes_a_case_through_the_five_steps(
    client, location, team, quality_lead, registered_manager, deputy_manager, team_leader
):
    governance = Domain.objects.get(slug="governance")
    case = _open_case(client, quality_lead, location, governance)
    assert case.wider_areas[-1] == "Night-time checks"
    assert list(case.steps.values_list("artefact_label", flat=True))[0] == "Governance impact file"

    # Step 1: quality lead
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 1]),
        {
            "version": _step(case, 1).version,
            "what_improved": "Action completion from 40% to 85%.",
            "how_measured": "The monthly action tracker.",
            "evidence_reviewed": "Three months of audit trackers.",
            "areas_with_effect": [case.wider_areas[0]],
            "complete": "1",
        },
    )
    assert response.status_code == 302
    step1 = _step(case, 1)
    assert step1.completed_by == quality_lead and step1.data["areas_with_effect"]

    # Evidence with a source and team, by the quality lead
    category = EvidenceCategory.objects.get(name="Processes")
    client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        {
            "source": "audits",
            "category": category.pk,
            "occurred_on": "2026-06-01",
            "team": team.pk,
            "stance": "supports",
            "summary": "June audit: all actions closed on time.",
        },
    )
    item = EvidenceItem.objects.get()

    # Step 2: registered manager, with one evidenced and one assumed link
    client.force_login(registered_manager)
    assert (
        client.post(
            reverse("casework:link_add", args=[case.uuid]),
            {"area": case.wider_areas[0], "status": "evidenced", "evidence": [item.pk]},
        ).status_code
        == 302
    )
    client.post(
        reverse("casework:link_add", args=[case.uuid]),
        {"area": case.wider_areas[1], "status": "assumed"},
    )
    assert InfluenceLink.objects.filter(case=case).count() == 2
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 2]),
        {
            "version": _step(case, 2).version,
            "earlier_weakness": "Actions drifted.",
            "current_practice": "Weekly review closes them.",
            "complete": "1",
        },
    )
    assert response.status_code == 302

    # Step 3: deputy manager, a practice check becomes staff-practice evidence
    client.force_login(deputy_manager)
    client.post(
        reverse("casework:check_add", args=[case.uuid]),
        {
            "team": team.pk,
            "shift": "night",
            "occurred_on": "2026-06-10",
            "sampled": "Handover notes for five residents.",
            "outcome": "consistent",
            "category": EvidenceCategory.objects.get(name="Observation").pk,
        },
    )
    check = PracticeCheck.objects.get()
    assert check.evidence_item.source == "staff_practice"
    client.post(
        reverse("casework:step_form", args=[case.uuid, 3]),
        {"version": _step(case, 3).version, "summary": "Consistent on nights.", "complete": "1"},
    )
    assert _step(case, 3).is_completed

    # Step 4: team leader
    client.force_login(team_leader)
    client.post(
        reverse("casework:action_add", args=[case.uuid]),
        {
            "kind": "coaching",
            "description": "Coached night staff",
            "team": team.pk,
            "action_date": "2026-06-12",
            "completed": "on",
        },
    )
    client.post(
        reverse("casework:step_form", args=[case.uuid, 4]),
        {"version": _step(case, 4).version, "summary": "Coaching done.", "complete": "1"},
    )
    assert _step(case, 4).is_completed

    # Step 5: registered manager records a judgement within the evidence
    client.force_login(registered_manager)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 5]),
        {
            "version": _step(case, 5).version,
            "summary": "Early but real.",
            "level": "contained",
            "key_questions": [KeyQuestion.objects.get(slug="well_led").pk],
            "not_yet": "Safe and responsive: frontline practice still mixed.",
            "rationale": "One team, three months.",
            "complete": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.status == CaseStatus.UNDER_REVIEW
    judgement = ProportionalityJudgement.objects.get(case=case)
    assert judgement.level == "contained" and judgement.figures and judgement.evidence_fingerprint

    page = client.get(reverse("casework:case_detail", args=[case.uuid])).content.decode()
    for label in [
        *GOVERNANCE_ARTEFACTS,
        "Proportionality judgement: Contained",
        "Under review",
    ]:
        assert label in page, label

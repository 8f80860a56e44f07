"""Permission matrix for every view that changes case data.

anonymous -> login, outsider -> 404, wrong role -> 403 with nothing saved, right role -> 302.
"""

import pytest
from django.urls import reverse

from assurance.cases.models import ImprovementCase, Indicator, Reading, StepRecord
from evidence.models import EmbeddingAction, EvidenceItem, InfluenceLink, PracticeCheck
from tests.builders import add_evidence, add_indicator, complete_step, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(location, quality_lead, registered_manager):
    return open_case(location=location, actor=quality_lead)


def _count():
    return {
        model.__name__: model.objects.count()
        for model in (
            ImprovementCase,
            Indicator,
            Reading,
            EvidenceItem,
            InfluenceLink,
            PracticeCheck,
            EmbeddingAction,
        )
    } | {"completed": StepRecord.objects.filter(completed_at__isnull=False).count()}


def _matrix(client, url, data, *, wrong, right, outsider):
    before = _count()
    response = client.post(url, data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(wrong)
    assert client.post(url, data).status_code == 403
    assert _count() == before, "a refused request must save nothing"
    client.force_login(right)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assert _count() != before


def test_it_guards_opening_a_case(client, location, team_leader, registered_manager, outsider):
    url = reverse("casework:case_create", args=[location.uuid]) + "?domain=governance"
    data = {
        "domain": "governance",
        "title": "New case",
        "baseline_issue": "Weak oversight.",
        "improvement_began": "2026-01-10",
        "extra_areas": "Staffing",
    }
    _matrix(client, url, data, wrong=team_leader, right=registered_manager, outsider=outsider)


def test_it_guards_completing_step_one(client, case, deputy_manager, quality_lead, outsider):
    url = reverse("casework:step_form", args=[case.uuid, 1])
    data = {
        "version": 1,
        "what_improved": "Audit actions closed on time.",
        "how_measured": "Tracker.",
        "evidence_reviewed": "Trackers.",
        "complete": "1",
    }
    _matrix(client, url, data, wrong=deputy_manager, right=quality_lead, outsider=outsider)


def test_it_guards_adding_evidence(client, case, viewer, team_leader, outsider):
    from domains.models import EvidenceCategory

    url = reverse("casework:evidence_add", args=[case.uuid])
    data = {
        "source": "feedback",
        "category": EvidenceCategory.objects.first().pk,
        "occurred_on": "2026-05-01",
        "stance": "supports",
        "summary": "Relatives' meeting notes.",
    }
    _matrix(client, url, data, wrong=viewer, right=team_leader, outsider=outsider)


def test_it_guards_adding_an_indicator(client, case, team_leader, quality_lead, outsider):
    url = reverse("casework:indicator_add", args=[case.uuid])
    data = {
        "name": "Audit actions closed on time",
        "unit": "%",
        "side": "leadership",
        "higher_is_better": "on",
        "baseline": "40",
        "target": "90",
    }
    _matrix(client, url, data, wrong=team_leader, right=quality_lead, outsider=outsider)


def test_it_guards_adding_a_reading(client, case, viewer, team_leader, quality_lead, outsider):

    indicator = add_indicator(case, quality_lead)
    url = reverse("casework:reading_add", args=[indicator.uuid])
    data = {"taken_on": "2026-05-01", "value": "55"}
    _matrix(client, url, data, wrong=viewer, right=team_leader, outsider=outsider)


def test_it_guards_step_two_links(
    client, case, quality_lead, team_leader, registered_manager, outsider
):
    complete_step(case, 1, quality_lead, what_improved="x", evidence_reviewed="y")
    url = reverse("casework:link_add", args=[case.uuid])
    data = {"area": case.wider_areas[0], "status": "assumed"}
    _matrix(client, url, data, wrong=team_leader, right=registered_manager, outsider=outsider)


def test_it_guards_step_three_checks(
    client, case, team, quality_lead, registered_manager, deputy_manager, team_leader, outsider
):
    from domains.models import EvidenceCategory

    complete_step(case, 1, quality_lead)
    complete_step(case, 2, registered_manager)
    url = reverse("casework:check_add", args=[case.uuid])
    data = {
        "team": team.pk,
        "shift": "day",
        "occurred_on": "2026-05-02",
        "sampled": "Five care plans",
        "outcome": "consistent",
        "category": EvidenceCategory.objects.first().pk,
    }
    _matrix(client, url, data, wrong=team_leader, right=deputy_manager, outsider=outsider)


def test_it_guards_step_four_actions(
    client, case, team, quality_lead, registered_manager, deputy_manager, team_leader, outsider
):
    complete_step(case, 1, quality_lead)
    complete_step(case, 2, registered_manager)
    complete_step(case, 3, deputy_manager)
    url = reverse("casework:action_add", args=[case.uuid])
    data = {"kind": "coaching", "description": "Coached", "action_date": "2026-05-03"}
    _matrix(client, url, data, wrong=deputy_manager, right=team_leader, outsider=outsider)


def test_it_guards_reopening_a_step(client, case, quality_lead, registered_manager, outsider):
    complete_step(case, 1, quality_lead)
    url = reverse("casework:step_reopen", args=[case.uuid, 1])
    data = {"reason": "The audit figures were for the wrong month."}
    before = StepRecord.objects.get(case=case, number=1).completed_at
    assert client.post(url, data).status_code == 302
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(quality_lead)
    assert client.post(url, data).status_code == 403
    assert StepRecord.objects.get(case=case, number=1).completed_at == before
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    step = StepRecord.objects.get(case=case, number=1)
    assert step.completed_at is None
    # the history keeps the completed version and the reason
    reasons = list(step.history.values_list("history_change_reason", flat=True))
    assert any(r and r.startswith("Reopened: The audit figures") for r in reasons)
    assert step.history.filter(completed_at__isnull=False).exists()


def test_it_guards_withdrawing_evidence(
    client, case, quality_lead, team_leader, registered_manager, outsider
):
    item = add_evidence(case, quality_lead)
    url = reverse("casework:evidence_withdraw", args=[item.uuid])
    data = {"reason": "Duplicate of the June audit."}
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(team_leader)
    assert client.post(url, data).status_code == 403
    item.refresh_from_db()
    assert item.withdrawn_at is None
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    item.refresh_from_db()
    assert item.withdrawn_at and item.withdrawn_reason == "Duplicate of the June audit."
    assert EvidenceItem.objects.filter(pk=item.pk).exists()  # never hard-deleted


def test_it_guards_closing_a_case(client, case, quality_lead, registered_manager, outsider):
    url = reverse("casework:case_status", args=[case.uuid])
    data = {"status": "withdrawn", "reason": "Opened at the wrong location."}
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(quality_lead)
    assert client.post(url, data).status_code == 403
    client.force_login(registered_manager)
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.status == "withdrawn" and case.status_reason == "Opened at the wrong location."


def test_it_shows_why_a_step_cannot_be_completed_out_of_order(client, case, deputy_manager):
    client.force_login(deputy_manager)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 3]),
        {"version": 1, "summary": "x", "complete": "1"},
    )
    assert response.status_code == 403
    assert "step 1 (Governance impact file) comes first" in response.content.decode()
    assert not StepRecord.objects.filter(completed_at__isnull=False).exists()


def test_it_refuses_step_three_by_the_step_one_author_and_saves_nothing(
    client, case, location, registered_manager
):
    from assurance.organisations.models import Membership
    from domains.roles import Role

    # One person holding both roles: wrote step 1, now tries to validate step 3.
    author = registered_manager
    Membership.objects.create(
        user=author, provider=location.provider, location=location, role=Role.QUALITY_LEAD
    )
    Membership.objects.create(
        user=author, provider=location.provider, location=location, role=Role.DEPUTY_MANAGER
    )
    complete_step(case, 1, author)
    complete_step(case, 2, author)
    client.force_login(author)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 3]),
        {
            "version": StepRecord.objects.get(case=case, number=3).version,
            "summary": "Fine",
            "complete": "1",
        },
    )
    assert response.status_code == 200
    assert "cannot also validate practice in step 3" in response.content.decode()
    assert not StepRecord.objects.get(case=case, number=3).is_completed
    location.provider.allow_self_validation = True
    location.provider.save()
    step = complete_step(case, 3, author)
    assert step.self_validation
    assert step.history.filter(history_change_reason__contains="small-service").exists()


def test_it_refuses_one_person_completing_steps_one_and_two_when_the_provider_says_so(
    client, case, location, registered_manager
):
    from assurance.organisations.models import Membership
    from domains.roles import Role

    Membership.objects.create(
        user=registered_manager,
        provider=location.provider,
        location=location,
        role=Role.QUALITY_LEAD,
    )
    location.provider.distinct_people_first_steps = True
    location.provider.save()
    complete_step(case, 1, registered_manager)
    client.force_login(registered_manager)
    response = client.post(
        reverse("casework:step_form", args=[case.uuid, 2]),
        {
            "version": StepRecord.objects.get(case=case, number=2).version,
            "earlier_weakness": "Audits were late.",
            "current_practice": "Audits are on time.",
            "complete": "1",
        },
    )
    assert response.status_code == 200
    assert "someone else must complete step 2" in response.content.decode()
    assert not StepRecord.objects.get(case=case, number=2).is_completed

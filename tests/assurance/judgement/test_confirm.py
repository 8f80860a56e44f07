"""Confirming a judgement is recording it again (hole 1 of "Honest figures over time")."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assurance.escalations.models import Escalation
from assurance.judgement import services as judgement_services
from assurance.judgement.figures import case_readiness
from assurance.judgement.models import JudgementConfirmation, ProportionalityJudgement
from assurance.organisations.access import roles_at_location
from evidence import services as evidence_services
from evidence.models import LinkStatus
from tests.builders import add_evidence, complete_step, open_case, post_judgement

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "Two night teams were observed informally every week this month and practice was sound; "
    "formal checks are booked and we will re-record if they do not bear this out."
)


@pytest.fixture
def emerging_case(location, team, quality_lead, registered_manager, deputy_manager, team_leader):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, source="audits")
    frontline = add_evidence(case, quality_lead, source="staff_practice", team=team)
    complete_step(case, 1, quality_lead)
    evidence_services.link_save(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, location),
        case=case,
        area="Medicines",
        status=LinkStatus.EVIDENCED,
        evidence=[frontline],
    )
    for number, actor in [(2, registered_manager), (3, deputy_manager), (4, team_leader)]:
        complete_step(case, number, actor)
    assert case_readiness(case).assessment.level == "emerging"
    case.frontline_item = frontline
    return case


def _withdraw(case, actor):
    evidence_services.evidence_withdraw(
        actor=actor,
        actor_roles=roles_at_location(actor, case.location),
        item=case.frontline_item,
        reason="Recorded against the wrong team.",
    )


def test_hole_1_confirming_after_the_evidence_weakened_needs_the_overclaim_justification(
    client, emerging_case, registered_manager
):
    client.force_login(registered_manager)
    assert post_judgement(client, emerging_case, "emerging").status_code in (200, 302)
    judgement = ProportionalityJudgement.objects.current().get(case=emerging_case)
    assert not judgement.exceeds_evidence
    _withdraw(emerging_case, registered_manager)
    assert case_readiness(emerging_case).assessment.level == "contained"

    with pytest.raises(ValidationError, match="explain"):
        judgement_services.judgement_confirm(
            actor=registered_manager,
            actor_roles=roles_at_location(registered_manager, emerging_case.location),
            judgement=judgement,
        )
    judgement.refresh_from_db()
    assert judgement.confirmed_at is None and not judgement.exceeds_evidence

    confirmed = judgement_services.judgement_confirm(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, emerging_case.location),
        judgement=judgement,
        overclaim_justification=JUSTIFICATION,
    )
    assert confirmed.exceeds_evidence
    assert confirmed.supportable_level == "contained"
    assert confirmed.figures["corroboration"]["sources"] == 2  # the figures at recording stay
    confirmation = JudgementConfirmation.objects.get(judgement=judgement)
    assert confirmation.figures["corroboration"]["sources"] == 1
    assert confirmation.overclaim_justification == JUSTIFICATION
    assert Escalation.objects.filter(case=emerging_case, trigger="overclaim").count() == 1


def test_the_confirm_view_refuses_without_a_justification_and_says_why(
    client, emerging_case, registered_manager
):
    client.force_login(registered_manager)
    post_judgement(client, emerging_case, "emerging")
    _withdraw(emerging_case, registered_manager)
    url = reverse("casework:judgement_confirm", args=[emerging_case.uuid])
    page = client.post(url, follow=True).content.decode()
    assert "To record “Emerging” explain" in page
    assert not ProportionalityJudgement.objects.current().get(case=emerging_case).confirmed_at
    client.post(url, {"overclaim_justification": JUSTIFICATION})
    assert ProportionalityJudgement.objects.current().get(case=emerging_case).exceeds_evidence


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("quality_lead", 403), ("registered_manager", 302)],
)
def test_the_confirm_permission_matrix(
    client, request, emerging_case, registered_manager, who, status
):
    client.force_login(registered_manager)
    post_judgement(client, emerging_case, "emerging")
    client.logout()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("casework:judgement_confirm", args=[emerging_case.uuid]))
    assert response.status_code == status
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_hole_3_a_contradicting_item_cannot_evidence_a_link(
    location, quality_lead, registered_manager
):
    case = open_case(location=location, actor=quality_lead)
    against = add_evidence(case, quality_lead, source="feedback", stance="contradicts")
    complete_step(case, 1, quality_lead)
    with pytest.raises(ValidationError, match="support the claim"):
        evidence_services.link_save(
            actor=registered_manager,
            actor_roles=roles_at_location(registered_manager, location),
            case=case,
            area="Falls",
            status=LinkStatus.EVIDENCED,
            evidence=[against],
        )

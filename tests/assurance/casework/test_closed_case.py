"""A closed or withdrawn case is read-only until a Registered Manager reopens it (hole 10 of
"Honest figures over time")."""

import pytest
from django.urls import reverse

from assurance.cases import workflow as wf
from assurance.cases.models import ImprovementCase
from assurance.cases.services import case_set_status
from assurance.organisations.access import roles_at_location
from evidence import services as evidence_services
from evidence.models import EvidenceItem
from tests.builders import add_evidence, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(location, quality_lead, registered_manager):
    case = open_case(location=location, actor=quality_lead)
    case.item = add_evidence(case, quality_lead)
    case_set_status(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, location),
        case=case,
        new_status=wf.CLOSED,
        reason="The improvement is embedded; no further work.",
    )
    return case


def test_hole_10_evidence_cannot_be_withdrawn_from_a_closed_case(
    client, closed_case, registered_manager
):
    with pytest.raises(wf.WorkflowError, match="read-only"):
        evidence_services.evidence_withdraw(
            actor=registered_manager,
            actor_roles=roles_at_location(registered_manager, closed_case.location),
            item=closed_case.item,
            reason="Recorded against the wrong team.",
        )
    client.force_login(registered_manager)
    response = client.post(
        reverse("casework:evidence_withdraw", args=[closed_case.item.uuid]),
        {"reason": "Recorded against the wrong team."},
    )
    assert response.status_code == 403
    assert "read-only" in response.content.decode()
    assert EvidenceItem.objects.get(pk=closed_case.item.pk).withdrawn_at is None


def test_a_registered_manager_reopens_a_closed_case_with_a_reason(
    client, closed_case, registered_manager
):
    client.force_login(registered_manager)
    page = client.get(reverse("casework:case_detail", args=[closed_case.uuid])).content.decode()
    assert "Reopen this case" in page
    url = reverse("casework:case_status", args=[closed_case.uuid])
    client.post(url, {"status": "open", "reason": "x"})
    assert ImprovementCase.objects.get(pk=closed_case.pk).status == wf.CLOSED
    client.post(url, {"status": "open", "reason": "New falls data needs a fresh look."})
    reopened = ImprovementCase.objects.get(pk=closed_case.pk)
    assert reopened.status == wf.OPEN
    assert reopened.history.first().history_change_reason.startswith("Reopened:")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("outsider", 404), ("quality_lead", 403), ("registered_manager", 302)],
)
def test_the_reopen_permission_matrix(client, request, closed_case, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("casework:case_status", args=[closed_case.uuid]),
        {"status": "open", "reason": "New falls data needs a fresh look."},
    )
    assert response.status_code == status
    expected = wf.OPEN if who == "registered_manager" else wf.CLOSED
    assert ImprovementCase.objects.get(pk=closed_case.pk).status == expected

"""Moving an escalation through its statuses: who may, what each move records, and the
permission matrix of the escalation page (issue 10, hole 12)."""

import pytest
from django.urls import reverse

from assurance.cases import workflow as wf
from assurance.escalations import services as escalations_services
from assurance.escalations.models import Escalation, EscalationStatus
from assurance.organisations.access import roles_at_location

pytestmark = pytest.mark.django_db

OUTCOME = "Night checks on all four units: escalation sheets used on 9 of 10 shifts."


@pytest.fixture
def overclaim(at_step_five, team_leader):
    escalation, _ = escalations_services.escalation_raise(
        case=at_step_five,
        trigger="overclaim",
        detail="Judgement Significant exceeds the evidence (Emerging).",
        owner=team_leader,
        dedupe_key="overclaim:test",
    )
    return escalation


def _update(escalation, actor, **changes):
    escalation.refresh_from_db()
    return escalations_services.escalation_update(
        actor=actor,
        actor_roles=roles_at_location(actor, escalation.case.location),
        escalation=escalation,
        version=escalation.version,
        owner=escalation.owner,
        **changes,
    )


def test_an_owner_cannot_cancel_an_automatic_overclaim_escalation(overclaim, team_leader):
    """Hole 12: the owner (a Team Leader) could cancel an automatic overclaim escalation."""
    with pytest.raises(wf.WorkflowError, match="only by a Registered Manager or a Senior Leader"):
        _update(
            overclaim,
            team_leader,
            status="cancelled",
            cancel_reason="Not needed, the judgement is fine as it is.",
        )
    with pytest.raises(wf.WorkflowError, match="only by a Registered Manager or a Senior Leader"):
        _update(overclaim, team_leader, status="done", outcome=OUTCOME)
    overclaim.refresh_from_db()
    assert overclaim.status == EscalationStatus.OPEN


def test_every_move_records_who_when_and_why(overclaim, team_leader, registered_manager):
    _update(overclaim, team_leader, status="in_progress", note="Booked night checks.")
    _update(overclaim, team_leader, note="Two of four units checked so far.")
    _update(overclaim, registered_manager, status="done", outcome=OUTCOME)
    overclaim.refresh_from_db()
    assert overclaim.status == EscalationStatus.DONE and overclaim.closed_at
    events = [
        (e.actor, e.from_status, e.to_status, e.note) for e in overclaim.events.order_by("at", "id")
    ]
    assert events == [
        (None, "", "open", events[0][3]),
        (team_leader, "open", "in_progress", "Booked night checks."),
        (team_leader, "in_progress", "in_progress", "Two of four units checked so far."),
        (registered_manager, "in_progress", "done", OUTCOME),
    ]
    assert events[0][3].startswith("Raised: Judgement exceeds the evidence")
    assert all(e.at for e in overclaim.events.all())


def test_closing_an_automatic_escalation_needs_an_outcome(overclaim, registered_manager):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        _update(overclaim, registered_manager, status="cancelled", cancel_reason="Raised twice.")
    assert "outcome" in caught.value.message_dict


# --- the page: permission matrix and no 500 ----------------------------------------------


def _post(client, escalation, **data):
    escalation.refresh_from_db()
    payload = {
        "version": escalation.version,
        "status": escalation.status,
        "outcome": "",
        "cancel_reason": "",
        "note": "",
    }
    payload.update(data)
    return client.post(reverse("escalations:escalation_detail", args=[escalation.uuid]), payload)


def test_the_permission_matrix_for_escalation_moves(
    client, overclaim, team_leader, registered_manager, senior_leader, viewer, deputy_manager,
    outsider,
):  # fmt: skip
    start = {"status": "in_progress", "note": "Starting the night checks."}
    response = _post(client, overclaim, **start)
    assert response.status_code == 302 and "/login" in response["Location"]  # anonymous
    client.force_login(outsider)
    assert _post(client, overclaim, **start).status_code == 404
    for wrong in (viewer, deputy_manager):  # not the owner, not a manager
        client.force_login(wrong)
        assert _post(client, overclaim, **start).status_code == 403
    client.force_login(team_leader)  # the owner: may start it...
    assert _post(client, overclaim, **start).status_code == 302
    overclaim.refresh_from_db()
    assert overclaim.status == "in_progress"
    for close in (
        {"status": "cancelled", "cancel_reason": "The judgement is fine as it is."},
        {"status": "done", "outcome": OUTCOME},
    ):  # ...but never close it
        response = _post(client, overclaim, **close)
        assert response.status_code == 403
        assert "only by a Registered Manager or a Senior Leader" in response.content.decode()
    overclaim.refresh_from_db()
    assert overclaim.status == "in_progress"
    client.force_login(senior_leader)
    response = _post(client, overclaim, status="done", outcome=OUTCOME)
    assert response.status_code == 302
    overclaim.refresh_from_db()
    assert overclaim.status == "done"
    page = client.get(reverse("escalations:escalation_detail", args=[overclaim.uuid]))
    text = page.content.decode()
    assert "Starting the night checks." in text and OUTCOME in text
    assert "In progress → Done" in text


def test_a_registered_manager_closes_it_with_an_outcome(client, overclaim, registered_manager):
    client.force_login(registered_manager)
    response = _post(
        client, overclaim, status="cancelled", cancel_reason="Raised twice by mistake."
    )
    assert response.status_code == 200
    assert "outcome" in response.content.decode().lower()
    assert Escalation.objects.get(pk=overclaim.pk).status == "open"
    response = _post(
        client, overclaim, status="cancelled", cancel_reason="Raised twice by mistake.",
        outcome="Duplicate of the judgement's own escalation; that one carries the checks.",
    )  # fmt: skip
    assert response.status_code == 302
    assert Escalation.objects.get(pk=overclaim.pk).status == "cancelled"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"version": "abc", "status": "in_progress"},
        {"status": "bogus"},
        {"status": ""},
        {"owner": "999999"},
        {"owner": "abc"},
        {"due_on": "not a date"},
        {"due_on": "2026-02-30"},
        {"version": "-1"},
        {"version": "99999999999999999999999"},
        {"status": "done"},
        {"note": "x" * 20000},
        {"outcome": "\x00"},
    ],
)
def test_no_input_gives_a_500(client, overclaim, registered_manager, team_leader, data):
    for user in (registered_manager, team_leader):
        client.force_login(user)
        overclaim.refresh_from_db()
        url = reverse("escalations:escalation_detail", args=[overclaim.uuid])
        response = client.post(url, data)
        assert response.status_code in (200, 302, 403)

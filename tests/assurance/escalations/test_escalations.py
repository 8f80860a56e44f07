"""Escalations: raised by hand or by a judgement, guarded updates, overdue marks."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.escalations import services as escalations_services
from assurance.escalations.models import Escalation

pytestmark = pytest.mark.django_db

JUSTIFICATION = (
    "The spread figure misses two agency-staffed teams we observed informally every night "
    "this month. We have booked formal checks and will re-record if they do not bear this out."
)


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

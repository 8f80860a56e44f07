"""Escalations raised at a quarterly review belong to the provider and its Senior Leaders,
not to one case (issue 10, hole 11)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.escalations.models import Escalation
from assurance.reviews import reminders
from assurance.reviews import services as review_services
from assurance.reviews.models import ReminderDelivery, Review
from tests.assurance.reviews.conftest import quarterly_review

pytestmark = pytest.mark.django_db

OUTCOME = "Provider-wide night plan agreed at the board; both locations report monthly."


@pytest.fixture
def provider_escalation(provider, senior_leader):
    review = quarterly_review(provider, days=5)
    result = review_services.review_complete(
        actor=senior_leader,
        actor_roles={"senior_leader"},
        review=review,
        outcome="escalate",
        notes="Both locations show the same night-time gap.",
    )
    return result.escalation


def _post(client, escalation, **data):
    escalation.refresh_from_db()
    payload = {
        "version": escalation.version,
        "status": escalation.status,
        "outcome": "",
        "note": "",
    }
    payload.update(data)
    return client.post(reverse("escalations:escalation_detail", args=[escalation.uuid]), payload)


def test_the_permission_matrix_for_a_provider_escalation(
    client, provider_escalation, senior_leader, registered_manager, viewer, outsider
):
    url = reverse("escalations:escalation_detail", args=[provider_escalation.uuid])
    start = {"status": "in_progress", "note": "Board paper drafted."}
    response = _post(client, provider_escalation, **start)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert _post(client, provider_escalation, **start).status_code == 404
    for member in (registered_manager, viewer):  # see it, cannot move it
        client.force_login(member)
        page = client.get(url)
        assert page.status_code == 200 and "the Senior Leaders of" in page.content.decode()
        assert _post(client, provider_escalation, **start).status_code == 403
    client.force_login(senior_leader)
    assert _post(client, provider_escalation, **start).status_code == 302
    assert _post(client, provider_escalation, status="done", outcome=OUTCOME).status_code == 302
    provider_escalation.refresh_from_db()
    assert provider_escalation.status == "done"
    text = client.get(url).content.decode()
    assert "Board paper drafted." in text and OUTCOME in text


def test_provider_escalations_are_listed_for_the_provider_and_the_quarterly_review(
    client, provider, location, provider_escalation, senior_leader, registered_manager
):
    client.force_login(senior_leader)
    listed = client.get(reverse("escalations:provider_escalations", args=[provider.slug]))
    assert listed.status_code == 200
    assert provider_escalation.action in listed.content.decode()
    assert "Senior Leaders" in listed.content.decode()
    at_location = client.get(reverse("escalations:location_escalations", args=[location.uuid]))
    assert provider_escalation.action not in at_location.content.decode()
    following = Review.objects.get(provider=provider, kind="quarterly", status="due")
    page = client.get(reverse("reviews:review_detail", args=[following.uuid]))
    assert page.status_code == 200 and provider_escalation.action in page.content.decode()
    client.force_login(registered_manager)
    for url in (
        reverse("escalations:provider_escalations", args=[provider.slug]),
        reverse("casework:my_work"),
    ):
        assert client.get(url).status_code == 200


def test_the_senior_leaders_are_reminded_of_an_overdue_provider_escalation(
    client, provider, provider_escalation, senior_leader, registered_manager, mailoutbox
):
    Escalation.objects.filter(pk=provider_escalation.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    reminders.run()
    rows = ReminderDelivery.objects.filter(escalation=provider_escalation)
    assert {(r.recipient, r.audience) for r in rows} == {(senior_leader, "senior_leader")}
    assert any(provider.name in m.subject for m in mailoutbox)
    client.force_login(senior_leader)
    ledger = client.get(reverse("reviews:provider_reminders", args=[provider.slug]))
    assert ledger.status_code == 200 and provider_escalation.action in ledger.content.decode()


def test_an_escalation_belongs_to_a_case_or_a_provider_never_both_or_neither(
    provider, at_step_five
):
    from django.db import IntegrityError, transaction

    for scope in ({}, {"case": at_step_five, "provider": provider}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Escalation.objects.create(
                trigger="manual", action="x", due_on=date(2026, 12, 1), **scope
            )

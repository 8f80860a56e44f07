"""Reminders go only to people who still hold the role, and never about a closed case's
escalations: both when the sweep claims them and when a claimed one is about to go out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.organisations.models import Membership
from assurance.reviews import reminders
from assurance.reviews.models import DeliveryStatus, ReminderDelivery
from domains.roles import Role
from tests.assurance.reviews.conftest import escalation, monthly_review
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows():
    return {
        (r.recipient.username, r.audience, r.status)
        for r in ReminderDelivery.objects.select_related("recipient")
    }


def sweep_and_deliver():
    """The sweep and every delivery, without scheduling new reviews (whose due dates depend
    on today's date)."""
    result = reminders.sweep()
    for recipient_id in result.recipients:
        reminders.deliver_to(recipient_id=recipient_id)
    return result


def _close(case, status):
    ImprovementCase.objects.filter(pk=case.pk).update(status=status)


# --- escalations of closed or withdrawn cases -------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.WITHDRAWN])
def test_the_sweep_ignores_escalations_of_a_closed_or_withdrawn_case(
    case, deputy_manager, mailoutbox, status
):
    escalation(case, days=-20, owner=deputy_manager)  # overdue: owner, RM and SL
    escalation(case, days=2)  # ownerless: the Registered Manager
    _close(case, status)
    result = sweep_and_deliver()
    assert result.claimed == 0
    assert ReminderDelivery.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.WITHDRAWN])
def test_a_claimed_escalation_reminder_is_skipped_when_the_case_closes_before_it_goes(
    case, deputy_manager, mailoutbox, status
):
    escalation(case, days=1, owner=deputy_manager)
    result = reminders.sweep()
    assert result.recipients == [deputy_manager.pk]
    _close(case, status)
    delivery = reminders.deliver_to(recipient_id=deputy_manager.pk)
    assert delivery.sent == []
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.SKIPPED
    assert row.error == f"The case was {status} before the reminder went out."
    assert mailoutbox == []


# --- people whose role has ended --------------------------------------------------------------


def _end(user, **filters):
    Membership.objects.filter(user=user, **filters).update(ended_at=timezone.now())


def test_an_owner_whose_membership_ended_is_not_reminded_and_the_managers_are(
    case, registered_manager, deputy_manager, mailoutbox
):
    escalation(case, days=3, owner=deputy_manager)
    _end(deputy_manager)
    sweep_and_deliver()
    # Nobody current owns it, so it goes to the location's Registered Manager, as an
    # ownerless escalation does, rather than falling silent.
    assert rows() == {("rm", "registered_manager", "sent")}
    assert [m.to for m in mailoutbox] == [["rm@example.org"]]


def test_an_owner_whose_viewer_access_expired_is_not_reminded(
    case, location, registered_manager, mailoutbox
):
    guest = UserFactory(username="guest")
    MembershipFactory(
        user=guest,
        provider=location.provider,
        location=None,
        role=Role.VIEWER,
        expires_on=timezone.localdate() - timedelta(days=1),
    )
    escalation(case, days=3, owner=guest)
    sweep_and_deliver()
    assert rows() == {("rm", "registered_manager", "sent")}


def test_an_owner_who_still_holds_a_role_elsewhere_at_the_provider_is_still_reminded(
    case, location, deputy_manager, registered_manager, mailoutbox
):
    """Owners are members of the case's location; one who moved to a provider-wide role
    still hears about it."""
    MembershipFactory(
        user=deputy_manager, provider=location.provider, location=None, role=Role.SENIOR_LEADER
    )
    _end(deputy_manager, location=location)
    escalation(case, days=3, owner=deputy_manager)
    sweep_and_deliver()
    assert rows() == {("dm", "owner", "sent")}


def test_a_claimed_reminder_is_skipped_when_the_recipients_role_ends_before_it_goes(
    case, registered_manager, mailoutbox
):
    monthly_review(case, days=1)
    result = reminders.sweep()
    assert result.recipients == [registered_manager.pk]
    _end(registered_manager)
    delivery = reminders.deliver_to(recipient_id=registered_manager.pk)
    assert delivery.sent == []
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.SKIPPED
    assert row.error == "The person no longer holds a role that receives this reminder."
    assert mailoutbox == []
    # The in-app notification is not written for them either.
    assert row.notification_id is None


def test_a_claimed_owner_reminder_is_skipped_when_the_owners_role_ends_before_it_goes(
    case, deputy_manager, mailoutbox
):
    escalation(case, days=1, owner=deputy_manager)
    reminders.sweep()
    _end(deputy_manager)
    reminders.deliver_to(recipient_id=deputy_manager.pk)
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.SKIPPED
    assert "no longer holds a role" in row.error
    assert mailoutbox == []


def test_a_claimed_reminder_still_goes_to_a_current_member(
    case, registered_manager, senior_leader, mailoutbox
):
    monthly_review(case, days=-20)  # the RM, and the Senior Leader as the next level up
    sweep_and_deliver()
    assert rows() == {
        ("rm", "registered_manager", "sent"),
        ("sl", "next_level", "sent"),
    }


def test_the_sweep_costs_the_same_queries_with_the_membership_checks(
    case, registered_manager, deputy_manager, django_assert_max_num_queries
):
    escalation(case, days=3, owner=deputy_manager)
    monthly_review(case, days=1)
    with django_assert_max_num_queries(3):
        reminders.sweep()

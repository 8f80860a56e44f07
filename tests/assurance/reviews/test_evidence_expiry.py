"""Evidence that stops counting: its Registered Managers hear 30 and 7 days before, through
the reminder ledger, exactly once each ("Honest figures over time", item 4)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from assurance.organisations.access import roles_at_location
from assurance.reviews import cadence, reminders
from assurance.reviews.models import ReminderDelivery
from evidence import services as evidence_services
from tests.builders import add_evidence

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 12, 1)


def at(day):
    return time_machine.travel(
        datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    )


def expiry_rows():
    return sorted(
        (r.stage, r.recipient.username, r.status)
        for r in ReminderDelivery.objects.filter(evidence_item__isnull=False).select_related(
            "recipient"
        )
    )


def test_the_stage_rule():
    assert cadence.expiry_stage(DAY0 + timedelta(days=31), DAY0) is None
    assert cadence.expiry_stage(DAY0 + timedelta(days=30), DAY0) == cadence.EXPIRES_30
    assert cadence.expiry_stage(DAY0 + timedelta(days=8), DAY0) == cadence.EXPIRES_30
    assert cadence.expiry_stage(DAY0 + timedelta(days=7), DAY0) == cadence.EXPIRES_7
    assert cadence.expiry_stage(DAY0, DAY0) == cadence.EXPIRES_7
    assert cadence.expiry_stage(DAY0 - timedelta(days=1), DAY0) is None


def test_registered_managers_hear_30_and_7_days_before_once_each(
    case, quality_lead, registered_manager, mailoutbox
):
    with at(DAY0):
        item = add_evidence(case, quality_lead)
        type(item).objects.filter(pk=item.pk).update(valid_until=DAY0 + timedelta(days=20))
        reminders.run()
        reminders.run()
    assert expiry_rows() == [("expires_30", registered_manager.username, "sent")]
    assert any("Stops counting within 30 days" in m.body for m in mailoutbox)
    with at(DAY0 + timedelta(days=15)):
        reminders.run()
        reminders.run()
    with at(DAY0 + timedelta(days=16)):
        reminders.run()
    assert expiry_rows() == [
        ("expires_30", registered_manager.username, "sent"),
        ("expires_7", registered_manager.username, "sent"),
    ]


def test_no_reminder_for_withdrawn_evidence(case, quality_lead, registered_manager):
    with at(DAY0):
        item = add_evidence(case, quality_lead)
        type(item).objects.filter(pk=item.pk).update(valid_until=DAY0 + timedelta(days=20))
        evidence_services.evidence_withdraw(
            actor=registered_manager,
            actor_roles=roles_at_location(registered_manager, case.location),
            item=item,
            reason="Superseded by the new training matrix.",
        )
        reminders.run()
    assert expiry_rows() == []

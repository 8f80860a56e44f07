"""Sweeps running at the same time still send each reminder once (PostgreSQL)."""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from assurance.reviews import reminders
from assurance.reviews.models import DeliveryStatus, Notification, ReminderDelivery
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import open_case

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers, so nothing would run concurrently",
    ),
]


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run():
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            target()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_concurrent_sweeps_send_each_reminder_once(
    location, provider, quality_lead, registered_manager, senior_leader, deputy_manager, mailoutbox
):
    for i in range(10):
        case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
        monthly_review(case, days=i * 3 - 20)
        escalation(case, days=i - 3, owner=deputy_manager if i % 2 else None)
    quarterly_review(provider, days=1)

    _in_threads(4, reminders.run)

    rows = list(ReminderDelivery.objects.select_related("recipient"))
    keys = Counter((r.review_id, r.escalation_id, r.stage, r.recipient_id) for r in rows)
    assert keys and all(n == 1 for n in keys.values())
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    # One email per recipient, and every ledger row appears in exactly one of them.
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["dm@example.org", "rm@example.org", "sl@example.org"]
    in_emails = Counter(
        int(pk) for m in mail.outbox for pk in m.extra_headers["X-Assurance-Reminders"].split(",")
    )
    assert in_emails == Counter(r.pk for r in rows)
    assert Notification.objects.count() == 3


def test_concurrent_deliveries_to_one_person_send_one_email(
    location, quality_lead, registered_manager, mailoutbox
):
    case = open_case(location=location, actor=quality_lead)
    monthly_review(case, days=0)
    reminders.sweep()

    _in_threads(4, lambda: reminders.deliver_to(recipient_id=registered_manager.pk))

    assert [m.to for m in mail.outbox] == [["rm@example.org"]]
    assert ReminderDelivery.objects.get().status == DeliveryStatus.SENT

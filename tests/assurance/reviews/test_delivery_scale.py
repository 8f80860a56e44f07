"""A digest costs the same queries for one reminder as for many, and a long one lists the
soonest due in the email while the notification keeps every one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.reviews import reminders
from assurance.reviews.models import DeliveryStatus, Notification, ReminderDelivery
from tests.assurance.reviews.conftest import escalation, monthly_review

pytestmark = pytest.mark.django_db

# The rows, locked in id order; the recipient (read once, not joined to every row); their
# roles; the notification; the claim (one UPDATE, notification linked); then accepted (one
# row) and sent: the same for 1 reminder or 1,000.
DELIVERY_QUERIES = 7


def _deliver(registered_manager):
    reminders.sweep()
    with CaptureQueriesContext(connection) as ctx:
        result = reminders.deliver_to(recipient_id=registered_manager.pk)
    # The test's transaction turns the claim's own transaction into a savepoint.
    savepoints = ("SAVEPOINT", "RELEASE SAVEPOINT")
    return result, [q for q in ctx.captured_queries if not q["sql"].startswith(savepoints)]


@pytest.mark.parametrize("n", [1, 30])
def test_it_delivers_a_digest_in_the_same_queries_for_one_or_many(
    case, many_cases, registered_manager, mailoutbox, n
):
    cases = [case, *many_cases(n - 1)]
    for i, c in enumerate(cases):
        monthly_review(c, days=-(i % 20))
    escalation(case, days=2)
    result, queries = _deliver(registered_manager)
    assert len(result.sent) == n + 1
    assert len(queries) == DELIVERY_QUERIES, [q["sql"][:120] for q in queries]
    lock = queries[0]["sql"]
    assert lock.startswith("SELECT")
    # Locked in id order ("id" is the first column selected), skipping rows another digest
    # holds (SQLite has no row locks: it serialises writers instead).
    if connection.features.has_select_for_update_skip_locked:
        assert lock.endswith(
            'ORDER BY 1 ASC FOR UPDATE OF "assurance_reminderdelivery" SKIP LOCKED'
        )
    else:
        assert lock.endswith("ORDER BY 1 ASC")


def test_a_long_digest_lists_the_soonest_due_and_the_notification_keeps_them_all(
    case, many_cases, registered_manager, mailoutbox, monkeypatch
):
    monkeypatch.setattr(reminders, "EMAIL_ITEMS_LISTED", 3)
    for i, c in enumerate([case, *many_cases(4)]):
        monthly_review(c, days=-i)
    result, _ = _deliver(registered_manager)
    assert len(result.sent) == 5
    (digest,) = mailoutbox
    assert "These 5 items need your attention (the 3 due soonest below):" in digest.body
    assert "And 2 more: every one is in your notifications." in digest.body
    assert digest.body.count("Monthly review") == 3
    assert len(Notification.objects.get().items) == 5
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    ids = {int(i) for i in digest.extra_headers["X-Assurance-Reminders"].split(",")}
    assert ids == set(ReminderDelivery.objects.values_list("pk", flat=True))


def _row_updates():
    """(updates, HOT updates) of ledger rows so far in this transaction (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables"
            " WHERE relid = %s::regclass",
            [ReminderDelivery._meta.db_table],
        )
        return cursor.fetchone()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's")
def test_claiming_a_digest_writes_no_index_entry(case, many_cases, registered_manager):
    # No index holds a column the claim changes, so PostgreSQL updates each row in place
    # (a HOT update): claiming costs no index writes however many rows the digest holds.
    for i, c in enumerate([case, *many_cases(4)]):
        monthly_review(c, days=-i)
    reminders.sweep()
    updates, hot = _row_updates()

    _, rows = reminders._claim(registered_manager.pk, timezone.now())

    assert {row.status for row in rows} == {DeliveryStatus.SENDING}
    assert _row_updates() == (updates + 5, hot + 5)

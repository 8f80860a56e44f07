"""A real Celery worker process, on the real Redis broker and the test database, sends each
reminder once: also when it is killed in the middle of a batch and started again.

Needs REDIS_URL (CI sets it) and PostgreSQL, so that the worker process can share the test
database (tests/workers.py). Each run uses its own queue, purged before the worker starts.
"""

import email
import re
import time
from collections import Counter

import pytest

from assurance.config.celery import app
from assurance.reviews.models import DeliveryStatus, ReminderDelivery
from domains.roles import Role
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import open_case
from tests.factories import LocationFactory, MembershipFactory, UserFactory
from tests.workers import Worker, needs_postgresql, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The suite runs tasks eagerly; send_task deliberately goes to the real broker.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    needs_postgresql,
]

SWEEP = "assurance.tasks.reminders_sweep"


def emails(tmp_path):
    """(recipient, [ledger ids]) for every email the file backend wrote."""
    found = []
    for path in sorted((tmp_path / "mail").glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                ids = [int(i) for i in message["X-Assurance-Reminders"].split(",")]
                found.append((message["To"], ids))
    return found


def ledger_counts():
    return Counter(ReminderDelivery.objects.values_list("status", flat=True))


def all_settled():
    counts = ledger_counts()
    return counts and not counts[DeliveryStatus.PENDING] and not counts[DeliveryStatus.SENDING]


def _unfinished(log) -> list:
    """The ids of the digest tasks a worker has received and not finished."""
    text = log.read_text() if log.exists() else ""
    received = re.findall(r"reminders_deliver\[([0-9a-f-]+)\] received", text)
    return [t for t in received if f"{t}] succeeded" not in text]


def _unfinished_task(log):
    """The id of the task a killed worker had received and not finished."""
    unfinished = _unfinished(log)
    assert len(unfinished) == 1, log.read_text()
    return unfinished[0]


def _send_sweep(queue):
    app.send_task(SWEEP, queue=queue)


def test_a_real_worker_sends_each_reminder_once_even_when_killed_mid_batch(
    tmp_path, task_queue, workers, location, provider, quality_lead, registered_manager,
    senior_leader, deputy_manager,
):  # fmt: skip
    # 1. A worker sweeps and sends: one email per person, every ledger row in one email.
    first = open_case(location=location, actor=quality_lead, title="First")
    second = open_case(location=location, actor=quality_lead, title="Second")
    monthly_review(first, days=-15)
    monthly_review(second, days=1)
    quarterly_review(provider, days=6)
    escalation(first, days=0, owner=deputy_manager)
    workers.append(Worker(tmp_path, task_queue, "first").start())
    _send_sweep(task_queue)
    wait_for(all_settled, 60, "the first sweep's reminders")
    rows = list(ReminderDelivery.objects.all())
    assert {r.status for r in rows} == {DeliveryStatus.SENT}
    sent = emails(tmp_path)
    assert sorted(to for to, _ in sent) == ["dm@example.org", "rm@example.org", "sl@example.org"]
    assert Counter(i for _, ids in sent for i in ids) == Counter(r.pk for r in rows)
    # Sweeping again (as beat would) sends nothing new.
    _send_sweep(task_queue)
    _send_sweep(task_queue)
    time.sleep(3)
    assert len(emails(tmp_path)) == 3
    assert ReminderDelivery.objects.count() == len(rows)
    workers.pop().kill()

    # 2. A slow batch: eight managers at eight locations, a pause before each digest.
    managers = []
    for n in range(8):
        place = LocationFactory(provider=provider, name=f"Site {n}")
        manager = UserFactory(username=f"manager{n}")
        MembershipFactory(user=manager, location=place, role=Role.REGISTERED_MANAGER)
        MembershipFactory(user=quality_lead, location=place, role=Role.QUALITY_LEAD)
        monthly_review(open_case(location=place, actor=quality_lead, title=f"Site {n}"), days=-3)
        managers.append(manager)
    batch = ReminderDelivery.objects.filter(recipient__in=managers)
    slow = Worker(tmp_path, task_queue, "slow", REMINDER_TEST_DELAY_SECONDS="1.0").start()
    workers.append(slow)
    _send_sweep(task_queue)

    def part_way():
        states = Counter(batch.values_list("status", flat=True))
        # Kill between two digests: some sent, none half-sent, and the next one received
        # (in its pause), not in the instant between one digest's end and the next's start.
        return (
            states[DeliveryStatus.SENT] >= 2
            and not states[DeliveryStatus.SENDING]
            and len(_unfinished(slow.log)) == 1
        )

    wait_for(part_way, 60, "part of the slow batch")
    slow.kill()
    killed_task = _unfinished_task(slow.log)
    left = batch.filter(status=DeliveryStatus.PENDING).count()
    assert 0 < left < 8, "the worker should have died with reminders still waiting"
    assert not batch.filter(status=DeliveryStatus.SENDING).exists()

    # 3. Start again: the queued digests run, and the killed worker's unacknowledged task
    # comes back (acks_late) after the visibility timeout. Nothing is sent twice.
    workers.append(Worker(tmp_path, task_queue, "restarted").start())
    wait_for(
        lambda: batch.count() == 8 and not batch.exclude(status=DeliveryStatus.SENT).exists(),
        90,
        "the rest of the batch after the restart",
    )
    assert f"{killed_task}] succeeded" in workers[-1].log.read_text()  # redelivered
    _send_sweep(task_queue)  # and when the schedule resumes, still nothing twice
    time.sleep(3)
    sent = emails(tmp_path)
    per_person = Counter(to for to, _ in sent)
    assert all(per_person[f"manager{n}@example.org"] == 1 for n in range(8)), per_person
    every_row = Counter(i for _, ids in sent for i in ids)
    assert every_row == Counter(ReminderDelivery.objects.values_list("pk", flat=True))
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


# A worker killed at each point of one digest, then a new worker and the schedule resuming.
LEASE = {"REMINDER_SENDING_LEASE_SECONDS": "2"}


def _kill_one_digest_at(point, tmp_path, task_queue, workers, rows_at_kill):
    """Start a worker that pauses at `point` in each digest, sweep, wait until the rows look
    like `rows_at_kill`, kill it; then start a new worker and sweep until all settle."""
    slow = Worker(
        tmp_path,
        task_queue,
        f"paused-{point}",
        REMINDER_TEST_DELAY_SECONDS="60",
        REMINDER_TEST_DELAY_AT=point,
        **LEASE,
    ).start()
    workers.append(slow)
    _send_sweep(task_queue)
    wait_for(
        lambda: (row := ReminderDelivery.objects.first()) is not None and rows_at_kill(row),
        60,
        f"the pause at {point}",
    )
    slow.kill()
    stuck = ReminderDelivery.objects.get()
    assert stuck.status == DeliveryStatus.SENDING  # the worker died holding it
    sent_before_restart = len(emails(tmp_path))

    workers.append(Worker(tmp_path, task_queue, f"after-{point}", **LEASE).start())
    time.sleep(2.5)  # the lease runs out
    _send_sweep(task_queue)  # beat's next sweep settles the row
    wait_for(all_settled, 60, "the interrupted reminder to settle")
    _send_sweep(task_queue)  # and later sweeps change nothing
    time.sleep(3)
    return sent_before_restart, ReminderDelivery.objects.get()


def test_a_digest_interrupted_before_the_mail_server_accepted_it_is_sent_again_once(
    tmp_path, task_queue, workers, case, registered_manager
):
    monthly_review(case, days=0)

    sent_before, row = _kill_one_digest_at(
        "before_send",
        tmp_path,
        task_queue,
        workers,
        lambda row: row.status == DeliveryStatus.SENDING and row.notification_id,
    )

    assert sent_before == 0
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert row.accepted_at is not None and row.sent_at == row.accepted_at
    assert emails(tmp_path) == [("rm@example.org", [row.pk])]


def test_a_digest_the_mail_server_accepted_is_never_sent_twice(
    tmp_path, task_queue, workers, case, registered_manager
):
    monthly_review(case, days=0)

    sent_before, row = _kill_one_digest_at(
        "after_accept",
        tmp_path,
        task_queue,
        workers,
        lambda row: row.status == DeliveryStatus.SENDING and row.accepted_at is not None,
    )

    assert sent_before == 1
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
    assert row.sent_at == row.accepted_at
    assert emails(tmp_path) == [("rm@example.org", [row.pk])]

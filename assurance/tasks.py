"""Celery tasks: thin wrappers that take ids and call reminders.py.

Queue work with `enqueue(...)`, never `.delay()` directly from a view: it waits for the
transaction to commit and, if the broker is unreachable, logs and carries on, so a page never
fails because Redis is down. Nothing is lost that way: the next scheduled sweep finds
whatever is due from the database, and the ledger makes sure nothing goes out twice.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import transaction

from . import reminders

log = logging.getLogger(__name__)


# Fail fast when the broker is unreachable: one quick try instead of kombu's default
# retries with backoff (several seconds), so a request never hangs on a dead broker.
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def _send(calls) -> bool:
    from .celery import app

    options = {**app.conf.broker_transport_options, **FAIL_FAST}
    try:
        with app.connection_for_write(transport_options=options) as connection:
            for task, args, kwargs in calls:
                task.apply_async(args=args, kwargs=kwargs, connection=connection, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: log it and carry on
        names = sorted({task.name for task, _, _ in calls})
        log.warning(
            "Could not queue %s: the task broker is unreachable.", ", ".join(names), exc_info=True
        )
        return False
    return True


def send_now(task, *args, **kwargs) -> bool:
    """Queue `task` straight away (for on_commit callbacks); False if the broker is down."""
    return _send([(task, args, kwargs)])


def enqueue_many(calls) -> bool:
    """Queue [(task, args, kwargs), ...] once the current transaction commits, over one
    broker connection. False if queueing already failed (it has, outside a transaction)."""
    calls = list(calls)
    if not calls:
        return True
    outcome = []
    transaction.on_commit(lambda: outcome.append(_send(calls)))
    return all(outcome)


def enqueue(task, *args, **kwargs) -> bool:
    """Queue `task` once the current transaction commits. False if queueing already failed."""
    return enqueue_many([(task, args, kwargs)])


@shared_task(name="assurance.tasks.reminders_sweep", acks_late=True, ignore_result=True)
def reminders_sweep():
    """The beat schedule's sweep: schedule missing reviews, claim due reminders, and hand
    each person's digest to its own task."""
    from .review_services import reviews_schedule

    scheduled = reviews_schedule()
    result = reminders.sweep()
    enqueue_many([(reminders_deliver, (recipient_id,), {}) for recipient_id in result.recipients])
    log.info(
        "Reminder sweep: %d reviews scheduled, %d reminders claimed, %d digests queued",
        len(scheduled.created),
        result.claimed,
        len(result.recipients),
    )


@shared_task(
    bind=True,
    name="assurance.tasks.reminders_deliver",
    acks_late=True,
    ignore_result=True,
    max_retries=None,  # the ledger counts attempts and records the final failure
)
def reminders_deliver(self, recipient_id):
    try:
        result = reminders.deliver_to(recipient_id=recipient_id)
    except reminders.TransientDeliveryError as exc:
        log.warning("Reminder email failed, retrying in %ss: %s", exc.retry_in, exc)
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc
    if result.sent:
        log.info("Sent %d reminders to %s", len(result.sent), result.recipient)


@worker_ready.connect
def sweep_when_a_worker_starts(sender=None, **kwargs):
    # Beat's first interval only ends a full period after it starts; a sweep at start-up
    # means a freshly started system sends what is due at once. Harmless when several
    # workers start: the sweep is idempotent.
    if settings.REMINDER_SWEEP_ON_WORKER_START:
        enqueue(reminders_sweep)

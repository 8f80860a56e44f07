"""Celery tasks for the review cadence: thin wrappers that take ids and call reminders.py.

The task names keep their original `assurance.tasks.*` form so queued messages and the beat
schedule survive the move. Nothing is lost when the broker is down: the next scheduled sweep
finds whatever is due from the database, and the ledger makes sure nothing goes out twice.
"""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from assurance.common.queueing import enqueue, enqueue_many
from assurance.reviews import reminders
from assurance.reviews.services import reviews_schedule

log = logging.getLogger(__name__)


@shared_task(name="assurance.tasks.reminders_sweep", acks_late=True, ignore_result=True)
def reminders_sweep():
    """The beat schedule's sweep: schedule missing reviews, claim due reminders, and hand
    each person's digest to its own task."""

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

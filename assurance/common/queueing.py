"""Queueing Celery tasks without ever failing a request.

Queue work with `enqueue(...)`, never `.delay()` directly from a view: it waits for the
transaction to commit and, if the broker is unreachable, logs and carries on, so a page never
fails because Redis is down. Nothing is lost that way: scheduled sweeps find whatever is due
from the database, and report runs can be retried.
"""

import logging

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


# Fail fast when the broker is unreachable: one quick try instead of kombu's default
# retries with backoff (several seconds), so a request never hangs on a dead broker.
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def _send(calls) -> bool:
    app = current_app
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

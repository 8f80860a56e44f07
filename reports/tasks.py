"""Celery tasks for reports: thin wrappers that take ids and call services.py."""

import logging

from celery import shared_task

from . import services

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,  # acknowledged only once done: a lost worker's render is handed out again
    reject_on_worker_lost=True,  # and put back at once when a pool process dies
    ignore_result=True,
    max_retries=None,  # each retry waits on a live heartbeat, which ends with its render
)
def render_report_task(self, run_id: int) -> None:
    if services.report_render(run_id):
        return
    wait = services.report_wait_seconds(run_id)
    if wait is not None:
        # Another worker is rendering this run, or was until moments ago (the task came back
        # because that worker died): look again when its heartbeat would be stale.
        log.info("Report run %s is being rendered elsewhere; looking again in %ss", run_id, wait)
        raise self.retry(countdown=wait)


@shared_task(name="reports.tasks.reports_mark_abandoned", ignore_result=True)
def reports_mark_abandoned() -> None:
    """On beat: runs whose worker stopped are marked failed, with a Retry."""
    services.report_mark_abandoned()

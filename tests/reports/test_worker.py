"""Real Celery workers killed with SIGKILL in the middle of a report render: the run ends
ready (or failed with a Retry), never "running" forever.

Needs REDIS_URL (CI sets it) and PostgreSQL (tests/workers.py). The render is made slow with
the test-only REPORT_TEST_DELAY_SECONDS; heartbeats every half second, stale after three.
"""

import hashlib
import os
import signal
from pathlib import Path

import pytest
from django.utils import timezone

from assurance.config.celery import app
from reports.models import ReportRun, RunStatus
from reports.services import STOPPED
from tests.builders import add_evidence, open_case
from tests.workers import Worker, needs_postgresql, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The suite runs tasks eagerly; send_task deliberately goes to the real broker.
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    needs_postgresql,
]

RENDER = "reports.tasks.render_report_task"
FAST_RECOVERY = {"REPORT_HEARTBEAT_SECONDS": "0.5", "REPORT_STALE_AFTER_SECONDS": "3"}
# However the worker is lost, the run settles within this many seconds of the loss.
BOUND = 60


@pytest.fixture
def run(location, team, quality_lead):
    case = open_case(location=location, actor=quality_lead, title="Falls audit follow-up")
    add_evidence(case, quality_lead, team=team)
    return ReportRun.objects.create(
        kind="case",
        provider=location.provider,
        location=location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=quality_lead,
    )


def current(run):
    return ReportRun.objects.get(pk=run.pk)


def rendering(run):
    now = current(run)
    return now.status == RunStatus.RUNNING and now.stage == "Rendering the PDF"


def settled(run):
    now = current(run)
    return now.status == RunStatus.DONE or (now.status == RunStatus.FAILED and now.can_retry)


def assert_ready_or_retryable(run):
    final = current(run)
    assert final.status in {RunStatus.DONE, RunStatus.FAILED}, final.status
    if final.status == RunStatus.FAILED:
        assert final.error == STOPPED and final.can_retry
        return final
    with final.file.storage.open(final.file.name, "rb") as fh:
        content = fh.read()
    assert content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == final.sha256 and len(content) == final.size
    assert len(list(Path(final.file.storage.location, "reports").rglob("*.pdf"))) == 1
    return final


def pool_children(pid):
    """Process ids whose parent is `pid` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def test_a_render_whose_worker_is_killed_is_finished_by_the_next_worker(
    tmp_path, task_queue, workers, run
):
    first = Worker(
        tmp_path, task_queue, "first", REPORT_TEST_DELAY_SECONDS="120", **FAST_RECOVERY
    ).start()
    workers.append(first)
    app.send_task(RENDER, args=[run.pk], queue=task_queue)
    wait_for(lambda: rendering(run), 60, "the render to start")

    # While WeasyPrint works, the heartbeat keeps going.
    beat = current(run).heartbeat_at
    wait_for(lambda: current(run).heartbeat_at > beat, 5, "a heartbeat during the render")

    first.kill()
    assert current(run).status == RunStatus.RUNNING  # the worker died holding the run

    # A new worker: the killed worker's unacknowledged task comes back (acks_late, after the
    # visibility timeout); by then the heartbeat is stale, so the run is claimed and rendered.
    second = Worker(tmp_path, task_queue, "second", **FAST_RECOVERY).start()
    workers.append(second)
    wait_for(lambda: settled(run), BOUND, "the run to be ready or retryable")

    final = assert_ready_or_retryable(run)
    assert final.status == RunStatus.DONE, second.text()
    assert final.attempts == 2
    assert f"Rendering report run {run.pk} (attempt 2)" in second.text()


def test_a_render_whose_pool_process_is_killed_is_requeued_and_finished(
    tmp_path, task_queue, workers, run
):
    # A prefork worker whose pool process dies (out of memory, say): the task is rejected
    # back to the queue at once (reject_on_worker_lost); the same worker gets it again while
    # the dead render's heartbeat is still fresh, so it waits for it to go stale (a retry
    # with a countdown), then renders the run.
    worker = Worker(
        tmp_path,
        task_queue,
        "prefork",
        pool="prefork",
        REPORT_TEST_DELAY_SECONDS="4",
        REPORT_HEARTBEAT_SECONDS="0.5",
        REPORT_STALE_AFTER_SECONDS="15",
    ).start()
    workers.append(worker)
    app.send_task(RENDER, args=[run.pk], queue=task_queue)
    wait_for(lambda: rendering(run), 60, "the render to start")

    (child,) = pool_children(worker.process.pid)
    os.kill(child, signal.SIGKILL)

    wait_for(lambda: settled(run), BOUND, "the run to be ready or retryable")
    final = assert_ready_or_retryable(run)
    assert final.status == RunStatus.DONE, worker.text()
    assert final.attempts == 2
    log = worker.text()
    assert "SIGKILL" in log and "rendered elsewhere; looking again" in log

"""Report runs whose worker stopped: a heartbeat while rendering, a sweep that marks a silent
run failed (and retryable), a redelivered task that renders an abandoned run instead of
being swallowed by the claim, and Retry on failed and abandoned runs.

The same with a real worker killed mid-render: tests/reports/test_worker.py.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from reports import rendering, services
from reports.models import ReportRun, RunStatus
from reports.tasks import render_report_task, reports_mark_abandoned
from tests.builders import open_case

pytestmark = pytest.mark.django_db

STOPPED = "The worker stopped while rendering; you can retry"


@pytest.fixture
def run(location, quality_lead):
    case = open_case(location=location, actor=quality_lead, title="Falls audit follow-up")
    return ReportRun.objects.create(
        kind="case",
        provider=location.provider,
        location=location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=quality_lead,
    )


def stale():
    return timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_SECONDS + 60)


def running(run, *, heartbeat_at, attempts=1):
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        stage="Rendering the PDF",
        progress=60,
        attempts=attempts,
        started_at=heartbeat_at - timedelta(seconds=5) if heartbeat_at else stale(),
        heartbeat_at=heartbeat_at,
    )
    run.refresh_from_db()
    return run


def test_the_render_task_is_acknowledged_late_and_requeued_when_its_worker_is_lost():
    assert render_report_task.acks_late is True
    assert render_report_task.reject_on_worker_lost is True


def test_the_sweep_runs_on_the_beat_schedule():
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries[reports_mark_abandoned.name] == settings.REPORT_SWEEP_SECONDS


def test_the_claim_and_every_stage_record_a_heartbeat(run, monkeypatch):
    seen = []
    real = rendering.render_pdf

    def spy(html, target=None):
        seen.append(ReportRun.objects.get(pk=run.pk).heartbeat_at)
        return real(html, target=target)

    monkeypatch.setattr(rendering, "render_pdf", spy)
    before = timezone.now()

    assert services.report_render(run.pk) is True

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert seen[0] is not None and seen[0] >= before
    assert run.heartbeat_at >= seen[0]


def test_a_redelivered_task_renders_a_run_whose_worker_stopped(run):
    running(run, heartbeat_at=stale())

    assert services.report_render(run.pk) is True

    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (RunStatus.DONE, 2, "")
    assert run.file and len(run.sha256) == 64


def test_a_run_with_no_heartbeat_at_all_counts_from_its_start(run):
    running(run, heartbeat_at=None)

    assert services.report_render(run.pk) is True
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_it_leaves_a_run_a_live_worker_is_rendering(run):
    running(run, heartbeat_at=timezone.now() - timedelta(seconds=10))

    assert services.report_render(run.pk) is False

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.RUNNING, 1)
    wait = services.report_wait_seconds(run.pk)
    assert 0 < wait <= settings.REPORT_STALE_AFTER_SECONDS


def test_the_task_asks_to_come_back_when_the_heartbeat_would_be_stale(run, monkeypatch):
    running(run, heartbeat_at=timezone.now() - timedelta(seconds=10))
    asked = []

    class Again(Exception):
        pass

    def retry(*, countdown, **kwargs):
        asked.append(countdown)
        return Again()

    monkeypatch.setattr(render_report_task, "retry", retry)

    with pytest.raises(Again):
        render_report_task(run.pk)

    assert 0 < asked[0] <= settings.REPORT_STALE_AFTER_SECONDS + 1


def test_the_task_does_nothing_more_for_a_finished_run(run, monkeypatch):
    assert services.report_render(run.pk) is True
    monkeypatch.setattr(render_report_task, "retry", pytest.fail)

    render_report_task(run.pk)  # a duplicate delivery: no second render, no retry

    run.refresh_from_db()
    assert run.attempts == 1


def test_the_sweep_marks_a_silent_run_failed_and_leaves_live_ones(run, location, quality_lead):
    running(run, heartbeat_at=stale())
    live = running(
        ReportRun.objects.create(
            kind="case",
            provider=run.provider,
            location=location,
            case=run.case,
            data_cutoff=timezone.now(),
            requested_by=quality_lead,
        ),
        heartbeat_at=timezone.now(),
    )
    queued = ReportRun.objects.create(
        kind="case",
        provider=run.provider,
        location=location,
        case=run.case,
        data_cutoff=timezone.now(),
        requested_by=quality_lead,
    )

    assert services.report_mark_abandoned() == 1

    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, STOPPED)
    assert run.finished_at is not None
    assert ReportRun.objects.get(pk=live.pk).status == RunStatus.RUNNING
    assert ReportRun.objects.get(pk=queued.pk).status == RunStatus.QUEUED
    assert services.report_mark_abandoned() == 0


def test_a_run_the_sweep_marked_stopped_is_rendered_when_its_task_comes_back(run):
    running(run, heartbeat_at=stale())
    services.report_mark_abandoned()

    assert services.report_render(run.pk) is True
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.DONE, "")


def test_a_run_that_keeps_stopping_its_worker_is_left_for_a_person_to_retry(
    run, django_capture_on_commit_callbacks
):
    running(run, heartbeat_at=stale(), attempts=settings.REPORT_MAX_ATTEMPTS)

    assert services.report_render(run.pk) is False
    assert services.report_mark_abandoned() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert services.report_render(run.pk) is False  # still not automatically

    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_retry(actor=run.requested_by, run=run) is True
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_a_worker_that_lost_its_run_to_another_writes_nothing(run, monkeypatch):
    real = rendering.render_pdf

    def taken_over(html, target=None):
        # Meanwhile the run was thought abandoned and claimed by another worker.
        ReportRun.objects.filter(pk=run.pk).update(attempts=2, heartbeat_at=timezone.now())
        return real(html, target=target)

    monkeypatch.setattr(rendering, "render_pdf", taken_over)

    assert services.report_render(run.pk) is False

    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.RUNNING, 2)
    assert not run.file and run.sha256 == ""
    assert not list((settings.MEDIA_ROOT / "reports").rglob("*.pdf"))


def test_retry_works_on_an_abandoned_run_through_the_page(
    client, run, quality_lead, django_capture_on_commit_callbacks
):
    running(run, heartbeat_at=stale())
    client.force_login(quality_lead)

    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    assert "The worker stopped while rendering" in page and "Retry" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_retry", args=[run.uuid]), follow=True)

    assert "queued again" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.attempts == 2


def test_retry_is_refused_while_a_live_worker_renders_and_once_done(run, quality_lead):
    running(run, heartbeat_at=timezone.now())
    assert services.report_retry(actor=quality_lead, run=run) is False
    assert ReportRun.objects.get(pk=run.pk).status == RunStatus.RUNNING

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, sha256="0" * 64)
    assert services.report_retry(actor=quality_lead, run=run) is False

"""Report runs: request, render (claimed once), record downloads.

Rendering happens outside any transaction or row lock: the run is claimed with a
conditional UPDATE, the slow work (data, HTML, WeasyPrint, file write) runs unlocked, and the
result is written with another conditional UPDATE.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assurance.common.queueing import send_now
from assurance.common.storage import HashingWriter, save_verified
from assurance.organisations.permissions import LOCATION_REPORT_ROLES, QUARTERLY_REPORT_ROLES

from . import data, rendering
from .models import ReportDownload, ReportKind, ReportRun, RunStatus
from .periods import Quarter, parse_quarter

log = logging.getLogger(__name__)

# A run still "running" after this long was abandoned by a killed worker: it may be re-claimed.
STALE_AFTER = timedelta(minutes=15)


def report_request_quarterly(*, actor, actor_roles, provider, quarter: Quarter, location=None):
    """Senior Leaders request provider reports; Registered Managers their own location's."""
    if location is None and not QUARTERLY_REPORT_ROLES & set(actor_roles):
        raise PermissionDenied("Only a Senior Leader can request the provider's quarterly report.")
    if location is not None and not LOCATION_REPORT_ROLES & set(actor_roles):
        raise PermissionDenied(
            "Only the location's Registered Manager or a Senior Leader can request this report."
        )
    run = ReportRun.objects.create(
        kind=ReportKind.QUARTERLY,
        provider=provider,
        location=location,
        quarter=quarter.label,
        data_cutoff=data.cutoff_for(quarter),
        requested_by=actor,
    )
    _queue(run)
    return run


def report_request_case(*, actor, case):
    run = ReportRun.objects.create(
        kind=ReportKind.CASE,
        provider=case.location.provider,
        location=case.location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=actor,
    )
    _queue(run)
    return run


def report_retry(*, actor, run):
    updated = ReportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
        status=RunStatus.QUEUED, stage="Waiting for a worker", progress=0, error=""
    )
    if updated:
        _queue(run)
    return updated == 1


def _queue(run):
    transaction.on_commit(lambda: _send(run.pk))


def _send(run_id):

    from .tasks import render_report_task

    if not send_now(render_report_task, run_id):
        # Fail fast and say so: the run can be retried once the task queue is back.
        ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            stage="Failed",
            error="The task queue was not reachable, so the report was not started. "
            "Retry when the service is back.",
        )


def _stage(run_id, stage, progress):
    ReportRun.objects.filter(pk=run_id).update(stage=stage, progress=progress)


def _claim(run_id) -> bool:
    """Take the run for this worker. Only one claimant wins; a finished run is never redone."""
    now = timezone.now()
    claimable = Q(status=RunStatus.QUEUED) | Q(
        status=RunStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )
    return bool(
        ReportRun.objects.filter(claimable, pk=run_id).update(
            status=RunStatus.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
            stage="Gathering data",
            progress=10,
        )
    )


def report_html(run, *, on_stage=lambda stage, progress: None) -> str:
    """A run's report as HTML, from the data as it stood at the run's cut-off. The run need
    not be saved (the command renders without archiving)."""
    if run.kind == ReportKind.CASE:
        context = data.case_summary_data(run.case, now=run.data_cutoff)
    else:
        context = data.quarterly_data(
            run.provider,
            parse_quarter(run.quarter),
            location=run.location,
            now=run.requested_at,
            requested_by=run.requested_by,
        )
    context["generated_by"] = run.requested_by
    on_stage("Laying out the report", 40)
    return rendering.render_html(rendering.TEMPLATES[run.kind], context)


def build_pdf(run) -> tuple[bytes, str]:
    """Render a run's PDF in memory and return (pdf bytes, html), for the command."""
    html = report_html(run)
    return rendering.render_pdf(html), html


def report_render(run_id) -> bool:
    """Render one run. Returns False when another worker has it or it is already done."""
    if not _claim(run_id):
        return False
    run = ReportRun.objects.select_related(
        "provider", "location", "case__location", "requested_by"
    ).get(pk=run_id)
    stored = ReportRun(pk=run.pk, uuid=run.uuid, requested_at=run.requested_at)
    pdf = HashingWriter()
    try:
        html = report_html(run, on_stage=lambda stage, progress: _stage(run.pk, stage, progress))
        _stage(run.pk, "Rendering the PDF", 60)
        # Written in chunks to a spooled file while its SHA-256 is computed, then streamed
        # to the storage (disk or bucket) and its size checked there.
        rendering.render_pdf(html, target=pdf)
        _stage(run.pk, "Saving the file", 90)
        save_verified(stored.file, "report.pdf", pdf.file(), size=pdf.size)
    except Exception as exc:
        pdf.close()
        log.exception("Report run %s failed", run_id)
        ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            stage="Failed",
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return False
    finished = ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE,
        stage="Ready",
        progress=100,
        file=stored.file.name,
        sha256=pdf.sha256,
        size=pdf.size,
        finished_at=timezone.now(),
    )
    pdf.close()
    if not finished:
        stored.file.storage.delete(stored.file.name)
    return bool(finished)


def report_record_download(*, actor, run) -> ReportDownload:
    return ReportDownload.objects.create(run=run, user=actor)

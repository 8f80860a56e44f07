"""Report runs: request, render (claimed once), record downloads.

Rendering happens outside any transaction or row lock: the run is claimed with a
conditional UPDATE, the slow work (data, HTML, WeasyPrint, file write) runs unlocked, and the
result is written with another conditional UPDATE.
"""

import io
import logging
import tempfile
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assurance.common.queueing import send_now
from assurance.organisations.permissions import LOCATION_REPORT_ROLES, QUARTERLY_REPORT_ROLES
from evidence.models import DownloadVia

from . import data, packs, rendering
from .models import ExportRecord, ReportDownload, ReportKind, ReportRun, RunStatus
from .periods import Quarter, parse_quarter

log = logging.getLogger(__name__)

# A run still "running" after this long was abandoned by a killed worker: it may be re-claimed.
STALE_AFTER = timedelta(minutes=15)
# An evidence pack is built in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 4 * 1024 * 1024


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


def pack_request_case(*, actor, case, include_withdrawn_files: bool = False) -> ReportRun:
    """An evidence pack of the whole case. Anyone who can see the case may ask for one."""
    run = ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=case.location.provider,
        location=case.location,
        case=case,
        include_withdrawn_files=include_withdrawn_files,
        data_cutoff=timezone.now(),
        requested_by=actor,
    )
    _queue(run)
    return run


def pack_request_location(
    *, actor, location, start, end, include_withdrawn_files: bool = False
) -> ReportRun:
    """An evidence pack of a location's evidence dated from `start` to `end` (inclusive).
    Anyone with a role at the location may ask for one."""
    if start > end:
        raise ValidationError({"end": "The end date is before the start date."})
    run = ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=location.provider,
        location=location,
        period_start=start,
        period_end=end,
        include_withdrawn_files=include_withdrawn_files,
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


def build_pdf(run, *, on_stage=lambda stage, progress: None) -> tuple[bytes, str]:
    """Render a run's PDF and return (pdf bytes, html). The task and the command share it;
    the run need not be saved (the command renders without archiving)."""
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
    html = rendering.render_html(rendering.TEMPLATES[run.kind], context)
    on_stage("Rendering the PDF", 60)
    return rendering.render_pdf(html), html


def _build_file(run, on_stage):
    """(an open binary file holding the run's output, its SHA-256, its size)."""
    if run.kind == ReportKind.PACK:
        # A ZIP can be large: built in a temporary file that spills to disk, never whole in
        # memory, then hashed by reading it back in chunks.
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by caller
        try:
            packs.build_pack(run, out, on_stage=on_stage)
            digest, size = packs.file_sha256(out)
        except BaseException:
            out.close()
            raise
        return out, digest, size
    pdf, _ = build_pdf(run, on_stage=on_stage)
    return io.BytesIO(pdf), rendering.sha256(pdf), len(pdf)


def report_render(run_id) -> bool:
    """Render one run. Returns False when another worker has it or it is already done."""
    if not _claim(run_id):
        return False
    run = ReportRun.objects.select_related(
        "provider", "location", "case__location__provider", "requested_by"
    ).get(pk=run_id)
    try:
        out, digest, size = _build_file(
            run, on_stage=lambda stage, progress: _stage(run.pk, stage, progress)
        )
        with out:
            _stage(run.pk, "Saving the file", 95)
            stored = ReportRun(
                pk=run.pk, uuid=run.uuid, kind=run.kind, requested_at=run.requested_at
            )
            # The name comes from report_upload_to (the run's uuid and the file type).
            stored.file.save("report", File(out), save=False)
    except Exception as exc:
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
        sha256=digest,
        size=size,
        finished_at=timezone.now(),
    )
    if not finished:
        stored.file.storage.delete(stored.file.name)
    return bool(finished)


def report_record_download(*, actor, run, via: str = DownloadVia.WEB) -> ReportDownload:
    """Record that `actor` downloaded the run's file (the web page and the API both call this)."""
    return ReportDownload.objects.create(run=run, user=actor, via=via)


def export_record_start(
    *, actor, list_name: str, title: str, provider, location=None, filters: dict, fmt: str
) -> ExportRecord:
    """Record an export as it starts (who, which list, which filters, which format)."""
    return ExportRecord.objects.create(
        user=actor,
        list_name=list_name,
        title=title[:300],
        provider=provider,
        location=location,
        filters=filters,
        format=fmt,
    )


def export_record_finish(*, record: ExportRecord, row_count: int) -> None:
    """Once the last row has gone out: how many rows the file held."""
    ExportRecord.objects.filter(pk=record.pk, finished_at__isnull=True).update(
        row_count=row_count, finished_at=timezone.now()
    )

"""Report runs: request, render (claimed once), recover from lost workers, record downloads.

Rendering happens outside any transaction or row lock: the run is claimed with a
conditional UPDATE, the slow work (data, HTML, WeasyPrint, file write) runs unlocked, and the
result is written with another conditional UPDATE.

A worker can be lost mid-render (killed, out of memory, its server gone). The task is
acknowledged late, so the broker hands it out again; the run shows whether its worker is
still alive through its heartbeat (``heartbeat_at``, touched at each stage and every
REPORT_HEARTBEAT_SECONDS from a background thread while WeasyPrint works):

- a redelivered task claims a run that is queued, or running with a stale heartbeat, or
  marked stopped by the sweep; each claim counts an attempt, and every later write of the
  worker is conditional on its attempt, so a worker that lost its run writes nothing;
- a redelivered task that finds a live heartbeat asks to come back when it would be stale;
- the sweep (``report_mark_abandoned``, on beat) marks a running run silent for
  REPORT_STALE_AFTER_SECONDS failed with a message saying it can be retried;
- automatic recovery stops after REPORT_MAX_ATTEMPTS attempts (a report that kills its
  worker every time); a person can still Retry.
"""

import logging
import tempfile
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from assurance.cases.models import ImprovementCase
from assurance.common.queueing import send_now
from assurance.common.storage import HashingWriter, save_verified
from assurance.organisations.permissions import (
    LOCATION_REPORT_ROLES,
    QUARTERLY_REPORT_ROLES,
    is_read_only,
)
from evidence.models import DownloadVia

from . import data, evidence_index, packs, quarterly, rendering
from .models import (
    COMMENTARY_MAX,
    DownloadedFile,
    ExportRecord,
    ReportDownload,
    ReportKind,
    ReportLayout,
    ReportRun,
    RunStatus,
)
from .periods import Quarter, parse_quarter

log = logging.getLogger(__name__)

STOPPED = "The worker stopped while rendering; you can retry"
READ_ONLY_REFUSAL = (
    "Viewers can read and download reports but not request them. Ask a Registered Manager "
    "or a Senior Leader."
)


def _stale_before(now):
    return now - timedelta(seconds=settings.REPORT_STALE_AFTER_SECONDS)


def _abandoned(now) -> Q:
    """Running, and not heard from since the stale cut-off (or never, since its start)."""
    cutoff = _stale_before(now)
    return Q(status=RunStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


# An evidence pack is built in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 4 * 1024 * 1024


def report_request_quarterly(
    *,
    actor,
    actor_roles,
    provider,
    quarter: Quarter,
    location=None,
    layout: str = ReportLayout.SUMMARY,
    commentary: str = "",
):
    """Senior Leaders request provider reports; Registered Managers their own location's.
    The summary layout scales to any size; the full one (every case in full) is for one
    location. The commentary is the requester's own words for the summary page."""
    commentary = (commentary or "").strip()
    if layout == ReportLayout.FULL and location is None:
        raise ValidationError(
            {"layout": "Choose one location for a full report, or the summary layout."}
        )
    if layout not in ReportLayout.values:
        raise ValidationError({"layout": "Choose a layout from the list."})
    if len(commentary) > COMMENTARY_MAX:
        raise ValidationError(
            {"commentary": f"Shorten the commentary to {COMMENTARY_MAX:,} characters or fewer."}
        )
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
        layout=layout,
        commentary=commentary,
        data_cutoff=data.cutoff_for(quarter),
        requested_by=actor,
    )
    _queue(run)
    return run


def report_request_case(*, actor, case, actor_roles=None):
    """Anyone who can see the case and write there; a read-only viewer reads the summaries
    others requested."""
    if actor_roles is not None and is_read_only(actor_roles):
        raise PermissionDenied(READ_ONLY_REFUSAL)
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
    """Queue a failed run, or one whose worker stopped, again. False for any other run."""
    retryable = Q(status=RunStatus.FAILED) | _abandoned(timezone.now())
    updated = ReportRun.objects.filter(retryable, pk=run.pk).update(
        status=RunStatus.QUEUED,
        stage="Queued",
        progress=0,
        error="",
        heartbeat_at=None,
        finished_at=None,
    )
    if updated:
        _queue(run)
    return updated == 1


def report_mark_abandoned(*, now=None) -> int:
    """Mark every running run whose heartbeat stopped as failed and retryable."""
    now = now or timezone.now()
    marked = ReportRun.objects.filter(_abandoned(now)).update(
        status=RunStatus.FAILED, stage="Failed", error=STOPPED, finished_at=now
    )
    if marked:
        log.warning("%d report runs lost their worker and were marked failed", marked)
    return marked


def report_wait_seconds(run_id) -> float | None:
    """For a run a live worker is rendering: seconds until its heartbeat would be stale,
    when a redelivered task should look again. None when there is nothing to wait for."""
    run = ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).first()
    if run is None or run.last_sign_of_life is None or run.is_abandoned:
        return None
    silent = (timezone.now() - run.last_sign_of_life).total_seconds()
    return max(1.0, settings.REPORT_STALE_AFTER_SECONDS - silent + 1)


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


def _mine(run_id, attempt):
    """The run while this worker still owns it: running, and not claimed again since."""
    return ReportRun.objects.filter(pk=run_id, status=RunStatus.RUNNING, attempts=attempt)


def _stage(run_id, attempt, stage, progress):
    _mine(run_id, attempt).update(stage=stage, progress=progress, heartbeat_at=timezone.now())


def _claim(run_id) -> int | None:
    """Take the run for this worker and return the attempt it now is, or None. Only one
    claimant wins; a finished run is never redone."""
    now = timezone.now()
    recoverable = (_abandoned(now) | Q(status=RunStatus.FAILED, error=STOPPED)) & Q(
        attempts__lt=settings.REPORT_MAX_ATTEMPTS
    )
    claimed = ReportRun.objects.filter(Q(status=RunStatus.QUEUED) | recoverable, pk=run_id).update(
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        error="",
        attempts=F("attempts") + 1,
        stage="Gathering data",
        progress=10,
    )
    if not claimed:
        return None
    # A second claim needs a stale heartbeat, which was just refreshed: this read is ours.
    return ReportRun.objects.values_list("attempts", flat=True).get(pk=run_id)


class _Heartbeat:
    """Touches the run's heartbeat every REPORT_HEARTBEAT_SECONDS from a background thread
    while the worker is busy in one long call (WeasyPrint), on the thread's own database
    connection. Never raises: a missed beat only makes the run look stale sooner."""

    def __init__(self, run_id, attempt):
        self.run_id, self.attempt = run_id, attempt
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def _beat(self):
        try:
            while not self._stop.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    _mine(self.run_id, self.attempt).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - keep beating; the render goes on
                    log.warning("Heartbeat of report run %s failed", self.run_id, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def report_html(run, *, on_stage=lambda stage, progress: None) -> str:
    """A run's report as HTML, from the data as it stood at the run's cut-off. The run need
    not be saved (the command renders without archiving)."""
    context, template = report_context(run)
    # Kept with the run when it is saved, so a later run can be compared with it.
    run.figures_sha256 = context["fingerprint"]["sha256"]
    run.case_fingerprints = context["fingerprint"]["cases"]
    on_stage("Laying out the report", 40)
    return rendering.render_html(template, context)


def report_context(run, *, preview_user=None) -> tuple[dict, str]:
    """The context and template of a run's report (saved or not): a case summary, the
    quarterly summary (any size) or the full quarterly report of one location."""
    if run.kind == ReportKind.CASE:
        context = data.case_summary_data(run.case, now=run.data_cutoff)
        context["generated_by"] = preview_user or run.requested_by
        return context, rendering.TEMPLATES["case"]
    quarter = parse_quarter(run.quarter)
    requested_by = preview_user or run.requested_by
    if run.layout == ReportLayout.FULL:
        context = data.quarterly_data(
            run.provider,
            quarter,
            location=run.location,
            now=run.requested_at,
            requested_by=requested_by,
        )
        context["comparison"] = quarterly.comparison(
            quarterly.headline_counts(
                run.provider, quarter, location=run.location, now=run.requested_at
            ),
            quarterly.headline_counts(
                run.provider, quarter.previous(), location=run.location, now=run.requested_at
            ),
            quarter.previous(),
        )
        template = rendering.TEMPLATES["quarterly"]
    else:
        context = quarterly.quarterly_summary_data(
            run.provider,
            quarter,
            location=run.location,
            now=run.requested_at,
            requested_by=requested_by,
        )
        template = rendering.TEMPLATES["quarterly_summary"]
    context["commentary"] = run.commentary
    context["generated_by"] = requested_by
    return context, template


def build_pdf(run) -> tuple[bytes, str]:
    """Render a run's PDF in memory and return (pdf bytes, html), for the command."""
    html = report_html(run)
    return rendering.render_pdf(html), html


def _pdf_into(run, stored, pdf, on_stage, attempt):
    """Render the run's PDF into `pdf` (a HashingWriter) and save it: (SHA-256, size)."""
    html = report_html(run, on_stage=on_stage)
    on_stage("Rendering the PDF", 60)
    if settings.REPORT_TEST_DELAY_SECONDS:
        # Tests only: a long render, so a worker can be killed in the middle of it.
        time.sleep(settings.REPORT_TEST_DELAY_SECONDS)
    # Written in chunks to a spooled file while its SHA-256 is computed, then streamed to
    # the storage (disk or bucket) and its size checked there.
    rendering.render_pdf(html, target=pdf)
    on_stage("Saving the file", 85)
    save_verified(stored.file, "report.pdf", pdf.file(), size=pdf.size)
    return pdf.sha256, pdf.size


def write_run_index(run, out) -> int:
    """Write a quarterly run's evidence index (XLSX) to `out`; returns the number of items."""
    locations = run.provider.locations.filter(is_active=True).order_by("name")
    if run.location_id:
        locations = locations.filter(pk=run.location_id)
    return evidence_index.write_index(
        out,
        title=f"Evidence index, {run.quarter}",
        locations=list(locations),
        cutoff=run.data_cutoff,
    )


def _index_into(run, stored, on_stage):
    """Write a quarterly run's evidence index (XLSX) and save it: (SHA-256, size). Written to
    a temporary file that spills to disk, never whole in memory."""
    on_stage("Writing the evidence index", 90)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        write_run_index(run, out)
        digest, size = packs.file_sha256(out)
        out.seek(0)
        save_verified(stored.index_file, "evidence-index.xlsx", File(out), size=size)
    return digest, size


def _pack_into(run, stored, on_stage):
    """Build the run's evidence pack and save it: (SHA-256, size). A ZIP can be large: it
    is built in a temporary file that spills to disk, never whole in memory."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        packs.build_pack(run, out, on_stage=on_stage)
        digest, size = packs.file_sha256(out)
        on_stage("Saving the file", 95)
        out.seek(0)
        save_verified(stored.file, "pack.zip", File(out), size=size)
    return digest, size


def report_render(run_id) -> bool:
    """Render one run. Returns False when another worker has it, it is already done, it
    failed, or this worker lost it to another while rendering."""
    attempt = _claim(run_id)
    if attempt is None:
        return False
    log.info("Rendering report run %s (attempt %s)", run_id, attempt)
    run = ReportRun.objects.select_related(
        "provider", "location", "case__location__provider", "requested_by"
    ).get(pk=run_id)
    stored = ReportRun(pk=run.pk, uuid=run.uuid, kind=run.kind, requested_at=run.requested_at)
    pdf = HashingWriter()
    index = {}
    try:
        with _Heartbeat(run_id, attempt):
            on_stage = lambda stage, progress: _stage(run_id, attempt, stage, progress)  # noqa: E731
            if run.kind == ReportKind.PACK:
                digest, size = _pack_into(run, stored, on_stage)
            else:
                digest, size = _pdf_into(run, stored, pdf, on_stage, attempt)
            if run.kind == ReportKind.QUARTERLY:
                index_sha256, index_size = _index_into(run, stored, on_stage)
                index = {
                    "index_file": stored.index_file.name,
                    "index_sha256": index_sha256,
                    "index_size": index_size,
                }
    except Exception as exc:
        pdf.close()
        _discard(stored)
        log.exception("Report run %s failed", run_id)
        _mine(run_id, attempt).update(
            status=RunStatus.FAILED,
            stage="Failed",
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return False
    finished = _mine(run_id, attempt).update(
        status=RunStatus.DONE,
        stage="Ready",
        progress=100,
        file=stored.file.name,
        sha256=digest,
        size=size,
        figures_sha256=run.figures_sha256,
        case_fingerprints=run.case_fingerprints,
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
        **index,
    )
    pdf.close()
    if not finished:
        log.warning("Report run %s was taken over by another worker; files discarded", run_id)
        _discard(stored)
    return bool(finished)


def _discard(stored):
    """Delete what a render that did not finish (or lost its run) saved."""
    for fieldfile in (stored.file, stored.index_file):
        if fieldfile.name:
            fieldfile.storage.delete(fieldfile.name)


def run_comparison(run) -> dict | None:
    """How a finished quarterly report compares with the previous finished run of the same
    quarter and scope: the same figures, or which cases differ. None when there is none."""
    if run.kind != ReportKind.QUARTERLY or not run.figures_sha256:
        return None
    earlier = (
        ReportRun.objects.filter(
            kind=run.kind,
            provider_id=run.provider_id,
            location_id=run.location_id,
            quarter=run.quarter,
            status=RunStatus.DONE,
            requested_at__lt=run.requested_at,
        )
        .exclude(figures_sha256="")
        .order_by("-requested_at")
        .only("uuid", "requested_at", "figures_sha256", "case_fingerprints", "data_cutoff")
        .first()
    )
    if earlier is None:
        return None
    if earlier.figures_sha256 == run.figures_sha256:
        return {"earlier": earlier, "same": True, "differ": []}
    old, new = earlier.case_fingerprints or {}, run.case_fingerprints or {}
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    titles = dict(
        ImprovementCase.objects.filter(uuid__in=changed[:50]).values_list("uuid", "title")
    )
    return {
        "earlier": earlier,
        "same": False,
        "differ": [titles.get(uuid.UUID(k), k) for k in changed[:50]],
        "more": max(0, len(changed) - 50),
        "cutoff_moved": earlier.data_cutoff != run.data_cutoff,
    }


def report_record_download(
    *, actor, run, via: str = DownloadVia.WEB, file: str = DownloadedFile.REPORT
) -> ReportDownload:
    """Record that `actor` downloaded the run's file, or its evidence index (the web page and
    the API both call this)."""
    return ReportDownload.objects.create(run=run, user=actor, via=via, file=file)


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

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.text import slugify

from assurance.common.words import quarter_words
from evidence.models import DownloadVia

from .periods import parse_quarter


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly provider assurance report"
    CASE = "case", "Case assurance summary"
    PACK = "pack", "Evidence pack"


class ReportLayout(models.TextChoices):
    """A quarterly report's layout. The summary scales to any number of cases: one page per
    location, in full only the cases that need a senior leader's attention, every other
    case a row in a table. The full layout (one location only) shows every case in full."""

    SUMMARY = "summary", "Summary: cases that need attention in full, the rest in a table"
    FULL = "full", "Full: every case in full (one location only)"


COMMENTARY_MAX = 2000


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


def report_upload_to(instance, filename):
    extension = "zip" if instance.kind == ReportKind.PACK else "pdf"
    return f"reports/{instance.requested_at:%Y/%m}/{instance.uuid.hex}.{extension}"


def index_upload_to(instance, filename):
    return f"reports/{instance.requested_at:%Y/%m}/{instance.uuid.hex}-evidence-index.xlsx"


def _slug(text):
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportRun(models.Model):
    """One request for a report and, once rendered, its archived file: a PDF, or for an
    evidence pack a ZIP. Immutable once done: regenerating creates a new run; old runs stay
    listed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    provider = models.ForeignKey(
        "assurance.Provider", on_delete=models.PROTECT, related_name="report_runs"
    )
    location = models.ForeignKey(
        "assurance.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
        help_text="A quarterly report limited to one location (a Registered Manager's).",
    )
    case = models.ForeignKey(
        "assurance.ImprovementCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
    )
    quarter = models.CharField(max_length=7, blank=True, help_text='e.g. "2026-Q3"')
    # Evidence packs: a case's whole trail, or a location's evidence dated within a period.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    include_withdrawn_files = models.BooleanField(
        default=False, help_text="Evidence packs: include the files of withdrawn evidence too."
    )
    layout = models.CharField(
        max_length=8, choices=ReportLayout.choices, default=ReportLayout.SUMMARY
    )
    commentary = models.TextField(
        "executive commentary",
        blank=True,
        max_length=COMMENTARY_MAX,
        help_text="Written by the Senior Leader when requesting; shown on the summary page.",
    )
    data_cutoff = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(max_length=80, default="Queued")
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched by the rendering worker at each stage and every REPORT_HEARTBEAT_SECONDS; a
    # running run whose heartbeat stopped for REPORT_STALE_AFTER_SECONDS lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=report_upload_to, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # SHA-256 of the figures and flags the report shows, whole and per case (reports/data.py)
    figures_sha256 = models.CharField(max_length=64, blank=True)
    case_fingerprints = models.JSONField(default=dict, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    # Quarterly reports: the evidence index, a workbook archived with the PDF.
    index_file = models.FileField(upload_to=index_upload_to, max_length=200, blank=True)
    index_sha256 = models.CharField(max_length=64, blank=True)
    index_size = models.PositiveBigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReportKind.values), name="report_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="report_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.CASE) | Q(case__isnull=False),
                name="case_report_has_case",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.QUARTERLY) | ~Q(quarter=""),
                name="quarterly_report_has_quarter",
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.DONE) | ~Q(sha256=""),
                name="done_report_has_hash",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ReportKind.PACK)
                | Q(case__isnull=False)
                | Q(
                    location__isnull=False,
                    period_start__isnull=False,
                    period_end__isnull=False,
                    period_start__lte=models.F("period_end"),
                ),
                name="pack_has_case_or_location_and_period",
            ),
            models.CheckConstraint(
                condition=Q(layout__in=ReportLayout.values), name="report_layout_valid"
            ),
            models.CheckConstraint(
                condition=~Q(layout=ReportLayout.FULL) | Q(location__isnull=False),
                name="full_report_is_for_one_location",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("commentary"), COMMENTARY_MAX),
                name="report_commentary_bounded",
            ),
        ]

    def __str__(self):
        if self.kind == ReportKind.CASE:
            return f"Case assurance summary: {self.case}"
        if self.kind == ReportKind.PACK:
            return f"Evidence pack: {self.scope_label}"
        scope = self.location or self.provider
        return f"Quarterly assurance report, {self.quarter_words}: {scope}"

    @property
    def quarter_words(self) -> str:
        """ "2026-Q3" as "July to September 2026"."""
        try:
            quarter = parse_quarter(self.quarter)
        except ValueError:
            return self.quarter
        return quarter_words(quarter.year, quarter.number)

    @property
    def last_sign_of_life(self):
        return self.heartbeat_at or self.started_at

    @property
    def is_abandoned(self) -> bool:
        """Running, but its worker has not been heard from for REPORT_STALE_AFTER_SECONDS."""
        if self.status != RunStatus.RUNNING or self.last_sign_of_life is None:
            return False
        silent = timezone.now() - self.last_sign_of_life
        return silent.total_seconds() > settings.REPORT_STALE_AFTER_SECONDS

    @property
    def can_retry(self) -> bool:
        return self.status == RunStatus.FAILED or self.is_abandoned

    @property
    def scope_label(self):
        """What a pack covers, in words: the case, or the location and its dates."""
        if self.case_id:
            return str(self.case)
        if self.period_start:
            return (
                f"{self.location}, {self.period_start.day} {self.period_start:%B %Y} to "
                f"{self.period_end.day} {self.period_end:%B %Y}"
            )
        return str(self.location or self.provider)

    def _quarterly_stem(self, what):
        scope = slugify(self.provider.name)
        if self.location_id:
            scope += "-" + slugify(self.location.name)
        return f"{scope}-{what}-{self.quarter}"

    @property
    def filename(self):
        """Named after what it shows: "<provider>-quarterly-report-2026-Q3.pdf" (with the
        location for a location's report), the case title for a case summary."""
        if self.kind == ReportKind.CASE:
            return f"{slugify(self.case.title)[:60].strip('-')}-assurance-summary.pdf"
        if self.kind == ReportKind.PACK:
            if self.case_id:
                return f"evidence-pack-{_slug(self.case.title)[:40]}-{self.requested_at:%Y%m%d}.zip"
            return (
                f"evidence-pack-{_slug(self.location.name)}-{self.period_start:%Y%m%d}-"
                f"{self.period_end:%Y%m%d}.zip"
            )
        return self._quarterly_stem("quarterly-report") + ".pdf"

    @property
    def index_filename(self):
        return self._quarterly_stem("evidence-index") + ".xlsx"

    @property
    def content_type(self):
        return "application/zip" if self.kind == ReportKind.PACK else "application/pdf"


class DownloadedFile(models.TextChoices):
    REPORT = "report", "The report"
    INDEX = "index", "The evidence index"


class ReportDownload(models.Model):
    run = models.ForeignKey(ReportRun, on_delete=models.PROTECT, related_name="downloads")
    file = models.CharField(
        max_length=8, choices=DownloadedFile.choices, default=DownloadedFile.REPORT
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=8, choices=DownloadVia.choices, default=DownloadVia.WEB)

    class Meta:
        ordering = ["-downloaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(via__in=DownloadVia.values), name="report_download_via_valid"
            ),
            models.CheckConstraint(
                condition=Q(file__in=DownloadedFile.values), name="report_download_file_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} downloaded {self.run} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportRecord(models.Model):
    """Who exported which list, with which filters, in which format, when. Written when the
    export starts; `row_count` and `finished_at` once the last row has gone out (left empty
    when the download was interrupted)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    list_name = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    provider = models.ForeignKey(
        "assurance.Provider", on_delete=models.PROTECT, related_name="exports"
    )
    location = models.ForeignKey(
        "assurance.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=ExportFormat.values), name="export_format_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} exported {self.title} ({self.get_format_display()})"

"""CSV and XLSX exports of the list pages: exactly the rows the page's filters show.

Each list is an `ExportList`: its columns (a header and how to read the cell from a row) and
how to get its rows, which calls the page's own scope and filtering functions with the object
the page's own fetcher returned, so an export can never show more than the page. CSV is
streamed row by row with the standard csv module; XLSX is written with xlsxwriter in
constant-memory mode to a temporary file, then sent. Dates read the UK way ("30 September
2026") and choices carry their labels. Every text cell goes through `escape_cell`.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from assurance.casework import lists as case_lists
from assurance.common.lists import Filtered
from assurance.escalations import lists as escalation_lists
from assurance.organisations import lists as member_lists
from assurance.rating import picture as rating_picture
from assurance.reviews import lists as review_lists
from evidence import lists as evidence_lists

from .access import location_pack_runs, provider_quarterly_runs
from .dates import uk_date, uk_datetime

# A spreadsheet reads a cell starting with one of these as a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 500  # rows fetched per query while streaming
CSV_FLUSH_BYTES = 64 * 1024
XLSX_DATE = "d mmmm yyyy"
XLSX_DATETIME = "d mmmm yyyy hh:mm"


def escape_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe, which shows the
    text as typed. Everything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(value) -> str:
    """A cell as CSV text: UK dates, Yes/No, empty for nothing, formulas escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return uk_datetime(value)
    if isinstance(value, date):
        return uk_date(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    return escape_cell(str(value))


# --- columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable  # row -> str, number, bool, date, datetime or None
    width: int = 18


@dataclass(frozen=True)
class ExportList:
    name: str
    title: str
    columns: tuple[Column, ...]
    # (user, the location or provider the page's fetcher returned, query parameters) -> rows
    rows: Callable[..., Filtered]


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def link(name, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _judgement(case):
    judgements = getattr(case, "current_judgements", None) or []
    return judgements[0] if judgements else None


CASE_COLUMNS = (
    Column("Case", lambda c: c.title, 40),
    Column("Location", lambda c: c.location.name, 24),
    Column("Domain", lambda c: c.domain.name, 24),
    Column("Status", lambda c: c.get_status_display()),
    Column("Current step", lambda c: c.current_step if c.status == "open" else None, 12),
    Column("Improvement began", lambda c: c.improvement_began),
    Column("Opened", lambda c: c.opened_at),
    Column(
        "Judgement",
        lambda c: _judgement(c).get_level_display() if _judgement(c) else "Not yet recorded",
    ),
    Column(
        "Evidence supported (at the judgement)",
        lambda c: _judgement(c).get_supportable_level_display() if _judgement(c) else None,
    ),
    Column(
        "Judgement exceeds evidence",
        lambda c: _judgement(c).exceeds_evidence if _judgement(c) else None,
        12,
    ),
    Column("Case ID", lambda c: str(c.uuid), 38),
    Column("Link", lambda c: link("casework:case_detail", c.uuid), 60),
)

EVIDENCE_COLUMNS = (
    Column("Date it describes", lambda e: e.occurred_on),
    Column("Case", lambda e: e.case.title, 40),
    Column("Source", lambda e: e.get_source_display()),
    Column("Stance", lambda e: e.get_stance_display(), 22),
    Column("Team", lambda e: e.team.name if e.team_id else None),
    Column("CQC evidence category", lambda e: e.category.name, 24),
    Column("Evidence", lambda e: e.summary, 60),
    Column("Status", lambda e: "Withdrawn" if e.is_withdrawn else "Current", 12),
    Column("Withdrawn", lambda e: e.withdrawn_at),
    Column("Why withdrawn", lambda e: e.withdrawn_reason or None, 40),
    Column("Added at step", lambda e: e.step_number, 10),
    Column("Added by", lambda e: person(e.created_by)),
    Column("Added", lambda e: e.created_at),
    Column("Files", lambda e: "; ".join(f.original_name for f in e.files.all()) or None, 30),
    Column("Files' SHA-256", lambda e: "; ".join(f.sha256 for f in e.files.all()) or None, 66),
    Column("Item ID", lambda e: str(e.uuid), 38),
)

ESCALATION_COLUMNS = (
    Column("Action", lambda e: e.action, 40),
    Column("Case", lambda e: e.case.title, 40),
    Column("Location", lambda e: e.case.location.name, 24),
    Column("Trigger", lambda e: e.get_trigger_display(), 30),
    Column("Owner", lambda e: person(e.owner) or "Not assigned"),
    Column("Due", lambda e: e.due_on),
    Column("Overdue", lambda e: bool(e.is_overdue), 10),
    Column("Status", lambda e: e.get_status_display()),
    Column("Raised", lambda e: e.raised_at),
    Column("Closed", lambda e: e.closed_at),
    Column("Detail", lambda e: e.detail or None, 40),
    Column("Outcome", lambda e: e.outcome or None, 40),
    Column("Link", lambda e: link("escalations:escalation_detail", e.uuid), 60),
)

REVIEW_COLUMNS = (
    Column("Review", lambda r: f"{r.get_kind_display()} {r.period_label}", 30),
    Column("Case", lambda r: r.case.title if r.case_id else None, 40),
    Column("Scope", lambda r: r.scope_name, 24),
    Column("Period start", lambda r: r.period_start),
    Column("Period end", lambda r: r.period_end),
    Column("Due", lambda r: r.due_on),
    Column("State", lambda r: r.state_label, 12),
    Column("Outcome", lambda r: r.get_outcome_display() or None, 30),
    Column("Notes", lambda r: r.notes or None, 40),
    Column("Why skipped", lambda r: r.skip_reason or None, 40),
    Column("Completed by", lambda r: person(r.completed_by)),
    Column("Completed", lambda r: r.completed_at),
    Column("Link", lambda r: link("reviews:review_detail", r.uuid), 60),
)


def _scores(row):
    if isinstance(row, OverallRow):
        return None
    return "; ".join(
        f"{qs.code} {qs.title}: {s.score if s else 'not scored'}" for qs, s in row.statements
    )


def _computed(row):
    if getattr(row, "self_judgement", None):  # an in-the-round framework: our own judgement
        return f"{row.self_judgement.rating} (our own judgement)"
    result = row.result
    if result is None or result.percentage is None:
        return "Not scored"
    if result.label:
        return result.label
    return "Boundary: " + " or ".join(result.candidates)


@dataclass
class OverallRow:
    """The rating picture's indicative overall, as the export's last row."""

    label: str
    reasons: list


def _rating_cell(row, kq_value, overall_value=None):
    if isinstance(row, OverallRow):
        return overall_value(row) if overall_value else None
    return kq_value(row)


RATING_COLUMNS = (
    Column(
        "Key question",
        lambda r: _rating_cell(r, lambda k: k.key_question.name, lambda o: "Indicative overall"),
        24,
    ),
    Column(
        "Published rating",
        lambda r: _rating_cell(r, lambda k: k.published.rating if k.published else None),
        22,
    ),
    Column(
        "Published on",
        lambda r: _rating_cell(r, lambda k: k.published.published_on if k.published else None),
    ),
    Column("Your statement scores", _scores, 40),
    Column(
        "Percentage",
        lambda r: _rating_cell(
            r,
            lambda k: (
                round(k.result.percentage, 1)
                if k.result and k.result.percentage is not None
                else None
            ),
        ),
        12,
    ),
    Column("Computed", lambda r: _rating_cell(r, _computed, lambda o: o.label), 26),
    Column(
        "Cases that may move it",
        lambda r: _rating_cell(
            r,
            lambda k: (
                "; ".join(
                    f"{move.case.title} ({move.judgement.get_level_display()}; evidence "
                    f"supports {move.supports}{', exceeds evidence' if move.exceeds else ''})"
                    for move, _ in k.cases
                )
                or None
            ),
            lambda o: "; ".join(o.reasons) or None,
        ),
        50,
    ),
    Column(
        "Moving it up one band changes the overall",
        lambda r: _rating_cell(
            r,
            lambda k: k.move_changes_overall if k.cases and k.result and k.result.label else None,
        ),
        14,
    ),
)

MEMBER_COLUMNS = (
    Column("Name", lambda m: person(m.user), 24),
    Column("Email", lambda m: m.user.email, 30),
    Column("Role", lambda m: m.get_role_display(), 24),
    Column("Where", lambda m: m.scope_label, 30),
    Column("Since", lambda m: m.created_at),
    Column("Until", lambda m: m.expires_on),
)

RUN_COLUMNS = (
    Column("Report", lambda r: str(r), 50),
    Column("Requested", lambda r: r.requested_at),
    Column("Requested by", lambda r: person(r.requested_by)),
    Column("Data cut-off", lambda r: r.data_cutoff),
    Column("Status", lambda r: r.get_status_display(), 10),
    Column("Finished", lambda r: r.finished_at),
    Column("Size (bytes)", lambda r: r.size, 12),
    Column("SHA-256", lambda r: r.sha256 or None, 66),
    Column("Downloads", lambda r: r.download_count, 10),
    Column("Link", lambda r: link("reports:report_run", r.uuid), 60),
)

PACK_COLUMNS = (
    RUN_COLUMNS[0],
    Column("Withdrawn evidence files included", lambda r: r.include_withdrawn_files, 14),
    *RUN_COLUMNS[1:],
)


# --- rows: the pages' own scopes and filters --------------------------------------------------


def _location_cases(user, location, params):
    listed = case_lists.filter_cases(case_lists.location_cases(location), params)
    listed.rows = case_lists.with_list_data(listed.rows)
    return listed


def _provider_cases(user, provider, params):
    cases, locations = case_lists.provider_cases(user, provider)
    listed = case_lists.filter_cases(cases, params, locations=locations)
    listed.rows = case_lists.with_list_data(listed.rows)
    return listed


def _location_evidence(user, location, params):
    listed = evidence_lists.filter_evidence(evidence_lists.location_evidence(location), params)
    listed.rows = evidence_lists.with_list_data(listed.rows)
    return listed


def _location_escalations(user, location, params):
    return escalation_lists.filter_escalations(
        escalation_lists.location_escalations(location), params
    )


def _provider_escalations(user, provider, params):
    return escalation_lists.filter_escalations(
        escalation_lists.provider_escalations(user, provider), params
    )


def _reviews(reviews, params):
    listed = review_lists.filter_reviews(reviews, params)
    listed.rows = review_lists.with_list_data(listed.rows)
    return listed


def _location_reviews(user, location, params):
    return _reviews(review_lists.location_reviews(location), params)


def _provider_reviews(user, provider, params):
    # The page shows both lists unfiltered: the quarterly reviews and the monthly ones due.
    return _reviews(review_lists.provider_reviews(user, provider), {})


def _rating(user, location, params):
    picture = rating_picture.build(location)
    rows = list(picture.rows)
    if picture.overall is not None:
        rows.append(
            OverallRow(picture.overall.label or "Judgement required", picture.overall.reasons)
        )
    return Filtered(rows, {})


def _location_members(user, location, params):
    return Filtered(member_lists.location_members(location), {})


def _provider_members(user, provider, params):
    return Filtered(member_lists.provider_members(provider), {})


def _runs(runs):
    return (
        runs.select_related("provider", "location", "case", "requested_by")
        .annotate(download_count=Count("downloads"))
        .order_by("-requested_at", "-id")
    )


def _provider_reports(user, provider, params):
    return Filtered(_runs(provider_quarterly_runs(user, provider)), {})


def _location_packs(user, location, params):
    return Filtered(_runs(location_pack_runs(location)), {})


LOCATION_EXPORTS = {
    spec.name: spec
    for spec in (
        ExportList("cases", "Improvement cases", CASE_COLUMNS, _location_cases),
        ExportList("evidence", "Evidence register", EVIDENCE_COLUMNS, _location_evidence),
        ExportList("escalations", "Escalations", ESCALATION_COLUMNS, _location_escalations),
        ExportList("reviews", "Monthly reviews", REVIEW_COLUMNS, _location_reviews),
        ExportList("rating", "Rating picture", RATING_COLUMNS, _rating),
        ExportList("members", "People and roles", MEMBER_COLUMNS, _location_members),
        ExportList("packs", "Evidence packs", PACK_COLUMNS, _location_packs),
    )
}
PROVIDER_EXPORTS = {
    spec.name: spec
    for spec in (
        ExportList("cases", "Improvement cases", CASE_COLUMNS, _provider_cases),
        ExportList("escalations", "Escalations", ESCALATION_COLUMNS, _provider_escalations),
        ExportList("reviews", "Reviews", REVIEW_COLUMNS, _provider_reviews),
        ExportList("members", "Provider-wide roles", MEMBER_COLUMNS, _provider_members),
        ExportList("reports", "Quarterly reports", RUN_COLUMNS, _provider_reports),
    )
}


# --- writing ---------------------------------------------------------------------------------


def iterate(rows) -> Iterable:
    """Rows a chunk at a time (prefetches included), never the whole list in memory."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return iter(rows)


class _Echo:
    """csv.writer writes into this and gets the line back, so nothing is buffered twice."""

    def write(self, value):
        return value


def csv_chunks(spec: ExportList, rows, *, on_done=lambda count: None):
    """The CSV (UTF-8 with a byte-order mark, so Excel reads it) in chunks of about 64 KB;
    `on_done(row count)` once the last row is out."""
    writer = csv.writer(_Echo())
    buffer = ["\ufeff", writer.writerow([column.header for column in spec.columns])]
    size = 0
    count = 0
    for row in iterate(rows):
        line = writer.writerow([csv_text(column.value(row)) for column in spec.columns])
        buffer.append(line)
        size += len(line)
        count += 1
        if size >= CSV_FLUSH_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    yield "".join(buffer)
    on_done(count)


def _sheet_name(title: str) -> str:
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Export"


def write_xlsx(spec: ExportList, rows, out) -> int:
    """Write the XLSX into the binary file `out`; returns the number of rows."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet(_sheet_name(spec.title))
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": XLSX_DATE})
    moment = workbook.add_format({"num_format": XLSX_DATETIME})
    for index, column in enumerate(spec.columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(spec.columns):
        sheet.write_string(0, index, column.header, header)
    count = 0
    for count, row in enumerate(iterate(rows), start=1):
        for index, column in enumerate(spec.columns):
            _write_cell(sheet, count, index, column.value(row), day, moment)
    workbook.close()
    return count


def _write_cell(sheet, row, col, value, day, moment):
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "Yes" if value else "No")
    elif isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, col, local.replace(tzinfo=None), moment)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    else:
        # write_string never reads a formula; the escape keeps the cell inert if it is later
        # copied out or saved as CSV.
        sheet.write_string(row, col, escape_cell(str(value)))


def xlsx_file(spec: ExportList, rows):
    """(an open temporary file holding the XLSX, row count). The file disappears when closed."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to FileResponse
    try:
        count = write_xlsx(spec, rows, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, count

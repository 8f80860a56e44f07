"""The evidence index of a quarterly report: an XLSX workbook archived with the PDF.

A sheet per location and a row per evidence item on the record at the cut-off: its case,
date, source, team, stance, status then (current, withdrawn or expired) and the SHA-256 of
each of its files. Written by xlsxwriter in constant-memory mode from one iterator over the
evidence (only the columns it shows, a chunk at a time, each chunk's files fetched with it),
so 100,000 items take no more memory than a few hundred.
"""

from collections import defaultdict
from datetime import datetime
from itertools import islice

import xlsxwriter
from django.utils import timezone

from evidence.models import EvidenceFile, EvidenceItem, Source, Stance

from .dates import uk_datetime
from .exports import XLSX_DATE, escape_cell

CHUNK_SIZE = 2000
HEADERS = (
    ("Case", 40),
    ("Evidence date", 16),
    ("Source", 16),
    ("Team", 20),
    ("Stance", 13),
    ("Status at the cut-off", 14),
    ("Summary", 60),
    ("Files", 30),
    ("SHA-256 of each file", 70),
)
SOURCE_LABELS = dict(Source.choices)
STANCE_LABELS = dict(Stance.choices)
BAD_SHEET_CHARS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def status_then(withdrawn_at, valid_until, cutoff) -> str:
    """Current, withdrawn or expired, as the item stood at the cut-off."""
    if withdrawn_at is not None and withdrawn_at <= cutoff:
        return "Withdrawn"
    if valid_until is not None and valid_until < timezone.localdate(cutoff):
        return "Expired"
    return "Current"


COLUMNS = (
    "id",
    "case__location_id",
    "case__title",
    "occurred_on",
    "source",
    "team__name",
    "stance",
    "withdrawn_at",
    "valid_until",
    "summary",
)


def evidence_rows(locations, cutoff):
    """(location id, item values, [(file name, SHA-256)]) for the evidence on record at the
    cut-off, location by location, case by case, oldest first. Plain tuples from one
    server-side cursor, CHUNK_SIZE at a time, with one query for each chunk's files."""
    day = timezone.localdate(cutoff)
    items = (
        EvidenceItem.objects.filter(
            case__location__in=locations, created_at__lte=cutoff, occurred_on__lte=day
        )
        .order_by(
            "case__location__name",
            "case__location_id",
            "case__opened_at",
            "case_id",
            "occurred_on",
            "id",
        )
        .values_list(*COLUMNS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    while chunk := list(islice(items, CHUNK_SIZE)):
        files = defaultdict(list)
        for item_id, name, sha256 in (
            EvidenceFile.objects.filter(
                item_id__in=[row[0] for row in chunk], uploaded_at__lte=cutoff
            )
            .order_by("id")
            .values_list("item_id", "original_name", "sha256")
        ):
            files[item_id].append((name, sha256))
        for row in chunk:
            yield row, files.get(row[0], [])


def _sheet_name(name: str, used: set) -> str:
    base = (name.translate(BAD_SHEET_CHARS).strip().strip("'") or "Location")[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def write_index(out, *, title: str, locations, cutoff: datetime) -> int:
    """Write the workbook to `out` (a path or a binary file); returns the number of items."""
    workbook = xlsxwriter.Workbook(
        out,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": XLSX_DATE, "valign": "top"})
    sheets, used = {}, set()
    for location in locations:
        sheet = workbook.add_worksheet(_sheet_name(location.name, used))
        sheet.write_string(0, 0, escape_cell(f"{title} · {location.name}"), bold)
        sheet.write_string(
            1,
            0,
            f"Evidence on record at the cut-off, {uk_datetime(cutoff)}; status as it was then.",
        )
        for col, (header, width) in enumerate(HEADERS):
            sheet.set_column(col, col, width)
            sheet.write_string(3, col, header, bold)
        sheet.freeze_panes(4, 0)
        sheets[location.pk] = [sheet, 4]
    count = 0
    for values, files in evidence_rows(locations, cutoff):
        _, location_id, case, occurred_on, source, team, stance, withdrawn_at, valid_until, text = (
            values
        )
        entry = sheets[location_id]
        sheet, row = entry
        sheet.write_string(row, 0, escape_cell(case), wrap)
        sheet.write_datetime(row, 1, occurred_on, day)
        sheet.write_string(row, 2, SOURCE_LABELS.get(source, source), wrap)
        sheet.write_string(row, 3, escape_cell(team or ""), wrap)
        sheet.write_string(row, 4, STANCE_LABELS.get(stance, stance), wrap)
        sheet.write_string(row, 5, status_then(withdrawn_at, valid_until, cutoff), wrap)
        sheet.write_string(row, 6, escape_cell(text), wrap)
        sheet.write_string(row, 7, escape_cell("\n".join(name for name, _ in files)), wrap)
        sheet.write_string(row, 8, "\n".join(sha256 for _, sha256 in files), wrap)
        entry[1] = row + 1
        count += 1
    workbook.close()
    return count

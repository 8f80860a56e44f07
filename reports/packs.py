"""Evidence packs: one ZIP an inspector or commissioner can open and check.

For a case, or for a location's evidence dated within a period, as it stood at the run's
data cut-off:

- `assurance-summary.pdf` (a case pack) or `summaries/<case>.pdf` (a location pack): the
  case assurance summary, rendered as the report of that name is;
- `evidence/<case>/<date>_<source>_<item>_<original name>`: every current evidence file;
- `withdrawn/...`: the files of withdrawn evidence, only when the request asked for them
  (withdrawn items are always listed in the index, in their own section);
- `index.csv` and `index.html`: one row per file (or per item without a file) with the item,
  source, date, team, stance, status, the file's name in the ZIP and its SHA-256;
- `MANIFEST.sha256`: the SHA-256 of every other file in the ZIP, one line each, in the
  format `sha256sum -c` checks.

The ZIP is written to a temporary file (spilling to disk past a few MB) and each stored
file is copied into it in chunks from the storage API, hashed on the way, so memory stays
flat whatever the number and size of the files.
"""

import csv
import hashlib
import io
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from assurance.cases.models import ImprovementCase
from evidence.models import EvidenceFile, EvidenceItem

from . import data, rendering
from .exports import csv_text

COPY_CHUNK = 1024 * 1024
ITEM_CHUNK = 200
# Already compressed: stored as they are rather than deflated again for nothing.
STORED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
}
INDEX_HEADERS = [
    "Section",
    "Case",
    "Evidence",
    "Source",
    "Date it describes",
    "Team",
    "Stance",
    "Status",
    "Withdrawn",
    "Why withdrawn",
    "Original file name",
    "File in this ZIP",
    "SHA-256",
    "Size (bytes)",
    "Note",
]
CURRENT, WITHDRAWN = "Current evidence", "Withdrawn evidence"


@dataclass
class IndexRow:
    section: str
    item: EvidenceItem
    withdrawn: bool
    original_name: str = ""
    path: str = ""  # in the ZIP; empty when the file is not included
    sha256: str = ""
    size: int | None = None
    note: str = ""

    def cells(self):
        item = self.item
        return [
            self.section,
            item.case.title,
            item.summary,
            item.get_source_display(),
            item.occurred_on,
            item.team.name if item.team_id else None,
            item.get_stance_display(),
            "Withdrawn" if self.withdrawn else "Current",
            item.withdrawn_at if self.withdrawn else None,
            item.withdrawn_reason if self.withdrawn else None,
            self.original_name or None,
            self.path or None,
            self.sha256 or None,
            self.size,
            self.note or None,
        ]


@dataclass
class PackResult:
    files: int  # evidence files copied in
    items: int  # evidence items listed
    withdrawn: int  # withdrawn items listed


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to `target`."""

    def __init__(self, target):
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self):
        return True

    def write(self, chunk):
        self.digest.update(chunk)
        self.target.write(chunk)
        self.size += len(chunk)
        return len(chunk)


def safe_name(name: str, *, limit: int = 100) -> str:
    """A file or folder name that is safe in any unzip tool: no separators, control
    characters, leading dots or reserved characters, at most `limit` characters (keeping the
    extension)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', " ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return "file"
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 8:
        return stem[: limit - len(ext) - 1].rstrip(" .") + "." + ext
    return name[:limit].rstrip(" .")


def _case_folder(case) -> str:
    return f"{slugify(case.title)[:50].strip('-') or 'case'}-{case.uuid.hex[:8]}"


def pack_items(run):
    """The evidence a pack lists, as recorded at the run's data cut-off."""
    items = EvidenceItem.objects.filter(created_at__lte=run.data_cutoff)
    if run.case_id:
        items = items.filter(case_id=run.case_id)
    else:
        items = items.filter(
            case__location_id=run.location_id,
            occurred_on__gte=run.period_start,
            occurred_on__lte=run.period_end,
        )
    return (
        items.select_related("case", "team", "category")
        .prefetch_related(
            Prefetch(
                "files",
                queryset=EvidenceFile.objects.filter(uploaded_at__lte=run.data_cutoff),
            )
        )
        .order_by("case__title", "case_id", "occurred_on", "id")
    )


def _withdrawn(item, run) -> bool:
    return item.withdrawn_at is not None and item.withdrawn_at <= run.data_cutoff


def summary_pdf(case, *, now, generated_by) -> bytes:
    """The case assurance summary, as the "Assurance summary" report renders it."""
    context = data.case_summary_data(case, now=now)
    context["generated_by"] = generated_by
    return rendering.render_pdf(rendering.render_html(rendering.TEMPLATES["case"], context))


def _write_bytes(archive, path, content: bytes, manifest, *, compress=zipfile.ZIP_DEFLATED):
    archive.writestr(zipfile.ZipInfo(path, _zip_time()), content, compress_type=compress)
    manifest.append((hashlib.sha256(content).hexdigest(), path))


def _zip_time():
    return timezone.localtime().timetuple()[:6]


def _copy_file(archive, stored: EvidenceFile, path: str, row: IndexRow, manifest) -> bool:
    """Copy one stored file into the ZIP in chunks, hashing it on the way. False (with a
    note on the row) when storage cannot give the file."""
    try:
        source = stored.file.storage.open(stored.file.name, "rb")
    except (OSError, ValueError) as exc:
        row.note = f"The file could not be read from storage ({type(exc).__name__})."
        return False
    info = zipfile.ZipInfo(path, _zip_time())
    info.compress_type = (
        zipfile.ZIP_STORED if stored.content_type in STORED_TYPES else zipfile.ZIP_DEFLATED
    )
    info.file_size = stored.size  # lets zipfile choose ZIP64 up front for very large files
    with source, archive.open(info, "w", force_zip64=stored.size > 2**31) as target:
        hashing = _Hashing(target)
        shutil.copyfileobj(source, hashing, COPY_CHUNK)
    row.path, row.sha256, row.size = path, hashing.digest.hexdigest(), hashing.size
    if row.sha256 != stored.sha256:
        row.note = (
            f"SHA-256 differs from the one recorded at upload ({stored.sha256}): the stored "
            "file has changed since."
        )
    manifest.append((row.sha256, path))
    return True


def _unique(path: str, taken: set) -> str:
    candidate, n = path, 1
    while candidate in taken:
        n += 1
        stem = PurePosixPath(path)
        candidate = str(stem.with_name(f"{stem.stem} ({n}){stem.suffix}"))
    taken.add(candidate)
    return candidate


def _index_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(INDEX_HEADERS)
    for row in rows:
        writer.writerow([csv_text(cell) for cell in row.cells()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def build_pack(run, out, *, on_stage: Callable = lambda stage, progress: None) -> PackResult:
    """Write the pack for `run` as a ZIP into the binary file `out`."""
    items = pack_items(run)
    total_files = EvidenceFile.objects.filter(
        item__in=items.values("id"), uploaded_at__lte=run.data_cutoff
    ).count()
    if run.case_id:
        cases = [run.case]
    else:
        cases = list(
            ImprovementCase.objects.filter(
                Q(id__in=items.values("case_id")), location_id=run.location_id
            ).order_by("title", "id")
        )
    manifest: list[tuple[str, str]] = []
    taken: set[str] = set()
    current_rows: list[IndexRow] = []
    withdrawn_rows: list[IndexRow] = []
    copied = 0
    item_count = 0
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for number, case in enumerate(cases, start=1):
            on_stage(f"Rendering the assurance summary ({number} of {len(cases)})", 15)
            pdf = summary_pdf(case, now=run.data_cutoff, generated_by=run.requested_by)
            name = (
                "assurance-summary.pdf"
                if run.case_id
                else f"summaries/{safe_name(_case_folder(case))}.pdf"
            )
            _write_bytes(archive, name, pdf, manifest, compress=zipfile.ZIP_STORED)
        on_stage("Copying the evidence files", 30)
        for item in items.iterator(chunk_size=ITEM_CHUNK):
            item_count += 1
            withdrawn = _withdrawn(item, run)
            section = WITHDRAWN if withdrawn else CURRENT
            rows = withdrawn_rows if withdrawn else current_rows
            files = list(item.files.all())
            if not files:
                rows.append(IndexRow(section, item, withdrawn, note="No file: a recorded item."))
                continue
            for stored in files:
                row = IndexRow(section, item, withdrawn, original_name=stored.original_name)
                rows.append(row)
                if withdrawn and not run.include_withdrawn_files:
                    row.note = "Withdrawn: the file is not included in this pack."
                    continue
                folder = "withdrawn" if withdrawn else "evidence"
                path = _unique(
                    f"{folder}/{_case_folder(item.case)}/"
                    + safe_name(
                        f"{item.occurred_on:%Y-%m-%d}_{item.source}_{item.uuid.hex[:8]}_"
                        f"{stored.original_name}"
                    ),
                    taken,
                )
                if _copy_file(archive, stored, path, row, manifest):
                    copied += 1
                    if total_files:
                        on_stage(
                            f"Copying the evidence files ({copied} of {total_files})",
                            30 + (55 * copied) // total_files,
                        )
        on_stage("Writing the index and the manifest", 90)
        rows = current_rows + withdrawn_rows
        _write_bytes(archive, "index.csv", _index_csv(rows), manifest)
        html = render_to_string(
            "reports/pack/index.html",
            {
                "run": run,
                "cases": cases,
                "current": current_rows,
                "withdrawn": withdrawn_rows,
                "generated_at": timezone.now(),
            },
        )
        _write_bytes(archive, "index.html", html.encode("utf-8"), manifest)
        lines = "".join(f"{digest}  {path}\n" for digest, path in sorted(manifest, key=_by_path))
        archive.writestr(zipfile.ZipInfo("MANIFEST.sha256", _zip_time()), lines)
    return PackResult(
        files=copied, items=item_count, withdrawn=len({r.item.pk for r in withdrawn_rows})
    )


def _by_path(entry):
    return entry[1]


def file_sha256(handle) -> tuple[str, int]:
    """(SHA-256, size) of an open binary file, read in chunks from the start."""
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(COPY_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    handle.seek(0)
    return digest.hexdigest(), size

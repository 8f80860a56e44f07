"""Evidence packs: built in the background like reports, read back from the ZIP (summary,
files, index, manifest), withdrawn evidence listed without its files unless asked, scoped
like the pages, and built in flat memory."""

import csv
import hashlib
import io
import os
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from domains.models import EvidenceCategory
from domains.roles import Role
from evidence import services as evidence_services
from evidence.models import EvidenceFile
from reports import packs
from reports import services as report_services
from reports.models import ReportDownload, ReportKind, ReportRun, RunStatus
from tests.builders import add_evidence, open_case
from tests.factories import LocationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
CSV = b"Date,Action,Closed\n2026-06-01,Falls audit,yes\n"
TXT = b"Night handover observed: all residents' risks discussed.\n"


def add_item(case, actor, *, files=(), source="audits", stance="supports", days_ago=5, team=None):
    return evidence_services.evidence_add(
        actor=actor,
        actor_roles={Role.QUALITY_LEAD},
        case=case,
        step_number=case.current_step,
        source=source,
        category=EvidenceCategory.objects.get(name="Processes"),
        occurred_on=timezone.localdate() - timedelta(days=days_ago),
        team=team,
        stance=stance,
        summary=f"{source} evidence from {days_ago} days ago",
        files=[SimpleUploadedFile(name, content) for name, content in files],
    )


@pytest.fixture
def case_with_evidence(location, team, quality_lead, registered_manager):
    case = open_case(location=location, actor=quality_lead, title="Governance grip")
    audit = add_item(case, quality_lead, files=[("June audit.pdf", PDF)], team=team, days_ago=3)
    feedback = add_item(
        case,
        quality_lead,
        files=[("survey.csv", CSV), ("notes/../../etc passwd.txt", TXT)],
        source="feedback",
        stance="contradicts",
        days_ago=10,
    )
    recorded = add_item(case, quality_lead, source="staff_practice", days_ago=12)
    withdrawn = add_item(
        case, quality_lead, files=[("wrong case.pdf", PDF)], source="care_records", days_ago=20
    )
    evidence_services.evidence_withdraw(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        item=withdrawn,
        reason="Recorded against the wrong case.",
    )
    return case, audit, feedback, recorded, withdrawn


def request_case_pack(client, case, capture, **form):
    with capture(execute=True):
        response = client.post(reverse("reports:request_case_pack", args=[case.uuid]), form)
    run = ReportRun.objects.order_by("-id").first()
    assert response.status_code == 302 and str(run.uuid) in response["Location"]
    return run


def download(client, run) -> bytes:
    response = client.get(reverse("reports:report_download", args=[run.uuid]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def read_index(archive):
    text = archive.read("index.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_manifest(archive):
    lines = archive.read("MANIFEST.sha256").decode().splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def test_a_viewer_builds_a_case_pack_and_it_reads_back_whole(
    client, viewer, case_with_evidence, django_capture_on_commit_callbacks
):
    case, audit, feedback, recorded, withdrawn = case_with_evidence
    client.force_login(viewer)
    run = request_case_pack(client, case, django_capture_on_commit_callbacks)
    assert run.kind == ReportKind.PACK and run.case == case and run.requested_by == viewer
    assert run.status == RunStatus.DONE, run.error  # eager Celery in tests
    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    assert "Download the ZIP" in page
    body = download(client, run)
    assert hashlib.sha256(body).hexdigest() == run.sha256 and len(body) == run.size
    assert ReportDownload.objects.filter(run=run, user=viewer, via="web").count() == 1
    assert run.file.name.endswith(".zip")

    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"assurance-summary.pdf", "index.csv", "index.html", "MANIFEST.sha256"} <= names
    assert archive.read("assurance-summary.pdf").startswith(b"%PDF")
    assert not [n for n in names if n.startswith("withdrawn/")]

    # Every current file is in, byte for byte, under a readable name, with its hash.
    evidence_files = sorted(n for n in names if n.startswith("evidence/"))
    assert len(evidence_files) == 3
    for stored in EvidenceFile.objects.filter(item__in=[audit, feedback]):
        [path] = [n for n in evidence_files if n.endswith(packs.safe_name(stored.original_name))]
        assert hashlib.sha256(archive.read(path)).hexdigest() == stored.sha256
        assert str(stored.item.occurred_on) in path and stored.item.uuid.hex[:8] in path
    assert all(".." not in n.split("/") for n in names)

    # The manifest lists every other file with its SHA-256, and the hashes match.
    manifest = read_manifest(archive)
    assert set(manifest) == names - {"MANIFEST.sha256"}
    for path, digest in manifest.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path

    # The index: one row per file (or per item without one), current then withdrawn.
    rows = read_index(archive)
    current = [r for r in rows if r["Section"] == "Current evidence"]
    withdrawn_rows = [r for r in rows if r["Section"] == "Withdrawn evidence"]
    assert len(current) == 4 and len(withdrawn_rows) == 1
    audit_row = next(r for r in current if r["Original file name"] == "June audit.pdf")
    assert audit_row["Source"] == "Audits"
    assert audit_row["Stance"] == "Supports the claim"
    assert audit_row["Team"] == "Day team"
    assert audit_row["Status"] == "Current"
    occurred = audit.occurred_on
    assert audit_row["Date it describes"] == f"{occurred.day} {occurred:%B %Y}"
    assert manifest[audit_row["File in this ZIP"]] == audit_row["SHA-256"]
    assert audit_row["SHA-256"] == audit.files.get().sha256
    feedback_rows = [r for r in current if r["Source"] == "Feedback"]
    assert {r["Stance"] for r in feedback_rows} == {"Contradicts the claim"}
    assert len(feedback_rows) == 2
    no_file = next(r for r in current if r["Source"] == "Staff practice")
    assert no_file["File in this ZIP"] == "" and no_file["SHA-256"] == ""
    gone = withdrawn_rows[0]
    assert gone["Status"] == "Withdrawn"
    assert gone["Why withdrawn"] == "Recorded against the wrong case."
    assert gone["Original file name"] == "wrong case.pdf"
    assert gone["File in this ZIP"] == "" and gone["SHA-256"] == ""
    assert "not included" in gone["Note"]

    html = archive.read("index.html").decode()
    assert "Withdrawn evidence" in html and "Recorded against the wrong case." in html
    assert audit_row["SHA-256"] in html and "<script" not in html and "style=" not in html


def test_withdrawn_files_go_in_when_asked(
    client, registered_manager, case_with_evidence, django_capture_on_commit_callbacks
):
    case, *_, withdrawn = case_with_evidence
    client.force_login(registered_manager)
    run = request_case_pack(
        client, case, django_capture_on_commit_callbacks, include_withdrawn_files="on"
    )
    assert run.include_withdrawn_files
    archive = zipfile.ZipFile(io.BytesIO(download(client, run)))
    [path] = [n for n in archive.namelist() if n.startswith("withdrawn/")]
    assert archive.read(path) == PDF
    assert read_manifest(archive)[path] == withdrawn.files.get().sha256
    gone = next(r for r in read_index(archive) if r["Section"] == "Withdrawn evidence")
    assert gone["File in this ZIP"] == path


def test_a_location_pack_covers_the_dates_asked(
    client, location, quality_lead, viewer, django_capture_on_commit_callbacks
):
    first = open_case(location=location, actor=quality_lead, title="First case")
    second = open_case(location=location, actor=quality_lead, title="Second case")
    quiet = open_case(location=location, actor=quality_lead, title="Quiet case")
    inside = add_item(first, quality_lead, files=[("in.pdf", PDF)], days_ago=10)
    add_item(second, quality_lead, files=[("also in.csv", CSV)], days_ago=20)
    add_item(first, quality_lead, files=[("too old.pdf", PDF)], days_ago=60)
    add_item(quiet, quality_lead, days_ago=90)
    today = timezone.localdate()
    client.force_login(viewer)
    url = reverse("reports:request_location_pack", args=[location.uuid])
    # A bad form is re-shown with its message, never a 500, and queues nothing.
    response = client.post(url, {"start": today.isoformat(), "end": "2020-01-01"})
    assert response.status_code == 200
    assert "The last date must be the same as or after the first date" in response.content.decode()
    response = client.post(url, {"start": "yesterday"})
    assert (
        response.status_code == 200
        and "Enter the first date as a real date" in response.content.decode()
    )
    assert not ReportRun.objects.exists()

    form = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert run.status == RunStatus.DONE, run.error
    assert run.case is None and run.location == location
    assert (run.period_start, run.period_end) == (today - timedelta(days=30), today)
    archive = zipfile.ZipFile(io.BytesIO(download(client, run)))
    names = archive.namelist()
    summaries = sorted(n for n in names if n.startswith("summaries/"))
    assert len(summaries) == 2  # the two cases with evidence in the period
    assert all(archive.read(n).startswith(b"%PDF") for n in summaries)
    files = sorted(n for n in names if n.startswith("evidence/"))
    assert len(files) == 2
    assert any(n.endswith("in.pdf") for n in files) and any(
        n.endswith("also in.csv") for n in files
    )
    rows = read_index(archive)
    assert sorted(r["Case"] for r in rows) == ["First case", "Second case"]
    assert inside.summary in {r["Evidence"] for r in rows}
    listing = client.get(reverse("reports:location_packs", args=[location.uuid]))
    assert run.scope_label in listing.content.decode()
    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    assert "Download the ZIP" in page and "Evidence packs" in page


def test_packs_are_scoped_like_the_pages(
    client,
    location,
    quality_lead,
    viewer,
    outsider,
    case_with_evidence,
    django_capture_on_commit_callbacks,
):
    case = case_with_evidence[0]
    client.force_login(viewer)
    run = request_case_pack(client, case, django_capture_on_commit_callbacks)
    urls = {
        "request case": reverse("reports:request_case_pack", args=[case.uuid]),
        "request location": reverse("reports:request_location_pack", args=[location.uuid]),
        "list": reverse("reports:location_packs", args=[location.uuid]),
        "run": reverse("reports:report_run", args=[run.uuid]),
        "download": reverse("reports:report_download", args=[run.uuid]),
    }
    client.logout()
    assert client.get(urls["list"]).status_code == 302  # sign in first
    client.force_login(outsider)
    for name, url in urls.items():
        method = client.post if name.startswith("request") else client.get
        assert method(url).status_code == 404, name
    # Someone at another location of the same provider sees neither the page nor the pack.
    elsewhere = LocationFactory(provider=location.provider, name="Birch Lodge")
    stranger = UserFactory(username="birch")
    MembershipFactory(user=stranger, location=elsewhere, role=Role.REGISTERED_MANAGER)
    client.force_login(stranger)
    assert client.get(urls["list"]).status_code == 404
    assert client.post(urls["request case"]).status_code == 404
    assert client.get(urls["run"]).status_code == 403
    assert client.get(urls["download"]).status_code == 403
    assert ReportRun.objects.count() == 1
    assert not ReportDownload.objects.exists()


def test_a_file_missing_or_changed_in_storage_is_said_in_the_index(location, quality_lead, viewer):
    case = open_case(location=location, actor=quality_lead)
    changed = add_item(case, quality_lead, files=[("changed.pdf", PDF)])
    missing = add_item(case, quality_lead, files=[("missing.pdf", PDF)], days_ago=6)
    changed_file = changed.files.get()
    default_storage.delete(changed_file.file.name)
    default_storage.save(changed_file.file.name, ContentFile(PDF + b"tampered"))
    default_storage.delete(missing.files.get().file.name)
    run = ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=location.provider,
        location=location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=viewer,
    )
    assert report_services.report_render(run.pk)
    run.refresh_from_db()
    archive = zipfile.ZipFile(run.file.open("rb"))
    rows = {r["Original file name"]: r for r in read_index(archive)}
    assert "could not be read" in rows["missing.pdf"]["Note"]
    assert rows["missing.pdf"]["File in this ZIP"] == ""
    assert "differs from the one recorded at upload" in rows["changed.pdf"]["Note"]
    assert rows["changed.pdf"]["SHA-256"] == hashlib.sha256(PDF + b"tampered").hexdigest()
    # A second delivery of the task does nothing.
    assert report_services.report_render(run.pk) is False


def test_safe_names_stay_inside_their_folder():
    assert packs.safe_name("../../etc/passwd") == "etc passwd"
    assert packs.safe_name("CON:.pdf") == "CON.pdf"
    assert packs.safe_name("..") == "file"
    assert packs.safe_name("a" * 300 + ".pdf").endswith("a.pdf")
    assert len(packs.safe_name("a" * 300 + ".pdf")) == 100
    assert packs.safe_name("tab\there\x00.txt") == "tab here.txt"


# --- memory ----------------------------------------------------------------------------------

FILE_BYTES = 2 * 1024 * 1024
MEMORY_BOUND = 40 * 1024 * 1024


def _pack_with_files(location, quality_lead, viewer, n):
    case = open_case(location=location, actor=quality_lead, title=f"{n} files")
    for i in range(n):
        item = add_evidence(case, quality_lead, days_ago=i % 30 + 1)
        content = os.urandom(FILE_BYTES)
        stored = EvidenceFile(
            item=item,
            original_name=f"scan {i:03}.pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=quality_lead,
        )
        stored.file.save(stored.original_name, ContentFile(content), save=False)
        stored.save()
        del content
    return ReportRun.objects.create(
        kind=ReportKind.PACK,
        provider=location.provider,
        location=location,
        case=case,
        data_cutoff=timezone.now(),
        requested_by=viewer,
    )


def _traced_peak(run) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        assert report_services.report_render(run.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def test_a_pack_of_100_files_of_2_mb_is_built_in_flat_memory(location, quality_lead, viewer):
    small = _pack_with_files(location, quality_lead, viewer, 1)
    large = _pack_with_files(location, quality_lead, viewer, 100)
    small_peak = _traced_peak(small)
    large_peak = _traced_peak(large)
    print(
        f"\npack memory peak: 1 file {small_peak / 2**20:.1f} MB, 100 files of 2 MB "
        f"{large_peak / 2**20:.1f} MB"
    )
    large.refresh_from_db()
    assert large.status == RunStatus.DONE
    assert large.size > 100 * FILE_BYTES  # the 200 MB really went in
    assert large_peak < MEMORY_BOUND
    # 200 MB of files add little more than the copy buffer to the peak.
    assert large_peak - small_peak < 16 * 1024 * 1024
    archive = zipfile.ZipFile(large.file.open("rb"))
    assert len([n for n in archive.namelist() if n.startswith("evidence/")]) == 100

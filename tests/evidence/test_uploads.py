"""Evidence file uploads through the real view: allowed types round-trip byte for byte, and
everything else is refused with a message on the page and nothing stored (rows or disk)."""

import hashlib
import io
import re
import struct
import zipfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from domains.models import EvidenceCategory
from evidence.models import EvidenceFile, EvidenceItem

pytestmark = pytest.mark.django_db

SUMMARY = "June audit: all 14 actions closed on time, signed off by the RM."


# --- sample files, made in code ------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1 RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body/></w:document>',
        )
    return buffer.getvalue()


CSV = "Date,Action,Closed\n2026-06-01,Falls audit,yes\n2026-06-02,Care plan review – ok,yes\n"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'
)
SVG_BARE = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>\n'


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- helpers --------------------------------------------------------------------------------


def form_data(team, files=(), **overrides):
    data = {
        "source": "audits",
        "category": EvidenceCategory.objects.filter(name="Processes").first().pk,
        "occurred_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "team": team.pk,
        "stance": "supports",
        "summary": SUMMARY,
    }
    if files:
        data["files"] = list(files)
    data.update(overrides)
    return data


def post_evidence(client, user, case, team, files=(), **overrides):
    client.force_login(user)
    return client.post(
        reverse("casework:evidence_add", args=[case.uuid]), form_data(team, files, **overrides)
    )


def files_on_disk():
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def download(client, stored):
    response = client.get(reverse("evidence:file_download", args=[stored.uuid]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def assert_refused(response, *messages):
    """Re-rendered page (200) naming each rule broken; nothing stored anywhere."""
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["evidence_form"]
    errors = " ".join(form.errors.get("files", []))
    for message in messages:
        assert message in errors, errors
        assert message in page
    assert 'id="evidence_files_error"' in page
    assert EvidenceItem.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert files_on_disk() == []
    return page


# --- allowed files round-trip ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("June audit.pdf", pdf_bytes(), "application/pdf"),
        ("Handover board.png", png_bytes(), "image/png"),
        ("actions.csv", CSV.encode("utf-8"), "text/csv"),
        (
            "Policy review.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
    ids=["pdf", "png", "csv", "docx"],
)
def test_it_stores_an_allowed_file_that_round_trips_byte_for_byte(
    client, case, team, team_leader, name, content, content_type
):
    response = post_evidence(client, team_leader, case, team, [upload(name, content)])

    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    assert item.summary == SUMMARY and item.created_by == team_leader
    stored = item.files.get()
    assert stored.original_name == name
    assert stored.content_type == content_type
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.uploaded_by == team_leader
    # The name on disk is random and carries nothing of the original name or extension.
    on_disk = Path(stored.file.path)
    assert files_on_disk() == [on_disk]
    assert re.fullmatch(r"[0-9a-f]{32}", on_disk.name), on_disk.name
    assert Path(name).stem not in stored.file.name
    assert Path(name).suffix not in stored.file.name
    assert on_disk.read_bytes() == content
    # Back out through the download view, unchanged.
    assert download(client, stored) == content


def test_it_gives_the_same_file_uploaded_twice_two_different_random_names(
    client, case, team, team_leader
):
    content = pdf_bytes()
    post_evidence(client, team_leader, case, team, [upload("audit.pdf", content)])
    post_evidence(client, team_leader, case, team, [upload("audit.pdf", content)])

    first, second = EvidenceFile.objects.order_by("id")
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256 == hashlib.sha256(content).hexdigest()
    assert len(files_on_disk()) == 2


def test_it_stores_several_files_on_one_item(client, case, team, deputy_manager):
    files = {"audit.pdf": pdf_bytes(), "board.png": png_bytes(), "actions.csv": CSV.encode()}
    response = post_evidence(
        client,
        deputy_manager,
        case,
        team,
        [upload(name, content) for name, content in files.items()],
    )

    assert response.status_code == 302
    item = EvidenceItem.objects.get()
    stored = {f.original_name: f for f in item.files.all()}
    assert set(stored) == set(files)
    for name, content in files.items():
        assert stored[name].sha256 == hashlib.sha256(content).hexdigest()
        assert download(client, stored[name]) == content
    assert len(files_on_disk()) == 3


# --- refused files --------------------------------------------------------------------------


def test_it_refuses_an_executable_renamed_to_pdf(client, case, team, team_leader):
    response = post_evidence(client, team_leader, case, team, [upload("report.pdf", ELF)])

    assert_refused(
        response,
        "“report.pdf” does not contain what its name says (.pdf)",
        "so it was not stored",
    )


def test_it_refuses_an_html_file(client, case, team, team_leader):
    response = post_evidence(
        client, team_leader, case, team, [upload("notes.html", HTML, "text/html")]
    )

    assert_refused(response, "“notes.html” is not an allowed type.", "PDF, Word, Excel, CSV")


@pytest.mark.parametrize(
    "content",
    [
        HTML,
        b"  \r\n<html><body onload=alert(1)></body></html>",
        b"<SCRIPT>alert(1)</SCRIPT>",
        b"\xef\xbb\xbf<!DOCTYPE html><html><script>alert(1)</script></html>",
    ],
    ids=["doctype", "leading-whitespace", "script-uppercase", "utf8-bom"],
)
def test_it_refuses_html_content_named_txt(client, case, team, team_leader, content):
    response = post_evidence(
        client, team_leader, case, team, [upload("notes.txt", content, "text/plain")]
    )

    assert_refused(response, "“notes.txt” does not contain what its name says (.txt)")


def test_it_refuses_an_svg_file(client, case, team, team_leader):
    response = post_evidence(
        client, team_leader, case, team, [upload("chart.svg", SVG, "image/svg+xml")]
    )

    assert_refused(response, "“chart.svg” is not an allowed type.")


@pytest.mark.parametrize("content", [SVG, SVG_BARE], ids=["xml-prolog", "bare-svg"])
def test_it_refuses_svg_content_named_txt(client, case, team, team_leader, content):
    response = post_evidence(
        client, team_leader, case, team, [upload("chart.txt", content, "text/plain")]
    )

    assert_refused(response, "“chart.txt” does not contain what its name says (.txt)")


def test_it_refuses_a_file_over_the_size_limit(client, case, team, team_leader, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    content = (b"Date,Note\n" + b"2026-06-01,checked\n" * 90_000)[: 1536 * 1024]
    assert len(content) == 1536 * 1024  # 1.5 MB

    response = post_evidence(client, team_leader, case, team, [upload("big.csv", content)])

    assert_refused(response, "“big.csv” is 1.5 MB; the limit is 1 MB.")


def test_it_accepts_a_file_exactly_at_the_size_limit(client, case, team, team_leader, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    content = b"a" * (1024 * 1024)

    response = post_evidence(client, team_leader, case, team, [upload("limit.txt", content)])

    assert response.status_code == 302
    assert EvidenceFile.objects.get().size == 1024 * 1024


def test_it_refuses_an_empty_file(client, case, team, team_leader):
    response = post_evidence(client, team_leader, case, team, [upload("empty.pdf", b"")])

    assert_refused(response, "is empty")


def test_it_stores_nothing_when_one_of_several_files_is_bad(client, case, team, team_leader):
    files = [
        upload("audit.pdf", pdf_bytes()),
        upload("board.png", png_bytes()),
        upload("report.pdf", ELF),
    ]
    response = post_evidence(client, team_leader, case, team, files)

    page = assert_refused(response, "“report.pdf” does not contain what its name says (.pdf)")
    # The good files are not blamed, and what the user typed is kept for a second try.
    errors = " ".join(response.context["evidence_form"].errors["files"])
    assert "audit.pdf" not in errors and "board.png" not in errors
    assert SUMMARY in page
    assert response.context["evidence_form"]["summary"].value() == SUMMARY


def test_it_names_every_bad_file_when_several_are_bad(client, case, team, team_leader):
    files = [upload("report.pdf", ELF), upload("notes.txt", HTML), upload("ok.csv", b"a,b\n")]
    response = post_evidence(client, team_leader, case, team, files)

    assert_refused(
        response,
        "“report.pdf” does not contain what its name says (.pdf)",
        "“notes.txt” does not contain what its name says (.txt)",
    )


def test_it_removes_files_already_written_when_saving_fails(
    client, case, team, team_leader, monkeypatch
):
    real_save = EvidenceFile.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:
            raise IntegrityError("simulated failure on the second file")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(EvidenceFile, "save", failing_save)
    files = [upload("audit.pdf", pdf_bytes()), upload("board.png", png_bytes())]

    with pytest.raises(IntegrityError):
        post_evidence(client, team_leader, case, team, files)

    assert len(calls) == 2
    assert EvidenceItem.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert files_on_disk() == []


# --- who may add evidence -------------------------------------------------------------------


def test_it_sends_an_anonymous_user_to_login(client, case, team):
    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        form_data(team, [upload("audit.pdf", pdf_bytes())]),
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert EvidenceItem.objects.count() == 0
    assert files_on_disk() == []


def test_it_gives_an_outsider_404(client, case, team, outsider):
    response = post_evidence(client, outsider, case, team, [upload("audit.pdf", pdf_bytes())])

    assert response.status_code == 404
    assert EvidenceItem.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert files_on_disk() == []


def test_it_refuses_a_viewer_with_403_and_saves_nothing(client, case, team, viewer):
    response = post_evidence(client, viewer, case, team, [upload("audit.pdf", pdf_bytes())])

    assert response.status_code == 403
    assert "Viewers can read this case but not change it." in response.content.decode()
    assert EvidenceItem.objects.count() == 0
    assert EvidenceFile.objects.count() == 0
    assert files_on_disk() == []


def test_it_lets_a_team_leader_at_the_location_add_evidence(client, case, team, team_leader):
    response = post_evidence(client, team_leader, case, team, [upload("audit.pdf", pdf_bytes())])

    assert response.status_code == 302
    assert response.url.startswith(reverse("casework:case_detail", args=[case.uuid]))
    item = EvidenceItem.objects.get()
    assert item.case == case and item.created_by == team_leader
    assert item.files.count() == 1
    assert len(files_on_disk()) == 1


def test_it_lets_a_provider_wide_senior_leader_add_evidence(client, case, team, senior_leader):
    response = post_evidence(client, senior_leader, case, team, [upload("audit.pdf", pdf_bytes())])

    assert response.status_code == 302
    assert EvidenceItem.objects.get().created_by == senior_leader

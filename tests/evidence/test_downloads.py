"""Evidence file downloads: always an attachment under the original name, never sniffed, and
only for people with a role where the case is."""

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from domains.models import EvidenceCategory
from evidence.models import EvidenceFile, EvidenceFileDownload

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
CSV = b"Date,Action,Closed\n2026-06-01,Falls audit,yes\n"


def add_file(client, user, case, team, name, content):
    """Upload through the real view and return the stored file row."""
    client.force_login(user)
    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        {
            "source": "audits",
            "category": EvidenceCategory.objects.filter(name="Processes").first().pk,
            "occurred_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "team": team.pk,
            "stance": "supports",
            "summary": "June audit: all actions closed on time.",
            "files": [SimpleUploadedFile(name, content)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return EvidenceFile.objects.get(original_name=name)


@pytest.fixture
def stored_pdf(client, case, team, team_leader):
    return add_file(client, team_leader, case, team, "June audit.pdf", PDF)


def url(stored):
    return reverse("evidence:file_download", args=[stored.uuid])


def test_it_serves_the_file_as_an_attachment_under_its_original_name(
    client, stored_pdf, team_leader
):
    client.force_login(team_leader)
    response = client.get(url(stored_pdf))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="June audit.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == PDF
    assert hashlib.sha256(body).hexdigest() == stored_pdf.sha256


def test_it_keeps_a_non_ascii_original_name_in_the_attachment_header(
    client, case, team, team_leader
):
    name = "Résumé – audit.csv"
    stored = add_file(client, team_leader, case, team, name, CSV)
    client.force_login(team_leader)

    response = client.get(url(stored))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote(name)}" in disposition
    assert response["Content-Type"] == "text/csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == CSV


def test_it_gives_an_outsider_404_for_a_file_url(client, stored_pdf, outsider):
    client.force_login(outsider)

    response = client.get(url(stored_pdf))

    assert response.status_code == 404
    assert not hasattr(response, "streaming_content")
    assert PDF not in response.content


def test_it_sends_an_anonymous_user_to_login(client, stored_pdf):
    response = client.get(url(stored_pdf))

    assert response.status_code == 302
    login_url, _, query = response.url.partition("?")
    assert login_url == reverse("login")
    assert parse_qs(query)["next"] == [url(stored_pdf)]


def test_it_lets_a_viewer_at_the_same_provider_download(client, stored_pdf, viewer):
    client.force_login(viewer)

    response = client.get(url(stored_pdf))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="June audit.pdf"'
    assert b"".join(response.streaming_content) == PDF


def test_it_lets_a_provider_wide_senior_leader_download(client, stored_pdf, senior_leader):
    client.force_login(senior_leader)

    response = client.get(url(stored_pdf))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_it_gives_404_for_an_unknown_file(client, stored_pdf, team_leader):
    client.force_login(team_leader)

    response = client.get(
        reverse("evidence:file_download", args=["00000000-0000-0000-0000-000000000000"])
    )

    assert response.status_code == 404


def test_it_gives_404_when_the_file_is_missing_from_storage(client, stored_pdf, team_leader):
    stored_pdf.file.storage.delete(stored_pdf.file.name)
    client.force_login(team_leader)

    response = client.get(url(stored_pdf))

    assert response.status_code == 404


def test_it_refuses_post_to_the_download_url(client, stored_pdf, team_leader):
    client.force_login(team_leader)

    response = client.post(url(stored_pdf))

    assert response.status_code == 405


def test_it_records_every_download_and_nothing_for_a_refusal(client, stored_pdf, viewer, outsider):
    client.force_login(outsider)
    assert client.get(url(stored_pdf)).status_code == 404
    assert not EvidenceFileDownload.objects.exists()
    client.force_login(viewer)
    client.get(url(stored_pdf))
    client.get(url(stored_pdf))
    rows = list(EvidenceFileDownload.objects.filter(file=stored_pdf))
    assert [(r.user, r.via) for r in rows] == [(viewer, "web"), (viewer, "web")]

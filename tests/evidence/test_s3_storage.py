"""Evidence files in an S3-compatible bucket (AWS_STORAGE_BUCKET_NAME set): stored through the
storage API only, hashed in chunks, downloaded only through the permission-checked view, and
never deleted when the evidence is withdrawn.

The bucket lives on a real S3 HTTP API on loopback (moto in server mode, tests/conftest.py).
"""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assurance.cases.services import case_open
from domains.models import Domain, EvidenceCategory
from domains.roles import Role
from evidence.models import EvidenceFile

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture
def case(location, quality_lead):
    return case_open(
        actor=quality_lead,
        actor_roles={Role.QUALITY_LEAD},
        location=location,
        domain=Domain.objects.get(slug="governance"),
        title="Governance grip at Elm House",
        baseline_issue="Audit actions drifted for months without follow-up.",
        improvement_began=timezone.localdate() - timedelta(days=90),
        wider_areas=["Medication"],
    )


def upload(client, user, case, team, upload_file):
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
            "files": [upload_file],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return EvidenceFile.objects.get(original_name=upload_file.name)


def download(client, user, stored):
    client.force_login(user)
    response = client.get(reverse("evidence:file_download", args=[stored.uuid]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_an_uploaded_file_goes_to_the_bucket_and_comes_back_through_the_view(
    client, s3_storage, settings, case, team, team_leader, viewer
):
    stored = upload(client, team_leader, case, team, SimpleUploadedFile("June audit.pdf", PDF))

    assert s3_storage.keys() == [stored.file.name]
    assert stored.file.name.startswith("evidence/")
    assert s3_storage.read(stored.file.name) == PDF
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest() and stored.size == len(PDF)
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))

    response, body = download(client, viewer, stored)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="June audit.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert hashlib.sha256(body).hexdigest() == stored.sha256


def test_a_file_larger_than_memory_buffers_is_hashed_and_served_in_chunks(
    client, s3_storage, case, team, team_leader
):
    # Over Django's 2.5 MB in-memory upload limit and the S3 read spool: the upload arrives
    # as a temporary file and is read back from the bucket in chunks.
    rows = b"".join(
        b"2026-06-%02d,Falls audit %06d,yes\n" % (i % 28 + 1, i) for i in range(120_000)
    )
    content = b"Date,Action,Closed\n" + rows
    assert len(content) > 3 * 1024 * 1024

    stored = upload(client, team_leader, case, team, SimpleUploadedFile("Audit log.csv", content))

    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    response, body = download(client, team_leader, stored)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert hashlib.sha256(body).hexdigest() == stored.sha256


def test_the_object_carries_the_checked_type_not_the_one_the_browser_claimed(
    client, s3_storage, case, team, team_leader
):
    claimed_html = SimpleUploadedFile("notes.txt", b"Handover notes\n", content_type="text/html")

    stored = upload(client, team_leader, case, team, claimed_html)

    head = s3_storage.client.head_object(Bucket=s3_storage.name, Key=stored.file.name)
    assert head["ContentType"] == "text/plain"


def test_withdrawing_evidence_keeps_its_file_in_the_bucket(
    client, s3_storage, case, team, team_leader
):
    stored = upload(client, team_leader, case, team, SimpleUploadedFile("June audit.pdf", PDF))
    client.force_login(team_leader)

    response = client.post(
        reverse("casework:evidence_withdraw", args=[stored.item.uuid]),
        {"reason": "Uploaded against the wrong case by mistake."},
    )

    assert response.status_code == 302
    stored.item.refresh_from_db()
    assert stored.item.is_withdrawn
    assert s3_storage.keys() == [stored.file.name]
    assert s3_storage.read(stored.file.name) == PDF
    response, body = download(client, team_leader, stored)
    assert response.status_code == 200 and body == PDF


def test_an_outsider_gets_404_and_nothing_is_read_from_the_bucket(
    client, s3_storage, case, team, team_leader, outsider
):
    stored = upload(client, team_leader, case, team, SimpleUploadedFile("June audit.pdf", PDF))

    response, _ = download(client, outsider, stored)

    assert response.status_code == 404
    assert PDF not in response.content


def test_a_file_missing_from_the_bucket_is_404_not_500(client, s3_storage, case, team, team_leader):
    stored = upload(client, team_leader, case, team, SimpleUploadedFile("June audit.pdf", PDF))
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=stored.file.name)

    response, _ = download(client, team_leader, stored)

    assert response.status_code == 404


def test_an_unreachable_bucket_is_a_clear_503_not_500(
    client, s3_storage, settings, case, team, team_leader
):
    stored = upload(client, team_leader, case, team, SimpleUploadedFile("June audit.pdf", PDF))
    # Port 9 (discard) is closed here: nothing answers.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage.backend(endpoint_url="http://127.0.0.1:9"),
    }

    response, _ = download(client, team_leader, stored)

    assert response.status_code == 503
    assert "file store" in response.content.decode()


def test_an_upload_while_the_bucket_is_unreachable_saves_nothing_and_says_why(
    client, s3_storage, settings, case, team, team_leader
):
    from evidence.models import EvidenceItem

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage.backend(endpoint_url="http://127.0.0.1:9"),
    }
    client.force_login(team_leader)

    response = client.post(
        reverse("casework:evidence_add", args=[case.uuid]),
        {
            "source": "audits",
            "category": EvidenceCategory.objects.filter(name="Processes").first().pk,
            "occurred_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "team": team.pk,
            "stance": "supports",
            "summary": "June audit: all actions closed on time.",
            "files": [SimpleUploadedFile("June audit.pdf", PDF)],
        },
    )

    assert response.status_code == 200
    assert "the file store is not answering" in response.content.decode()
    assert not EvidenceItem.objects.exists() and not EvidenceFile.objects.exists()

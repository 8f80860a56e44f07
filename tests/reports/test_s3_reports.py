"""Report PDFs archived in an S3-compatible bucket: rendered by the task, stored with the
SHA-256 computed as the PDF was written, and downloaded through the permission-checked view.

The bucket lives on a real S3 HTTP API on loopback (moto in server mode, tests/conftest.py).
"""

import hashlib

import pytest
from django.urls import reverse

from reports.models import ReportDownload, ReportRun, RunStatus
from tests.builders import add_evidence, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


@pytest.fixture
def run(client, s3_storage, location, team, quality_lead, django_capture_on_commit_callbacks):
    case = open_case(location=location, actor=quality_lead, title="Falls audit follow-up")
    add_evidence(case, quality_lead, team=team)
    client.force_login(quality_lead)
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery in tests
        response = client.post(reverse("reports:request_case_summary", args=[case.uuid]))
    assert response.status_code == 302
    client.logout()
    return ReportRun.objects.get()


def test_a_rendered_report_is_archived_in_the_bucket_with_its_hash(run, s3_storage, settings):
    assert run.status == RunStatus.DONE, run.error
    assert s3_storage.keys() == [run.file.name]
    assert run.file.name.startswith("reports/") and run.file.name.endswith(".pdf")
    stored = s3_storage.read(run.file.name)
    assert stored.startswith(b"%PDF")
    assert run.sha256 == hashlib.sha256(stored).hexdigest()
    assert run.size == len(stored)
    head = s3_storage.client.head_object(Bucket=s3_storage.name, Key=run.file.name)
    assert head["ContentType"] == "application/pdf"
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_the_archived_report_downloads_through_the_view_and_is_recorded(client, run, quality_lead):
    client.force_login(quality_lead)

    response = client.get(reverse("reports:report_download", args=[run.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == run.sha256
    assert ReportDownload.objects.filter(run=run, user=quality_lead).count() == 1


def test_an_outsider_cannot_download_the_archived_report(client, run, outsider):
    client.force_login(outsider)

    response = client.get(reverse("reports:report_download", args=[run.uuid]))

    assert response.status_code == 404
    assert not ReportDownload.objects.exists()


def test_a_report_missing_from_the_bucket_is_404_and_not_recorded(
    client, run, s3_storage, quality_lead
):
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=run.file.name)
    client.force_login(quality_lead)

    response = client.get(reverse("reports:report_download", args=[run.uuid]))

    assert response.status_code == 404
    assert not ReportDownload.objects.exists()

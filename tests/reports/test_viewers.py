"""A time-limited viewer of the whole provider (a commissioner or inspector) reads and
downloads the quarterly reports and case summaries, each download recorded, and requests
nothing."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from domains.roles import Role
from reports.models import ReportDownload, ReportKind, ReportRun, RunStatus
from tests.builders import open_case
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _provider_viewer(provider, *, expires_in_days=30):
    user = UserFactory(username=f"inspector{expires_in_days}")
    MembershipFactory(
        user=user,
        provider=provider,
        location=None,
        role=Role.VIEWER,
        expires_on=timezone.localdate() + timedelta(days=expires_in_days),
    )
    return user


def _done(run):
    run.file.save("report.pdf", ContentFile(b"%PDF-1.4 a report"), save=False)
    run.status, run.sha256, run.size = RunStatus.DONE, "a" * 64, 17
    run.save()
    return run


@pytest.fixture
def runs(location, provider, senior_leader, quality_lead, registered_manager):
    case = open_case(location=location, actor=quality_lead, title="Night handovers")
    now = timezone.now()
    quarterly = _done(
        ReportRun(
            kind=ReportKind.QUARTERLY,
            provider=provider,
            quarter="2026-Q3",
            data_cutoff=now,
            requested_by=senior_leader,
        )
    )
    location_report = _done(
        ReportRun(
            kind=ReportKind.QUARTERLY,
            provider=provider,
            location=location,
            quarter="2026-Q3",
            data_cutoff=now,
            requested_by=registered_manager,
        )
    )
    summary = _done(
        ReportRun(
            kind=ReportKind.CASE,
            provider=provider,
            location=location,
            case=case,
            data_cutoff=now,
            requested_by=registered_manager,
        )
    )
    return {"quarterly": quarterly, "location": location_report, "summary": summary, "case": case}


def test_a_provider_viewer_sees_the_reports_instead_of_no_reports_yet(client, provider, runs):
    client.force_login(_provider_viewer(provider))
    page = client.get(reverse("reports:provider_reports", args=[provider.slug])).content.decode()
    assert "No reports yet" not in page
    for run in runs["quarterly"], runs["location"], runs["summary"]:
        assert reverse("reports:report_download", args=[run.uuid]) in page
    assert "Night handovers" in page
    assert "You can read and download the reports below" in page
    assert reverse("reports:request_quarterly", args=[provider.slug]) not in page


@pytest.mark.parametrize("which", ["quarterly", "location", "summary"])
def test_a_provider_viewer_downloads_and_each_download_is_recorded(client, provider, runs, which):
    viewer = _provider_viewer(provider)
    run = runs[which]
    client.force_login(viewer)
    assert client.get(reverse("reports:report_run", args=[run.uuid])).status_code == 200
    response = client.get(reverse("reports:report_download", args=[run.uuid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 a report"
    assert ReportDownload.objects.filter(run=run, user=viewer).count() == 1


def test_the_permission_matrix_for_reading_reports(
    client, provider, runs, outsider, team_leader, viewer
):
    download = reverse("reports:report_download", args=[runs["quarterly"].uuid])
    listing = reverse("reports:provider_reports", args=[provider.slug])
    assert client.get(download).status_code == 302  # anonymous: to the sign-in page
    assert client.get(listing).status_code == 302
    client.force_login(outsider)
    assert client.get(download).status_code == 404
    assert client.get(listing).status_code == 404
    client.force_login(team_leader)  # a role at the location, not for provider reports
    assert client.get(download).status_code == 403
    client.force_login(viewer)  # a viewer of one location only: not the provider's report
    assert client.get(download).status_code == 403
    client.force_login(_provider_viewer(provider, expires_in_days=-1))  # access has expired
    assert client.get(download).status_code == 404
    assert client.get(listing).status_code == 404
    assert not ReportDownload.objects.exists()


def test_a_viewer_requests_no_report(client, provider, location, runs):
    viewer = _provider_viewer(provider)
    client.force_login(viewer)
    response = client.post(
        reverse("reports:request_quarterly", args=[provider.slug]),
        {"quarter": "2026-Q3", "location": ""},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("reports:request_quarterly", args=[provider.slug]),
        {"quarter": "2026-Q3", "location": str(location.uuid)},
    )
    assert response.status_code == 403
    case = runs["case"]
    page = client.get(reverse("casework:case_detail", args=[case.uuid])).content.decode()
    assert reverse("reports:request_case_summary", args=[case.uuid]) not in page
    assert client.post(reverse("reports:request_case_summary", args=[case.uuid])).status_code == 403
    failed = runs["quarterly"]
    ReportRun.objects.filter(pk=failed.pk).update(status=RunStatus.FAILED)
    page = client.get(reverse("reports:report_run", args=[failed.uuid])).content.decode()
    assert reverse("reports:report_retry", args=[failed.uuid]) not in page
    assert client.post(reverse("reports:report_retry", args=[failed.uuid])).status_code == 403
    assert ReportRun.objects.get(pk=failed.pk).status == RunStatus.FAILED
    assert ReportRun.objects.count() == 3

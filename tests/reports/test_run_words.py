"""Report runs say where they are in plain words: Queued, Being prepared, Ready, Failed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportKind, ReportRun, RunStatus

pytestmark = pytest.mark.django_db


def test_a_run_says_queued_and_being_prepared_not_worker_words(client, provider, senior_leader):
    run = ReportRun.objects.create(
        kind=ReportKind.QUARTERLY,
        provider=provider,
        quarter="2026-Q3",
        data_cutoff=timezone.now(),
        requested_by=senior_leader,
    )
    client.force_login(senior_leader)
    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    assert "Queued" in page and "worker" not in page.lower()
    assert str(run) == f"Quarterly assurance report, July to September 2026: {provider}"
    assert [label for _, label in RunStatus.choices] == [
        "Queued",
        "Being prepared",
        "Ready",
        "Failed",
    ]
    listing = client.get(reverse("reports:provider_reports", args=[provider.slug]))
    assert "July to September 2026 · All locations" in listing.content.decode()
    assert "Queued" in listing.content.decode()

"""The provider quarterly report designed for scale: cases that need attention in full, the
rest one line each; the evidence index as a workbook; contents, UK dates, file names,
commentary and the previous-quarter comparison."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assurance.cases.models import ImprovementCase, StepRecord
from assurance.escalations.models import Escalation
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.models import Location, Membership, Team
from domains.models import Domain, EvidenceCategory
from evidence.models import EvidenceFile, EvidenceItem
from reports import quarterly, services
from reports.models import DownloadedFile, ReportDownload, ReportRun, RunStatus
from reports.periods import quarter_of
from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
REASONS = ["overclaim", "changed", "overdue", "gap"]


def _text(path, *, layout=False):
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _seed(provider, user, *, locations=3, cases=30, evidence=3):
    """`locations` x `cases`, inserted in bulk. In each location, the first four cases each
    need attention for one reason (REASONS, in order); the rest do not (a judgement the
    evidence supported, recorded after its evidence; an escalation not yet due). Returns
    {title: reason or None}."""
    domain = Domain.objects.get(slug="governance")
    templates = list(domain.steps.order_by("number"))
    category = EvidenceCategory.objects.first()
    now = timezone.now()
    today = timezone.localdate()
    earlier = now - timedelta(days=10)
    expected = {}
    for li in range(locations):
        location = (
            LocationFactory(provider=provider, name=f"Site {li}")
            if li or not provider.locations.exists()
            else provider.locations.first()
        )
        team, _ = Team.objects.get_or_create(location=location, name=f"Team {li}")
        made = ImprovementCase.objects.bulk_create(
            ImprovementCase(
                location=location,
                domain=domain,
                title=f"Case S{li}-{ci:02d}",
                baseline_issue="Baseline text.",
                improvement_began=date(2026, 1, 1),
                wider_areas=domain.default_wider_areas[:2],
                opened_by=user,
                opened_at=earlier - timedelta(days=1),
                status="under_review",
                current_step=5,
            )
            for ci in range(cases)
        )
        StepRecord.objects.bulk_create(
            StepRecord(
                case=c,
                number=t.number,
                role=t.role,
                artefact_label=t.artefact_label,
                data={},
                completed_by=user,
                completed_at=earlier,
            )
            for c in made
            for t in templates
        )
        items = EvidenceItem.objects.bulk_create(
            EvidenceItem(
                case=c,
                step_number=1,
                source="audits",
                category=category,
                occurred_on=today - timedelta(days=3 + e),
                team=team,
                stance="supports",
                summary=f"Evidence {e} of {c.title}",
                created_by=user,
            )
            for c in made
            for e in range(evidence)
        )
        EvidenceItem.objects.filter(pk__in=[i.pk for i in items]).update(
            created_at=earlier - timedelta(hours=1)
        )
        EvidenceFile.objects.bulk_create(
            EvidenceFile(
                item=item,
                file=f"evidence/{item.pk}.pdf",
                original_name=f"audit-{item.pk}.pdf",
                content_type="application/pdf",
                size=10,
                sha256=f"{item.pk:064x}",
                uploaded_by=user,
            )
            for item in items
        )
        for ci, case in enumerate(made):
            reason = REASONS[ci] if ci < len(REASONS) else None
            expected[case.title] = reason
            ProportionalityJudgement.objects.create(
                case=case,
                level="significant" if reason == "overclaim" else "emerging",
                supportable_level="contained" if reason == "overclaim" else "emerging",
                not_yet="Not yet.",
                rationale="Because.",
                recorded_by=user,
                recorded_at=earlier,
            )
            if reason == "changed":
                EvidenceItem.objects.create(
                    case=case,
                    step_number=1,
                    source="feedback",
                    category=category,
                    occurred_on=today,
                    team=team,
                    stance="contradicts",
                    summary=f"A complaint after the judgement on {case.title}",
                    created_by=user,
                )
            Escalation.objects.create(
                case=case,
                trigger="repeated_gap" if reason == "gap" else "manual",
                action="Look again",
                owner=user,
                due_on=today - timedelta(days=2) if reason == "overdue" else today + timedelta(30),
            )
    return expected


@pytest.fixture
def leader(location):
    user = UserFactory(username="leader", first_name="Sam", last_name="Leader")
    Membership.objects.create(user=user, provider=location.provider, role="senior_leader")
    return user


def _run(provider, user, **extra):
    quarter = quarter_of(timezone.localdate())
    return ReportRun(
        kind="quarterly",
        provider=provider,
        quarter=quarter.label,
        data_cutoff=timezone.now(),
        requested_at=timezone.now(),
        requested_by=user,
        **extra,
    )


def test_it_picks_exactly_the_cases_that_need_attention(provider, leader):
    expected = _seed(provider, leader, locations=2, cases=8)
    context = quarterly.quarterly_summary_data(provider, quarter_of(timezone.localdate()))
    shown = {v["case"].title: v["reasons"] for v in context["attention"]}
    assert set(shown) == {title for title, reason in expected.items() if reason}
    words = dict(zip(REASONS, quarterly.ATTENTION, strict=True))
    for title, reasons in shown.items():
        assert reasons == [words[expected[title]]], title
    others = {row.title for page in context["pages"] for row in page.others}
    assert others == {title for title, reason in expected.items() if not reason}
    counts = context["counts"]
    assert (counts.cases, counts.overclaims, counts.stale, counts.overdue_escalations) == (
        16,
        2,
        2,
        2,
    )
    assert counts.attention == 8


def test_it_gathers_the_summary_in_a_fixed_number_of_queries(provider, leader):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            quarterly.quarterly_summary_data(provider, quarter_of(timezone.localdate()))
        return len(ctx.captured_queries)

    _seed(provider, leader, locations=1, cases=5, evidence=1)
    few = queries()
    _seed(provider, leader, locations=3, cases=25, evidence=4)
    assert queries() == few


def test_it_reads_a_past_quarter_as_it_stood(provider, leader):
    expected = _seed(provider, leader, locations=1, cases=6)
    quarter = quarter_of(timezone.localdate())
    later = timezone.now() + timedelta(days=1)
    past = quarterly.quarterly_summary_data(
        provider, quarter.previous(), now=timezone.now() + timedelta(days=1)
    )
    assert past["counts"].cases == 0  # every case was opened this quarter
    now = quarterly.quarterly_summary_data(provider, quarter, now=later)
    assert now["counts"].attention == sum(1 for r in expected.values() if r)


@needs_pdftotext
def test_it_shows_in_full_only_the_cases_that_need_attention(provider, leader, tmp_path):
    expected = _seed(provider, leader, locations=3, cases=30)
    pdf, _ = services.build_pdf(_run(provider, leader))
    out = tmp_path / "report.pdf"
    out.write_bytes(pdf)
    text = _text(out)
    attention_start = text.index("Shown in full, by location")
    others_start = text.rindex("Every other case, by location")
    in_full = text[attention_start:others_start]
    table = text[others_start:]
    assert text.count("Needs attention:") == 12
    # each in full: its figures, and its steps and escalations in a few words
    flat = " ".join(in_full.split())
    assert flat.count("Spread:") == flat.count("Steps: all 5 completed. Escalations: 1") == 12
    for title, reason in expected.items():
        if reason:
            assert title in in_full and title not in table, title
        else:
            assert title in table and title not in in_full, title
    assert len(expected) == 90


@needs_pdftotext
def test_the_pdf_has_a_contents_page_uk_dates_commentary_and_the_comparison(
    provider, leader, tmp_path
):
    _seed(provider, leader, locations=2, cases=6)
    commentary = "Falls work at Site 1 is slower than planned.\nWe have asked for a recovery plan."
    pdf, _ = services.build_pdf(_run(provider, leader, commentary=commentary))
    out = tmp_path / "report.pdf"
    out.write_bytes(pdf)
    text = _text(out, layout=True)
    pages = text.split("\f")
    contents = next(p for p in pages if "Contents" in p)
    assert re.search(r"Executive summary +\.{5,} *\d+", contents)
    assert re.search(r"Site 1 +\.{5,} *\d+", contents)
    # UK dates only: "3 December 2026", never 03/12/26, 2026-12-03 or 3 Dec 2026
    flat = " ".join(text.split())
    assert re.search(
        r"\b\d{1,2} (January|February|March|April|May|June|July|August|"
        r"September|October|November|December) 20\d\d\b",
        flat,
    )
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", flat)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", flat)
    months = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
    assert not re.search(rf"\b\d{{1,2}} ({months}) 20\d\d\b", flat)
    # the commentary on the summary page, with who wrote it
    summary = next(p for p in pages if "Executive summary" in p and "Contents" not in p)
    assert "Falls work at Site 1 is slower than planned." in summary
    assert "Written by Sam Leader" in summary
    # the previous quarter side by side with the change
    quarter = quarter_of(timezone.localdate())
    assert f"Compared with {quarter.previous().label}" in flat
    row = re.search(r"Judgements above the evidence +(\d+) +(\d+) +([+-]?\d+)", text)
    assert row and row.groups() == ("0", "2", "+2")


def test_the_full_layout_is_for_one_location(provider, leader):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.report_request_quarterly(
            actor=leader,
            actor_roles={"senior_leader"},
            provider=provider,
            quarter=quarter_of(timezone.localdate()),
            layout="full",
        )
    location = provider.locations.first()
    _seed(provider, leader, locations=1, cases=3)
    html = services.report_html(_run(provider, leader, location=location, layout="full"))
    for title in ["Case S0-00", "Case S0-01", "Case S0-02"]:
        assert html.count(f"<h2>{title}</h2>") == 1  # every case in full
    assert "Other cases" not in html


def test_it_names_files_after_the_provider_and_quarter_or_the_case(provider, leader):
    provider.name = "Oakfield Care Group"
    provider.save()
    run = _run(provider, leader)
    run.quarter = "2026-Q3"
    assert run.filename == "oakfield-care-group-quarterly-report-2026-Q3.pdf"
    assert run.index_filename == "oakfield-care-group-evidence-index-2026-Q3.xlsx"
    location = provider.locations.first()
    location.name = "Elm House"
    run.location = location
    assert run.filename == "oakfield-care-group-elm-house-quarterly-report-2026-Q3.pdf"
    _seed(provider, leader, locations=1, cases=1)
    case = ImprovementCase.objects.get()
    case.title = "Falls: the night team's checks!"
    summary = ReportRun(kind="case", provider=provider, location=location, case=case)
    assert summary.filename == "falls-the-night-teams-checks-assurance-summary.pdf"


def test_it_writes_the_evidence_index_workbook_with_the_run(
    client, provider, leader, django_capture_on_commit_callbacks
):
    expected = _seed(provider, leader, locations=3, cases=4, evidence=2)
    withdrawn = EvidenceItem.objects.filter(case__title="Case S1-03").first()
    EvidenceItem.objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=timezone.now(), withdrawn_reason="Wrong case"
    )
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request_quarterly", args=[provider.slug]),
            {"quarter": quarter_of(timezone.localdate()).label, "location": ""},
        )
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE, run.error
    assert run.index_file and len(run.index_sha256) == 64 and run.index_size > 1000
    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    index_url = reverse("reports:report_index_download", args=[run.uuid])
    assert index_url in page and "Download the evidence index (XLSX)" in page
    download = client.get(index_url)
    assert download.status_code == 200
    assert run.index_filename in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    import hashlib

    assert hashlib.sha256(body).hexdigest() == run.index_sha256
    assert ReportDownload.objects.filter(run=run, file=DownloadedFile.INDEX).count() == 1

    # the API offers the same file, recorded the same way
    from tests.api.conftest import make_token

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {make_token(leader)}"}
    listed = client.get("/api/v1/report-runs/", **bearer).json()["results"][0]
    assert listed["index_sha256"] == run.index_sha256
    assert listed["index_download_url"].endswith(f"/report-runs/{run.uuid}/evidence-index/")
    assert client.get(listed["index_download_url"], **bearer).status_code == 200
    assert ReportDownload.objects.filter(run=run, file=DownloadedFile.INDEX).count() == 2

    path = run.index_file.storage.path(run.index_file.name)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["Elm House", "Site 1", "Site 2"]
    rows = []
    for sheet in workbook.worksheets:
        table = list(sheet.iter_rows(min_row=5, values_only=True))
        rows += [(sheet.title, *r) for r in table if r[0]]
    items = EvidenceItem.objects.select_related("case__location").prefetch_related("files")
    assert len(rows) == items.count() == 3 * 4 * 2 + 3  # + one per "evidence changed" case
    by_summary = {r[7]: r for r in rows}
    for item in items:
        row = by_summary[item.summary]
        assert row[0] == item.case.location.name and row[1] == item.case.title
        assert row[9] == "\n".join(f.sha256 for f in item.files.all()) or (
            not item.files.exists() and not row[9]
        )
        assert row[6] == ("Withdrawn" if item.pk == withdrawn.pk else "Current")
    assert len(expected) == 12


def test_the_request_form_keeps_the_commentary_when_it_is_too_long(client, provider, leader):
    client.force_login(leader)
    response = client.post(
        reverse("reports:request_quarterly", args=[provider.slug]),
        {"quarter": quarter_of(timezone.localdate()).label, "commentary": "x" * 2001},
    )
    assert response.status_code == 200
    assert "Shorten the commentary to 2,000 characters or fewer" in response.content.decode()
    assert "x" * 2001 in response.content.decode()
    assert not ReportRun.objects.exists()
    response = client.post(
        reverse("reports:request_quarterly", args=[provider.slug]),
        {"quarter": quarter_of(timezone.localdate()).label, "layout": "full", "location": ""},
    )
    assert "Choose one location for a full report" in response.content.decode()
    assert not ReportRun.objects.exists()


def test_the_render_command_writes_the_index(provider, leader, tmp_path):
    _seed(provider, leader, locations=1, cases=2, evidence=2)
    out, index = tmp_path / "r.pdf", tmp_path / "i.xlsx"
    call_command(
        "render_report",
        "quarterly",
        "--provider",
        provider.slug,
        "--quarter",
        quarter_of(timezone.localdate()).label,
        "--out",
        str(out),
        "--index",
        str(index),
    )
    sheet = load_workbook(index, read_only=True).worksheets[0]
    # two cases of two items, and one item added after the judgement of the second
    assert sum(1 for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]) == 5
    assert Location.objects.count() == 1


def _location_page(html, location):
    start = html.index(f'<section class="location-page" id="location-{location.pk}">')
    return html[start : html.index("</section>", start)]


def test_a_location_with_no_rating_recorded_gets_a_sentence_not_a_table_of_dashes(
    provider, location, registered_manager, senior_leader
):
    from assurance.organisations.access import roles_at_location
    from assurance.rating import services as rating_services
    from domains.models import QualityStatement
    from reports import rendering
    from tests.builders import load_fictional_framework, record_self_judgement, switch_framework

    quiet = LocationFactory(provider=provider, name="Quiet House")
    round_judged = LocationFactory(provider=provider, name="Round House")
    round_quiet = LocationFactory(provider=provider, name="Round Quiet")
    fictional = load_fictional_framework()
    for place in (round_judged, round_quiet):
        switch_framework(place, fictional, senior_leader, effective_on=timezone.localdate())
    rating_services.statement_score_add(
        actor=registered_manager,
        actor_roles=roles_at_location(registered_manager, location),
        location=location,
        quality_statement=QualityStatement.objects.get(
            key_question__framework__slug="saf-2024", code="S1"
        ),
        score=3,
        assessed_on=timezone.localdate(),
        rationale="Scored 3.",
    )
    round_manager = UserFactory(username="round-rm")
    Membership.objects.create(
        user=round_manager, provider=provider, location=round_judged, role="registered_manager"
    )
    record_self_judgement(round_judged, round_manager, "safe", "Good")
    context = quarterly.quarterly_summary_data(provider, quarter_of(timezone.localdate()))
    briefs = {page.location: page.rating for page in context["pages"]}
    assert [briefs[p].nothing_recorded for p in (location, quiet, round_judged, round_quiet)] == [
        False,
        True,
        False,
        True,
    ]
    html = rendering.render_html(rendering.TEMPLATES["quarterly_summary"], context)
    for place in (location, round_judged):
        assert '<table class="brief">' in _location_page(html, place), place
    for place, words in [
        (quiet, "none of the 34 quality statements is scored yet"),
        (round_quiet, "no key question has a judgement in the round yet"),
    ]:
        page = _location_page(html, place)
        assert '<table class="brief">' not in page, place
        assert "no published rating is recorded" in page and words in page, place

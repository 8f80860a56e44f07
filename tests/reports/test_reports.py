import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.cases.models import ImprovementCase, StepRecord
from assurance.demo import loader as demo
from assurance.judgement import services as judgement_services
from assurance.organisations.models import Location, Provider
from domains.models import KeyQuestion
from reports import data, rendering
from reports import services as report_services
from reports.models import ReportDownload, ReportRun, RunStatus
from reports.periods import parse_quarter
from tests.builders import GOVERNANCE_ARTEFACTS, complete_step, open_case

pytestmark = pytest.mark.django_db
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs poppler-utils (apt-get install poppler-utils)"
)
User = get_user_model()
JUSTIFICATION = (
    "We saw the night team apply the escalation sheet on four informal walkabouts; formal "
    "checks are booked for next month and we will re-record if they do not confirm it."
)


def _user(name):
    return User.objects.get(username=name)


def _pdf_text(path, *, layout=True):
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def seeded():
    demo.seed()
    return Provider.objects.get(slug="oakfield-care")


@pytest.fixture
def overclaim_case(seeded):
    """A records case at Oakfield House taken to step 5 with a judgement above the evidence."""
    house = Location.objects.get(name="Oakfield House")
    case = open_case(
        location=house,
        actor=_user("quality.lead"),
        domain="record-quality",
        title="Handover notes that staff trust",
    )
    for number, name in [
        (1, "quality.lead"),
        (2, "registered.manager"),
        (3, "deputy.manager"),
        (4, "team.leader"),
    ]:
        complete_step(case, number, _user(name))
    judgement_services.judgement_record(
        actor=_user("registered.manager"),
        actor_roles={"registered_manager"},
        case=case,
        version=StepRecord.objects.get(case=case, number=5).version,
        level="service_wide",
        key_questions=[KeyQuestion.objects.get(slug="safe")],
        not_yet="Responsive.",
        rationale="Handover audits are strong.",
        escalate=False,
        overclaim_justification=JUSTIFICATION,
    )
    return case


def _render_quarterly(provider, quarter, out):
    call_command(
        "render_report", "quarterly", "--provider", provider, "--quarter", quarter, "--out", out
    )


@needs_pdftotext
def test_it_renders_the_quarterly_pdf_with_the_whole_story(seeded, overclaim_case, tmp_path):
    out = tmp_path / "report.pdf"
    _render_quarterly("oakfield-care", "2026-Q4", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = " ".join(_pdf_text(out).split())
    assert "Oakfield Care Group" in text and "2026-Q4" in text
    for location in Location.objects.filter(provider=seeded):
        assert location.name in text
    # reading order, not layout: a title that wraps in a table cell stays whole
    raw = " ".join(_pdf_text(out, layout=False).split())
    for case in ImprovementCase.objects.filter(location__provider=seeded):
        assert case.title in raw, case.title
    # the two judgements above the evidence are shown in full (the demo medicines case too)
    assert "Judgement: Service-wide" in text and "Judgement exceeds evidence" in text
    assert re.search(r"Judgements above the evidence 2\b", text)
    assert "Contents" in text and "Other cases" in text
    assert "evidence index" in text and "Appendix: evidence index" not in text
    assert "Page 1 of" in text and "not a CQC rating" in text


@needs_pdftotext
def test_it_renders_the_case_summary_pdf(seeded, tmp_path):
    case = ImprovementCase.objects.get(domain__slug="governance")
    out = tmp_path / "summary.pdf"
    call_command("render_report", "case", "--case", str(case.uuid), "--out", str(out))
    text = " ".join(_pdf_text(out).split())
    assert case.title in text
    for label in [*GOVERNANCE_ARTEFACTS, "Corroboration grid"]:
        assert label in text


def test_it_refuses_bad_command_arguments(seeded):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not a quarter"):
        _render_quarterly("oakfield-care", "Q3", "/tmp/x.pdf")
    with pytest.raises(CommandError, match="No provider"):
        _render_quarterly("nobody", "2026-Q3", "/tmp/x.pdf")


def test_it_renders_in_the_background_once_and_archives_the_file(
    client, seeded, django_capture_on_commit_callbacks
):
    client.force_login(_user("senior.leader"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request_quarterly", args=["oakfield-care"]),
            {"quarter": "2026-Q4", "location": ""},
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and str(run.uuid) in response["Location"]
    assert run.status == RunStatus.DONE  # eager Celery in tests
    assert run.size > 1000 and len(run.sha256) == 64
    file_name = run.file.name
    # a second delivery of the same task does nothing: one run, one file
    assert report_services.report_render(run.pk) is False
    run.refresh_from_db()
    assert run.file.name == file_name and run.attempts == 1
    files = list(Path(run.file.storage.location, "reports").rglob("*.pdf"))
    assert len(files) == 1
    # progress page and download, recorded
    assert (
        "Download the PDF"
        in client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    )
    download = client.get(reverse("reports:report_download", args=[run.uuid]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert ReportDownload.objects.filter(run=run, user=_user("senior.leader")).count() == 1
    # regenerating creates a new run; the old stays listed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("reports:request_quarterly", args=["oakfield-care"]),
            {"quarter": "2026-Q4", "location": ""},
        )
    assert ReportRun.objects.count() == 2
    listing = client.get(
        reverse("reports:provider_reports", args=["oakfield-care"])
    ).content.decode()
    assert listing.count("October to December 2026 · All locations") == 2


def _q3_run(provider):
    return ReportRun.objects.create(
        kind="quarterly",
        provider=provider,
        quarter="2026-Q3",
        data_cutoff=data.cutoff_for(parse_quarter("2026-Q3")),
        requested_by=_user("senior.leader"),
    )


def test_it_marks_a_failed_render_with_its_message_and_can_retry(
    seeded, monkeypatch, django_capture_on_commit_callbacks
):
    run = _q3_run(seeded)

    def broken(html, target=None):
        raise RuntimeError("Pango is missing")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    assert report_services.report_render(run.pk) is False
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Pango is missing" in run.error
    assert not run.file
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert report_services.report_retry(actor=_user("senior.leader"), run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_it_guards_reports(client, seeded, django_capture_on_commit_callbacks):
    url = reverse("reports:request_quarterly", args=["oakfield-care"])
    form = {"quarter": "2026-Q4", "location": ""}
    assert client.post(url, form).status_code == 302  # anonymous -> login
    client.force_login(_user("outsider"))
    assert client.post(url, form).status_code == 404
    client.force_login(_user("team.leader"))
    assert client.post(url, form).status_code == 403
    assert not ReportRun.objects.exists()
    # a Registered Manager may request their own location's report, not the provider's
    client.force_login(_user("registered.manager"))
    house = Location.objects.get(name="Oakfield House")
    client.post(url, form)
    assert not ReportRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"quarter": "2026-Q4", "location": str(house.uuid)})
    run = ReportRun.objects.get()
    assert run.location == house
    # archived run downloads are checked the same way
    download = reverse("reports:report_download", args=[run.uuid])
    client.force_login(_user("outsider"))
    assert client.get(download).status_code == 404
    client.force_login(_user("team.leader"))
    assert client.get(download).status_code == 403
    client.force_login(_user("senior.leader"))
    assert client.get(download).status_code == 200


def test_it_hides_a_provider_report_from_another_providers_senior_leader(client, seeded):
    from assurance.organisations.models import Membership

    run = _q3_run(seeded)
    other = Provider.objects.get(slug="northgate-living")
    leader = User.objects.create_user("northgate.leader", password="x" * 20)
    Membership.objects.create(user=leader, provider=other, role="senior_leader")
    client.force_login(leader)
    assert client.get(reverse("reports:report_run", args=[run.uuid])).status_code == 404
    assert client.get(reverse("reports:report_download", args=[run.uuid])).status_code == 404
    assert (
        client.get(reverse("reports:provider_reports", args=["oakfield-care"])).status_code == 404
    )


def test_it_gathers_report_data_in_a_fixed_number_of_queries(location, quality_lead):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            data.quarterly_data(location.provider, parse_quarter("2026-Q4"))
        return len(ctx.captured_queries)

    open_case(location=location, actor=quality_lead, title="Case 0")
    one = queries()
    for i in range(1, 20):
        open_case(location=location, actor=quality_lead, title=f"Case {i}")
    assert queries() == one


def test_it_refuses_external_urls_in_the_pdf_fetcher(tmp_path, settings):
    for url in [
        "http://example.org/tracker.png",
        "https://169.254.169.254/latest/",
        "file:///etc/passwd",
        "ftp://example.org/x",
    ]:
        with pytest.raises(rendering.FetchRefused):
            rendering.check_url(url)
    css = Path(settings.BASE_DIR, "static", "css", "app.css").resolve()
    assert rendering.check_url(css.as_uri()) == css


def test_it_never_fetches_a_url_a_user_typed(location, quality_lead, monkeypatch):
    case = open_case(
        location=location,
        actor=quality_lead,
        title='<img src="http://example.org/beacon.png"> Beacon',
    )
    fetched = []
    real = rendering.check_url

    def spy(url):
        fetched.append(url)
        return real(url)

    monkeypatch.setattr(rendering, "check_url", spy)
    context = data.case_summary_data(case)
    html = rendering.render_html(rendering.TEMPLATES["case"], context)
    assert "&lt;img" in html  # escaped: text, not markup
    pdf = rendering.render_pdf(html.replace("Beacon", '<img src="http://example.org/x.png">'))
    assert pdf.startswith(b"%PDF")
    assert fetched == ["http://example.org/x.png"]  # asked, and refused by check_url


def test_it_previews_the_same_template_in_the_browser(client, seeded):
    client.force_login(_user("senior.leader"))
    page = client.get(
        reverse("reports:quarterly_preview", args=["oakfield-care"]), {"quarter": "2026-Q4"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Quarterly assurance report" in text and "Executive summary" in text
    case = ImprovementCase.objects.get(domain__slug="governance")
    page = client.get(reverse("reports:case_summary", args=[case.uuid]))
    assert case.title in page.content.decode()


def test_it_keeps_working_when_the_task_queue_is_down(
    client, seeded, monkeypatch, django_capture_on_commit_callbacks
):
    from assurance.config.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    client.force_login(_user("senior.leader"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request_quarterly", args=["oakfield-care"]),
            {"quarter": "2026-Q4", "location": ""},
        )
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == RunStatus.FAILED and "task queue was not reachable" in run.error
    page = client.get(reverse("reports:report_run", args=[run.uuid])).content.decode()
    assert "Retry" in page


def test_it_shows_a_past_quarter_as_it_stood_at_the_cut_off(location, team, quality_lead):
    from datetime import timedelta

    from django.utils import timezone

    from reports.periods import quarter_of
    from tests.builders import add_evidence

    case = open_case(location=location, actor=quality_lead, title="Older case")
    last_quarter = quarter_of(timezone.localdate()).previous()
    ImprovementCase.objects.filter(pk=case.pk).update(
        opened_at=timezone.now() - timedelta(days=200)
    )
    add_evidence(case, quality_lead, team=team, days_ago=1)  # after last quarter ended
    past = data.quarterly_data(location.provider, last_quarter)
    (view,) = past["cases"]
    assert view["case"].title == "Older case"
    assert view["evidence"] == []
    now = data.quarterly_data(location.provider, quarter_of(timezone.localdate()))
    assert len(now["cases"][0]["evidence"]) == 1

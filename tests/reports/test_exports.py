"""CSV and XLSX exports of the list pages: the rows the filters show, UK dates and labels,
formula escaping, scoped exactly like the page, recorded, constant queries."""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import CaseStatus
from assurance.organisations.models import Location
from domains.roles import Role
from evidence import services as evidence_services
from reports import exports
from reports.models import ExportRecord, ReportKind, ReportRun, RunStatus
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import add_evidence, complete_step, open_case
from tests.factories import LocationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LOCATION_LISTS = ["cases", "evidence", "escalations", "reviews", "rating", "members", "packs"]
PROVIDER_LISTS = ["cases", "escalations", "reviews", "members", "reports"]


def location_url(location, name, fmt="csv", query=""):
    url = reverse("reports:location_export", args=[location.uuid, name, fmt])
    return f"{url}?{query}" if query else url


def provider_url(provider, name, fmt="csv", query=""):
    url = reverse("reports:provider_export", args=[provider.slug, name, fmt])
    return f"{url}?{query}" if query else url


def read_csv(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # so Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def read_xlsx(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- the one escaping function ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2", "'-2"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tindented", "'\tindented"),
        ("\rcarriage", "'\rcarriage"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (-2, -2),
        (3.5, 3.5),
        (None, None),
        (date(2026, 9, 30), date(2026, 9, 30)),
    ],
)
def test_it_escapes_cells_a_spreadsheet_would_run(value, expected):
    assert exports.escape_cell(value) == expected


def test_it_writes_uk_dates_and_labels():
    assert exports.csv_text(date(2026, 9, 30)) == "30 September 2026"
    assert exports.csv_text(date(2026, 3, 1)) == "1 March 2026"
    moment = timezone.make_aware(datetime(2026, 7, 1, 9, 5))
    assert exports.csv_text(moment) == "1 July 2026, 09:05"
    assert exports.csv_text(True) == "Yes" and exports.csv_text(False) == "No"
    assert exports.csv_text(None) == ""
    assert exports.csv_text("-1") == "'-1"


# --- cases ------------------------------------------------------------------------------------


@pytest.fixture
def cases(location, quality_lead, registered_manager):
    governance = open_case(location=location, actor=quality_lead, title="Governance grip")
    complete_step(governance, 1, quality_lead)
    records = open_case(
        location=location, actor=quality_lead, domain="record-quality", title="=cmd|' /C calc'!A0"
    )
    closed = open_case(location=location, actor=quality_lead, title="Closed one")
    from assurance.cases import services as cases_services

    cases_services.case_set_status(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        case=closed,
        new_status=CaseStatus.CLOSED,
        reason="The work is finished and embedded.",
    )
    return governance, records, closed


def test_it_exports_the_filtered_cases_as_csv(client, location, registered_manager, cases):
    governance, records, closed = cases
    client.force_login(registered_manager)
    rows = read_csv(client.get(location_url(location, "cases", query="status=open")))
    assert [row["Case"] for row in rows] == ["'=cmd|' /C calc'!A0", "Governance grip"]
    by_title = {row["Case"]: row for row in rows}
    row = by_title["Governance grip"]
    assert row["Status"] == "Open"
    assert row["Current step"] == "2"
    assert row["Domain"] == governance.domain.name
    assert row["Location"] == "Elm House"
    assert row["Opened"].startswith(uk(timezone.localdate(governance.opened_at)))
    assert row["Improvement began"] == "1 March 2026"
    assert row["Judgement"] == "Not yet recorded"
    assert row["Case ID"] == str(governance.uuid)
    assert row["Link"].endswith(reverse("casework:case_detail", args=[governance.uuid]))

    rows = read_csv(client.get(location_url(location, "cases", query="domain=governance")))
    assert sorted(row["Case"] for row in rows) == ["Closed one", "Governance grip"]
    rows = read_csv(client.get(location_url(location, "cases", query="status=closed")))
    assert [row["Status"] for row in rows] == ["Closed"]


def test_it_exports_the_filtered_cases_as_xlsx(client, location, registered_manager, cases):
    governance, records, closed = cases
    client.force_login(registered_manager)
    rows = read_xlsx(client.get(location_url(location, "cases", "xlsx", "status=open&step=2")))
    assert len(rows) == 1
    row = rows[0]
    assert row["Case"].value == "Governance grip"
    assert row["Status"].value == "Open"
    assert row["Current step"].value == 2
    # Dates are real dates, shown the UK way.
    assert row["Improvement began"].value == datetime(2026, 3, 1)
    assert row["Improvement began"].number_format == "d mmmm yyyy"
    assert row["Opened"].number_format == "d mmmm yyyy hh:mm"

    rows = read_xlsx(client.get(location_url(location, "cases", "xlsx", "domain=record-quality")))
    # A title that looks like a formula stays text, escaped.
    assert rows[0]["Case"].value == "'=cmd|' /C calc'!A0"
    assert rows[0]["Case"].data_type == "s"


def test_it_exports_every_page_not_just_the_first(client, location, quality_lead, senior_leader):
    for i in range(23):
        open_case(location=location, actor=quality_lead, title=f"Case {i:02}")
    client.force_login(senior_leader)
    assert len(read_csv(client.get(location_url(location, "cases")))) == 23
    assert len(read_xlsx(client.get(provider_url(location.provider, "cases", "xlsx")))) == 23


def test_the_pages_link_to_their_exports_with_their_filters(
    client, location, registered_manager, cases
):
    client.force_login(registered_manager)
    page = client.get(
        reverse("casework:location_cases", args=[location.uuid]) + "?status=open&page=1"
    )
    html = page.content.decode()
    assert "Download CSV" in html and "Download XLSX" in html
    assert location_url(location, "cases", "csv", "status=open") in html.replace("&amp;", "&")
    assert location_url(location, "cases", "xlsx", "status=open") in html.replace("&amp;", "&")
    # The htmx fragment (the filters changed in place) carries the links too.
    fragment = client.get(
        reverse("casework:location_cases", args=[location.uuid]) + "?domain=governance",
        HTTP_HX_REQUEST="true",
    )
    assert location_url(location, "cases", "csv", "domain=governance") in fragment.content.decode()
    pages = {
        "escalations": reverse("escalations:location_escalations", args=[location.uuid]),
        "reviews": reverse("reviews:location_reviews", args=[location.uuid]),
        "rating": reverse("rating:location_rating", args=[location.uuid]),
        "members": reverse("organisations:location_detail", args=[location.uuid]),
        "evidence": reverse("evidence:location_register", args=[location.uuid]),
        "packs": reverse("reports:location_packs", args=[location.uuid]),
    }
    for name, url in pages.items():
        assert location_url(location, name) in client.get(url).content.decode(), name
    provider = location.provider
    provider_pages = {
        "cases": reverse("casework:provider_cases", args=[provider.slug]),
        "escalations": reverse("escalations:provider_escalations", args=[provider.slug]),
        "reviews": reverse("reviews:provider_reviews", args=[provider.slug]),
        "members": reverse("organisations:provider_detail", args=[provider.slug]),
        "reports": reverse("reports:provider_reports", args=[provider.slug]),
    }
    for name, url in provider_pages.items():
        assert provider_url(provider, name) in client.get(url).content.decode(), name


# --- the evidence register ---------------------------------------------------------------------


@pytest.fixture
def evidence(location, team, quality_lead, registered_manager):
    case = open_case(location=location, actor=quality_lead)
    other = open_case(location=location, actor=quality_lead, title="Another case")
    audit = add_evidence(case, quality_lead, team=team, days_ago=3)
    feedback = add_evidence(case, quality_lead, source="feedback", stance="contradicts")
    withdrawn = add_evidence(case, quality_lead, source="care_records", days_ago=40)
    evidence_services.evidence_withdraw(
        actor=registered_manager,
        actor_roles={Role.REGISTERED_MANAGER},
        item=withdrawn,
        reason="Recorded against the wrong case.",
    )
    elsewhere = add_evidence(other, quality_lead)
    return case, audit, feedback, withdrawn, elsewhere


def test_it_exports_the_evidence_register_with_its_filters(client, location, viewer, evidence):
    case, audit, feedback, withdrawn, elsewhere = evidence
    client.force_login(viewer)
    rows = read_csv(client.get(location_url(location, "evidence")))
    assert len(rows) == 4
    rows = read_csv(client.get(location_url(location, "evidence", query=f"case={case.uuid}")))
    assert {row["Item ID"] for row in rows} == {
        str(audit.uuid),
        str(feedback.uuid),
        str(withdrawn.uuid),
    }
    rows = read_csv(
        client.get(location_url(location, "evidence", query=f"case={case.uuid}&status=withdrawn"))
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["Status"] == "Withdrawn"
    assert row["Why withdrawn"] == "Recorded against the wrong case."
    assert row["Source"] == "Care records"
    assert row["Date it describes"] == uk(withdrawn.occurred_on)
    rows = read_csv(client.get(location_url(location, "evidence", query="stance=contradicts")))
    assert [row["Stance"] for row in rows] == ["Contradicts the claim"]
    start = (timezone.localdate() - timedelta(days=6)).isoformat()
    rows = read_xlsx(client.get(location_url(location, "evidence", "xlsx", f"from={start}")))
    assert {row["Item ID"].value for row in rows} == {
        str(audit.uuid),
        str(feedback.uuid),
        str(elsewhere.uuid),
    }
    assert {row["Team"].value for row in rows} == {"Day team", None}


def test_the_register_page_shows_the_same_rows_as_its_export(client, location, viewer, evidence):
    case, audit, feedback, withdrawn, elsewhere = evidence
    client.force_login(viewer)
    query = f"case={case.uuid}&status=current"
    page = client.get(reverse("evidence:location_register", args=[location.uuid]) + "?" + query)
    assert page.status_code == 200
    shown = {item.uuid for item in page.context["page"].object_list}
    exported = {
        row["Item ID"]
        for row in read_csv(client.get(location_url(location, "evidence", query=query)))
    }
    assert {str(u) for u in shown} == exported == {str(audit.uuid), str(feedback.uuid)}
    # A hand-edited URL is ignored on the page and in the export alike, never a 500.
    bad = "from=30/09/2026&status=nonsense&case=not-a-uuid"
    assert (
        client.get(
            reverse("evidence:location_register", args=[location.uuid]) + "?" + bad
        ).status_code
        == 200
    )
    assert len(read_csv(client.get(location_url(location, "evidence", query=bad)))) == 4


def test_an_evidence_summary_that_looks_like_a_formula_is_escaped(
    client, location, quality_lead, registered_manager
):
    case = open_case(location=location, actor=quality_lead)
    item = add_evidence(case, quality_lead)
    item.summary = '=HYPERLINK("http://evil.example","Click")'
    item.save(update_fields=["summary"])
    client.force_login(registered_manager)
    row = read_csv(client.get(location_url(location, "evidence")))[0]
    assert row["Evidence"] == '\'=HYPERLINK("http://evil.example","Click")'
    cell = read_xlsx(client.get(location_url(location, "evidence", "xlsx")))[0]["Evidence"]
    assert cell.value == row["Evidence"] and cell.data_type == "s"


# --- escalations, reviews, the rating picture, members, runs ----------------------------------


def test_it_exports_escalations_with_the_status_filter(
    client, location, quality_lead, registered_manager
):
    case = open_case(location=location, actor=quality_lead)
    escalation(case, days=-3, owner=registered_manager, action="Observe night handovers")
    escalation(case, days=10, action="Re-audit MAR charts")
    client.force_login(registered_manager)
    rows = read_csv(client.get(location_url(location, "escalations", query="status=overdue")))
    assert [row["Action"] for row in rows] == ["Observe night handovers"]
    assert rows[0]["Overdue"] == "Yes"
    assert rows[0]["Owner"] == registered_manager.get_full_name()
    assert rows[0]["Trigger"] == "Raised by hand"
    assert rows[0]["Due"] == uk(timezone.localdate() - timedelta(days=3))
    rows = read_csv(client.get(location_url(location, "escalations")))  # the page's default
    assert len(rows) == 2
    assert {r["Owner"] for r in rows} == {registered_manager.get_full_name(), "Not assigned"}


def test_it_exports_reviews(client, location, quality_lead, senior_leader):
    case = open_case(location=location, actor=quality_lead)
    monthly_review(case, days=-2)
    quarterly_review(location.provider, days=5)
    client.force_login(senior_leader)
    rows = read_csv(client.get(location_url(location, "reviews")))
    assert [row["State"] for row in rows] == ["Overdue"]
    assert rows[0]["Review"].startswith("Monthly review")
    assert rows[0]["Case"] == case.title
    rows = read_csv(client.get(provider_url(location.provider, "reviews")))
    assert sorted(row["Review"].split()[0] for row in rows) == ["Monthly", "Quarterly"]


def test_it_exports_the_rating_picture(client, location, registered_manager):
    client.force_login(registered_manager)
    rows = read_csv(client.get(location_url(location, "rating")))
    names = [row["Key question"] for row in rows]
    assert names[:5] == ["Safe", "Effective", "Caring", "Responsive", "Well-led"]
    assert rows[0]["Computed"] == "Not scored"
    rows = read_xlsx(client.get(location_url(location, "rating", "xlsx")))
    assert rows[0]["Key question"].value == "Safe"


def test_it_exports_members(client, location, registered_manager, viewer, senior_leader):
    client.force_login(viewer)
    rows = read_csv(client.get(location_url(location, "members")))
    assert {row["Role"] for row in rows} == {"Registered Manager", "Viewer"}
    assert {row["Email"] for row in rows} == {registered_manager.email, viewer.email}
    assert all(row["Where"] == "Elm House" for row in rows)
    rows = read_csv(client.get(provider_url(location.provider, "members")))
    assert [(row["Role"], row["Email"]) for row in rows] == [("Senior Leader", senior_leader.email)]


def _run(at, user, **fields):
    defaults = {
        "kind": ReportKind.QUARTERLY,
        "provider": at.provider,
        "quarter": "2026-Q2",
        "data_cutoff": timezone.now(),
        "requested_by": user,
        "status": RunStatus.DONE,
        "sha256": "ab" * 32,
        "size": 1234,
    }
    return ReportRun.objects.create(**{**defaults, **fields})


def test_it_exports_report_runs_and_packs(client, location, senior_leader, viewer):
    provider_wide = _run(location, senior_leader)
    _run(location, senior_leader, location=location, quarter="2026-Q1")
    pack = _run(
        location,
        viewer,
        kind=ReportKind.PACK,
        location=location,
        quarter="",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
    )
    client.force_login(senior_leader)
    rows = read_csv(client.get(provider_url(location.provider, "reports")))
    assert len(rows) == 2
    assert {row["SHA-256"] for row in rows} == {"ab" * 32}
    assert {row["Status"] for row in rows} == {"Ready"}
    link = reverse("reports:report_run", args=[provider_wide.uuid])
    assert any(row["Link"].endswith(link) for row in rows)
    rows = read_csv(client.get(location_url(location, "packs")))
    assert [row["Report"] for row in rows] == [str(pack)]
    assert "1 January 2026 to 31 March 2026" in rows[0]["Report"]
    # A viewer sees packs, but not the quarterly reports (Senior Leaders and managers only).
    client.force_login(viewer)
    assert len(read_csv(client.get(location_url(location, "packs")))) == 1
    assert read_csv(client.get(provider_url(location.provider, "reports"))) == []


# --- scope: exactly the page's ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_outsider_gets_404_from_every_export(client, location, outsider, fmt):
    client.force_login(outsider)
    for name in LOCATION_LISTS:
        assert client.get(location_url(location, name, fmt)).status_code == 404, name
    for name in PROVIDER_LISTS:
        assert client.get(provider_url(location.provider, name, fmt)).status_code == 404, name
    assert not ExportRecord.objects.exists()


def test_anonymous_is_sent_to_sign_in_and_unknown_exports_are_404(
    client, location, registered_manager
):
    response = client.get(location_url(location, "cases"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(registered_manager)
    assert client.get(location_url(location, "nothing")).status_code == 404
    assert client.get(location_url(location, "cases", "pdf")).status_code == 404
    assert client.get(provider_url(location.provider, "evidence")).status_code == 404


@pytest.fixture
def two_locations(location, quality_lead):
    """A second location of the same provider, with a case, evidence and an escalation."""
    second = LocationFactory(provider=location.provider, name="Birch Lodge")
    lead = UserFactory(username="lead2")
    MembershipFactory(user=lead, location=second, role=Role.QUALITY_LEAD)
    case = open_case(location=second, actor=lead, title="Birch case")
    add_evidence(case, lead)
    escalation(case, days=4, action="Birch action")
    mine = open_case(location=location, actor=quality_lead, title="Elm case")
    add_evidence(mine, quality_lead)
    escalation(mine, days=4, action="Elm action")
    return second


def test_a_viewer_exports_only_what_they_can_see(client, location, viewer, two_locations):
    client.force_login(viewer)  # a viewer at Elm House only
    provider = location.provider
    assert [r["Case"] for r in read_csv(client.get(provider_url(provider, "cases")))] == [
        "Elm case"
    ]
    assert [r["Action"] for r in read_csv(client.get(provider_url(provider, "escalations")))] == [
        "Elm action"
    ]
    # The provider list's location filter cannot reach a location they cannot see.
    query = f"location={two_locations.uuid}"
    assert read_csv(client.get(provider_url(provider, "cases", query=query))) == []
    # Another location of the same provider is a 404, as its pages are.
    for name in LOCATION_LISTS:
        assert client.get(location_url(two_locations, name)).status_code == 404, name
    assert len(read_csv(client.get(location_url(location, "evidence")))) == 1


def test_a_senior_leader_exports_every_location(client, location, senior_leader, two_locations):
    client.force_login(senior_leader)
    rows = read_csv(client.get(provider_url(location.provider, "cases")))
    assert sorted(r["Case"] for r in rows) == ["Birch case", "Elm case"]
    query = f"location={two_locations.uuid}"
    rows = read_csv(client.get(provider_url(location.provider, "cases", query=query)))
    assert [r["Location"] for r in rows] == ["Birch Lodge"]


def test_an_ended_membership_ends_exports_at_once(client, location, registered_manager, cases):
    client.force_login(registered_manager)
    assert client.get(location_url(location, "cases")).status_code == 200
    registered_manager.memberships.update(ended_at=timezone.now())
    assert client.get(location_url(location, "cases")).status_code == 404


# --- recorded ---------------------------------------------------------------------------------


def test_every_export_is_recorded(client, location, registered_manager, cases):
    client.force_login(registered_manager)
    response = client.get(location_url(location, "cases", query="status=open&page=2&step="))
    record = ExportRecord.objects.get()
    # Written as the download starts; the row count once the last row has gone out.
    assert record.row_count is None and record.finished_at is None
    read_csv(response)
    record.refresh_from_db()
    assert record.user == registered_manager
    assert record.list_name == "location-cases"
    assert record.title == "Improvement cases · Elm House"
    assert record.provider == location.provider and record.location == location
    assert record.filters == {"status": "open"}
    assert record.format == "csv"
    assert record.row_count == 2 and record.finished_at is not None
    read_xlsx(client.get(provider_url(location.provider, "members", "xlsx")))
    record = ExportRecord.objects.order_by("-id").first()
    assert (record.list_name, record.format, record.row_count, record.location) == (
        "provider-members",
        "xlsx",
        0,
        None,
    )


def test_export_records_are_read_only_in_the_admin(admin_client, location, registered_manager):
    record = ExportRecord.objects.create(
        user=registered_manager,
        list_name="location-cases",
        title="Improvement cases · Elm House",
        provider=location.provider,
        location=location,
        format="csv",
    )
    url = reverse("admin:reports_exportrecord_change", args=[record.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"title": "Changed"}).status_code == 403
    assert admin_client.get(reverse("admin:reports_exportrecord_add")).status_code == 403
    delete = reverse("admin:reports_exportrecord_delete", args=[record.pk])
    assert admin_client.get(delete).status_code == 403


# --- constant queries --------------------------------------------------------------------------

# Session, user, the fetcher's queries, the export record, the rows (a chunk at a time) and
# their prefetches, the finish; the rating picture reads the framework too.
EXPORT_QUERIES = 14
RATING_EXPORT_QUERIES = 17  # + the framework assignment and judgements then


def _count(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The rating picture works out what each case's evidence supports (its own prefetches).
    bound = RATING_EXPORT_QUERIES if "/rating" in url else EXPORT_QUERIES
    with django_assert_max_num_queries(bound), CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if url.endswith(".csv") or ".csv?" in url:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_exports_cost_the_same_queries_for_one_row_and_many(
    client, location, quality_lead, senior_leader, team, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
            add_evidence(case, quality_lead, team=team)
            escalation(case, days=i - 5)
            monthly_review(case, days=i)

    add(1, 0)
    client.force_login(senior_leader)
    urls = [location_url(location, name, fmt) for name in LOCATION_LISTS for fmt in ("csv", "xlsx")]
    urls += [
        provider_url(location.provider, name, fmt)
        for name in PROVIDER_LISTS
        for fmt in ("csv", "xlsx")
    ]
    ones = [_count(client, url, django_assert_max_num_queries) for url in urls]
    add(29, 1)
    many = [_count(client, url, django_assert_max_num_queries) for url in urls]
    assert ones == many, list(zip(urls, ones, many, strict=True))
    assert len(read_csv(client.get(location_url(location, "evidence")))) == 30
    assert Location.objects.count() == 1

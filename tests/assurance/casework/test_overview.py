"""The overview the provider and location pages open with: counts that link to the lists
they summarise, charts with their numbers in text, and the last four quarters as they stood."""

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.cases import charts
from assurance.cases.models import ImprovementCase
from assurance.casework import overview as ov
from assurance.escalations.models import Escalation
from assurance.judgement.models import ProportionalityJudgement
from tests.assurance.reviews.conftest import escalation, monthly_review
from tests.builders import add_evidence, open_case

pytestmark = pytest.mark.django_db


def _judge(case, actor, level, supported):
    return ProportionalityJudgement.objects.create(
        case=case,
        level=level,
        supportable_level=supported,
        not_yet="Safe: practice still mixed.",
        rationale="Audits improved.",
        recorded_by=actor,
    )


def _scene(location, quality_lead, registered_manager, n=1):
    """`n` groups of: a case judged above the evidence whose evidence then changed, a case
    judged within it, an overdue review and an overdue escalation."""
    for i in range(n):
        above = open_case(location=location, actor=quality_lead, title=f"Above {i}")
        _judge(above, registered_manager, "significant", "contained")
        add_evidence(above, quality_lead)  # after the judgement: the evidence changed
        within = open_case(location=location, actor=quality_lead, title=f"Within {i}")
        _judge(within, registered_manager, "emerging", "emerging")
        monthly_review(within, days=-3)
        escalation(within, days=-2)


def _by_label(figures):
    return {f.label: f for f in figures}


def test_it_counts_what_each_list_shows_and_links_to_it(
    client, location, provider, quality_lead, registered_manager
):
    _scene(location, quality_lead, registered_manager, n=2)
    open_case(location=location, actor=quality_lead, title="Not judged yet")
    result = ov.overview(registered_manager, provider=provider, location=location)
    assert result.cases_total.value == 5
    assert _by_label(result.by_status)["Open"].value == 5
    assert _by_label(result.by_level)["Significant"].value == 2
    assert _by_label(result.by_level)["Emerging"].value == 2
    attention = _by_label(result.attention)
    assert attention["Judgements above the evidence"].value == 2
    assert attention["Evidence changed since the judgement"].value == 2
    assert attention["Overdue reviews"].value == 2
    assert attention["Overdue escalations"].value == 2
    client.force_login(registered_manager)
    for figure in (result.cases_total, *result.by_status, *result.by_level, *result.attention):
        response = client.get(figure.href)
        assert response.status_code == 200, figure
        if "page" in response.context and "/cases/" in figure.href:
            assert response.context["page"].paginator.count == figure.value, figure
    cases_url = reverse("casework:location_cases", args=[location.uuid])
    assert attention["Judgements above the evidence"].href == f"{cases_url}?overclaim=1"
    assert attention["Evidence changed since the judgement"].href == f"{cases_url}?stale=1"
    reviews = attention["Overdue reviews"].href
    assert dict(parse_qsl(urlsplit(reviews).query)) == {"status": "overdue"}
    page = client.get(reviews).content.decode()
    assert page.count("Overdue") >= 2


def test_the_provider_page_and_location_page_open_with_the_overview(
    client, location, provider, quality_lead, registered_manager, senior_leader
):
    _scene(location, quality_lead, registered_manager)
    client.force_login(senior_leader)
    page = client.get(reverse("organisations:provider_detail", args=[provider.slug]))
    html = page.content.decode()
    assert 'id="overview-heading"' in html
    cases_url = reverse("casework:provider_cases", args=[provider.slug])
    assert f'href="{cases_url}?overclaim=1"' in html
    assert f'href="{cases_url}?level=significant"' in html
    assert "?status=overdue" in html
    # charts carry a title and a description with their numbers, and the numbers are in text
    assert '<title id="ov-status-chart-title">Cases by status</title>' in html
    assert "Cases by status: Open 2, Under review 0, Closed 0, Withdrawn 0." in html
    assert "Judgements above the evidence: <strong>1</strong>" in html
    assert "<script" not in html.split('id="overview-heading"')[1].split("</section>")[0]
    client.force_login(registered_manager)
    html = client.get(
        reverse("organisations:location_detail", args=[location.uuid])
    ).content.decode()
    location_cases = reverse("casework:location_cases", args=[location.uuid])
    assert f'href="{location_cases}?stale=1"' in html


def test_the_outsider_sees_no_overview_of_another_provider(client, provider, location, outsider):
    client.force_login(outsider)
    assert (
        client.get(reverse("organisations:provider_detail", args=[provider.slug])).status_code
        == 404
    )
    assert (
        client.get(reverse("organisations:location_detail", args=[location.uuid])).status_code
        == 404
    )


def test_the_trend_shows_each_quarter_as_it_stood_and_does_not_move_later(
    location, provider, quality_lead, registered_manager
):
    _scene(location, quality_lead, registered_manager)
    then = timezone.now()
    before = ov.overview(registered_manager, provider=provider, location=location, now=then)
    trend = {row.label: row.values for row in before.trend}
    assert trend["Open cases"][-1] == 2
    assert trend["Judgements above the evidence"][-1] == 1
    assert trend["Overdue reviews"][-1] == 1
    assert trend["Overdue escalations"][-1] == 1
    assert all(values[:-1] == (0, 0, 0) for values in trend.values())  # nothing before
    # Change the record afterwards: the judgement superseded, the escalation done.
    ProportionalityJudgement.objects.filter(level="significant").update(superseded_at=then)
    for row in ProportionalityJudgement.objects.filter(level="significant"):
        row.save()  # a history row, as the services write
    for e in Escalation.objects.all():
        e.status, e.outcome, e.closed_at = "done", "Checked on each unit.", timezone.now()
        e.save()
    again = ov.overview(registered_manager, provider=provider, location=location, now=then)
    assert {row.label: row.values for row in again.trend} == trend
    now = ov.overview(registered_manager, provider=provider, location=location)
    latest = {row.label: row.values[-1] for row in now.trend}
    assert latest["Judgements above the evidence"] == 0
    assert latest["Overdue escalations"] == 0


def test_it_reads_the_last_four_quarters_ending_with_the_one_under_way():
    now = timezone.make_aware(datetime(2026, 12, 3, 9, 30))
    quarters = ov.last_quarters(now)
    assert [q.words for q in quarters] == [
        "January to March 2026",
        "April to June 2026",
        "July to September 2026",
        "October to December 2026",
    ]
    assert [q.ended for q in quarters] == [True, True, True, False]
    assert quarters[-1].cutoff == now
    assert timezone.localtime(quarters[2].cutoff).date().isoformat() == "2026-09-30"
    assert ov.last_quarters(timezone.make_aware(datetime(2027, 1, 2)))[0].short == "Q2 2026"


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_overview_pages_stay_flat(
    client, location, provider, quality_lead, registered_manager, senior_leader,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(senior_leader)
    provider_url = reverse("organisations:provider_detail", args=[provider.slug])
    location_url = reverse("organisations:location_detail", args=[location.uuid])
    _scene(location, quality_lead, registered_manager, n=1)
    with django_assert_max_num_queries(PROVIDER_PAGE_QUERIES):
        client.get(provider_url)
    with django_assert_max_num_queries(LOCATION_PAGE_QUERIES):
        client.get(location_url)
    one = (_page_queries(client, provider_url), _page_queries(client, location_url))
    _scene(location, quality_lead, registered_manager, n=8)
    with django_assert_max_num_queries(PROVIDER_PAGE_QUERIES):
        client.get(provider_url)
    with django_assert_max_num_queries(LOCATION_PAGE_QUERIES):
        client.get(location_url)
    many = (_page_queries(client, provider_url), _page_queries(client, location_url))
    assert one == many, (one, many)


# The page's own queries (with its paged members and, on the provider page, its paged
# locations) plus the overview's: 6 for the counts of now, 1 to check the cached ended
# quarters and, on a first visit, 4 for each of them (assurance/casework/overview.py).
PROVIDER_PAGE_QUERIES = 29
LOCATION_PAGE_QUERIES = 27


def test_the_overview_alone_is_a_fixed_number_of_queries(
    location, provider, quality_lead, registered_manager, django_assert_max_num_queries
):
    _scene(location, quality_lead, registered_manager, n=3)
    # (a quarter before any case was opened skips its judgements query)
    with django_assert_max_num_queries(6 + 4 * 4):
        ov.overview(registered_manager, provider=provider, location=location)


def test_count_bars_scale_to_the_largest_and_say_every_number():
    bars = charts.count_bars([("Open", 4, "/a"), ("Closed", 0, "/b")], title="Cases by status")
    assert [b.width for b in bars.bars] == [charts.WIDTH - charts.BAR_LABEL_WIDTH - 36, 0]
    assert bars.description == "Cases by status: Open 4, Closed 0."
    assert bars.height == 2 * charts.BAR_ROW
    empty = charts.count_bars([("Open", 0, "/a")], title="Cases")
    assert empty.bars[0].width == 0  # no division by zero


def test_the_trend_chart_places_each_quarter_and_says_every_number():
    trend = charts.trend_chart(
        ["Q1", "Q2", "Q3", "Q4"], [("Open cases", (0, 2, 4, 4))], title="Quarters"
    )
    [line] = trend.lines
    assert line.points[0] == (charts.PAD_LEFT, trend.plot_bottom)
    assert line.points[-1][0] == trend.plot_right
    assert line.points[2][1] == trend.plot_top  # the largest value at the top
    assert trend.description == "Quarters: Open cases: Q1 0, Q2 2, Q3 4, Q4 4."


def test_a_stale_filter_and_an_overclaim_filter_on_the_case_list(
    client, location, quality_lead, registered_manager
):
    _scene(location, quality_lead, registered_manager)
    client.force_login(registered_manager)
    url = reverse("casework:location_cases", args=[location.uuid])
    titles = lambda r: [c.title for c in r.context["page"].object_list]  # noqa: E731
    assert titles(client.get(url, {"overclaim": "1"})) == ["Above 0"]
    assert titles(client.get(url, {"stale": "1"})) == ["Above 0"]
    assert titles(client.get(url, {"level": "emerging"})) == ["Within 0"]
    assert len(titles(client.get(url, {"level": "nonsense"}))) == 2  # ignored, not a 500


def test_an_ended_quarter_is_worked_out_once_and_read_again_while_its_history_stands(
    location, provider, quality_lead, registered_manager
):
    now = timezone.now()
    _scene(location, quality_lead, registered_manager)
    with CaptureQueriesContext(connection) as first:
        before = ov.overview(registered_manager, provider=provider, location=location)
    with CaptureQueriesContext(connection) as second:
        again = ov.overview(registered_manager, provider=provider, location=location)
    assert again.trend == before.trend
    # The three ended quarters came from the cache: only the check of their history ran.
    assert len(first.captured_queries) - len(second.captured_queries) >= 3 * 3
    # A change dated now cannot move an ended quarter: still read from the cache.
    add_evidence(ProportionalityJudgement.objects.first().case, quality_lead)
    with CaptureQueriesContext(connection) as third:
        ov.overview(registered_manager, provider=provider, location=location)
    assert len(third.captured_queries) == len(second.captured_queries)
    # History written with an earlier date (a bulk import) is a different history: the
    # ended quarters are worked out again from it, not read from the cache.
    ended = ov.last_quarters(now)[-2]
    case = ProportionalityJudgement.objects.first().case
    ImprovementCase.history.model.objects.filter(id=case.pk).update(
        history_date=ended.cutoff - timedelta(days=1)
    )
    after = ov.overview(registered_manager, provider=provider, location=location)
    trend = {row.label: row.values for row in after.trend}
    assert trend["Open cases"][-2] == 1  # was 0: the case now shows as open by then

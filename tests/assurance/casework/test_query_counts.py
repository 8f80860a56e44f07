"""List pages and the case page cost the same number of queries for 1 or 20 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db

# Pinned ceilings: a change that adds queries per page must say so here.
MY_WORK_QUERIES = 20  # see test_my_work.py for every group populated
CASE_LIST_QUERIES = 10
CASE_PAGE_QUERIES = 34  # + evidence counts (aggregate), latest items, folded sections


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _cases(n, location, quality_lead, start=0):
    cases = []
    for i in range(start, start + n):
        case = open_case(location=location, actor=quality_lead, title=f"Case {i}")
        complete_step(case, 1, quality_lead)
        cases.append(case)
    return cases


def test_it_keeps_my_work_flat(
    client, location, quality_lead, registered_manager, django_assert_max_num_queries
):
    _cases(1, location, quality_lead)
    client.force_login(registered_manager)
    url = reverse("casework:my_work")
    one = _queries(client, url)
    _cases(19, location, quality_lead, start=1)
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        twenty = _queries(client, url)
    assert one <= twenty
    html = client.get(url).content.decode()
    assert html.count("Service influence note") == 5  # the first few, then "See all"
    assert "See all 20 steps waiting for you" in html


def test_it_keeps_the_case_lists_flat(
    client, location, quality_lead, senior_leader, django_assert_max_num_queries
):
    _cases(1, location, quality_lead)
    client.force_login(senior_leader)
    urls = [
        reverse("casework:location_cases", args=[location.uuid]),
        reverse("casework:provider_cases", args=[location.provider.slug]),
    ]
    ones = [_queries(client, url) for url in urls]
    _cases(19, location, quality_lead, start=1)
    twenties = []
    for url in urls:
        with django_assert_max_num_queries(CASE_LIST_QUERIES):
            twenties.append(_queries(client, url))
    assert ones == twenties


def test_it_keeps_the_case_page_flat(
    client, location, team, quality_lead, registered_manager, django_assert_max_num_queries
):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    client.force_login(registered_manager)
    url = reverse("casework:case_detail", args=[case.uuid])
    one = _queries(client, url)
    for i in range(19):
        add_evidence(case, quality_lead, team=team, source=["audits", "feedback"][i % 2])
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        twenty = _queries(client, url)
    # Never more with more rows. (The history reads in full at most one query per model
    # among the changes shown, so it can be fewer once the newest are all evidence.)
    assert twenty <= one

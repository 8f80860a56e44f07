"""The case page stays bounded with hundreds of evidence items: counts by source and stance,
the latest few items, and every item on the case's own paged evidence list."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.judgement.figures import case_readiness
from domains.models import EvidenceCategory
from evidence.models import EvidenceItem, Source, Stance
from tests.builders import add_evidence, complete_step, open_case, post_judgement

pytestmark = pytest.mark.django_db

# Pinned ceilings: a change that adds queries per page must say so here.
CASE_PAGE_QUERIES = 36  # with a judgement (tests/assurance/casework/test_query_counts.py: 34)
EVIDENCE_LIST_QUERIES = 12
SOURCES = list(Source.values)


def _queries(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _bulk(case, actor, n, *, team=None, start=0):
    """`n` items straight into the table (history is not the point here): every fourth
    one contradicts, every tenth is withdrawn; sources in turn."""
    category = EvidenceCategory.objects.get(name="Processes")
    today = timezone.localdate()
    now = timezone.now()
    EvidenceItem.objects.bulk_create(
        EvidenceItem(
            case=case,
            step_number=1,
            source=SOURCES[i % 4],
            category=category,
            occurred_on=today - timedelta(days=i % 120),
            team=team,
            stance=Stance.CONTRADICTS if i % 4 == 3 else Stance.SUPPORTS,
            summary=f"Bulk item {i}",
            created_by=actor,
            withdrawn_at=now if i % 10 == 9 else None,
            withdrawn_by=actor if i % 10 == 9 else None,
            withdrawn_reason="Recorded twice by mistake." if i % 10 == 9 else "",
        )
        for i in range(start, start + n)
    )


@pytest.fixture
def judged_case(
    client, location, team, quality_lead, registered_manager, deputy_manager, team_leader
):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team, source="staff_practice")
    for number, actor in [
        (1, quality_lead),
        (2, registered_manager),
        (3, deputy_manager),
        (4, team_leader),
    ]:
        complete_step(case, number, actor)
    client.force_login(registered_manager)
    assert post_judgement(client, case, "contained").status_code == 302
    return case


def test_it_keeps_the_case_page_bounded_from_5_to_600_evidence_items(
    client, judged_case, team, quality_lead, django_assert_max_num_queries
):
    url = reverse("casework:case_detail", args=[judged_case.uuid])
    _bulk(judged_case, quality_lead, 4, team=team)
    five, _ = _queries(client, url)
    _bulk(judged_case, quality_lead, 595, team=team, start=4)
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        six_hundred, response = _queries(client, url)
    assert five == six_hundred
    html = response.content.decode()
    assert len(re.findall(r'<li id="evidence-[0-9a-f-]{36}"', html)) == 10  # the latest only
    assert "All 600 evidence items of this case" in html
    assert "59 withdrawn items" in html
    # The judgement's fingerprint is still compared with every item.
    assert "599 evidence items added" in html


def test_it_counts_current_evidence_by_source_and_stance(client, judged_case, quality_lead):
    _bulk(judged_case, quality_lead, 40)  # 10 per source; 4 withdrawn
    counts = client.get(reverse("casework:case_detail", args=[judged_case.uuid])).context[
        "evidence_counts"
    ]
    by_source = {row["source"]: row for row in counts["by_source"]}
    # items 0..39: source i % 4; contradicts when i % 4 == 3; withdrawn when i % 10 == 9
    assert by_source["care_records"] == {
        "source": "care_records",
        "label": "Care records",
        "supports": 10,
        "contradicts": 0,
        "current": 10,
    }
    assert by_source["audits"]["supports"] == 8  # i = 9 and 29 withdrawn
    assert by_source["feedback"]["supports"] == 10
    assert by_source["staff_practice"] == {
        "source": "staff_practice",
        "label": "Staff practice",
        "supports": 1,  # the fixture's item
        "contradicts": 8,  # i = 19 and 39 withdrawn
        "current": 9,
    }
    assert counts["withdrawn"] == 4
    assert counts["total"] == 41
    assert counts["current"] == 37
    assert counts["supports"] + counts["contradicts"] == 37


def test_the_page_figures_match_figures_from_the_full_rows(client, judged_case, team, quality_lead):
    _bulk(judged_case, quality_lead, 60, team=team)
    page = client.get(reverse("casework:case_detail", args=[judged_case.uuid])).context["ready"]
    full = case_readiness(judged_case)
    assert page.figures == full.figures
    assert page.assessment == full.assessment


def test_it_names_at_most_ten_contradicting_items_and_links_to_the_rest(
    client, judged_case, team, quality_lead
):
    _bulk(judged_case, quality_lead, 80, team=team)
    response = client.get(reverse("casework:case_detail", args=[judged_case.uuid]))
    assert response.context["contradicting_count"] == 16  # 20, less 19, 39, 59, 79 withdrawn
    assert len(response.context["contradicting"]) == 10
    assert "See all the contradicting evidence" in response.content.decode()


# --- the case's evidence list -------------------------------------------------------------


def test_it_keeps_the_evidence_list_flat_from_1_to_50_rows_shown(
    client, judged_case, quality_lead, django_assert_max_num_queries
):
    url = reverse("casework:case_evidence", args=[judged_case.uuid]) + "?status=current"
    one, response = _queries(client, url)
    assert len(response.context["page"].object_list) == 1
    _bulk(judged_case, quality_lead, 60)
    with django_assert_max_num_queries(EVIDENCE_LIST_QUERIES):
        many, response = _queries(client, url)
    assert one == many
    assert response.context["page"].paginator.count == 55  # 1 + 60 - 6 withdrawn
    assert len(response.context["page"].object_list) == 50


def test_it_filters_by_source_stance_and_status_and_keeps_them_in_the_page_links(
    client, judged_case, quality_lead
):
    _bulk(judged_case, quality_lead, 400)
    url = reverse("casework:case_evidence", args=[judged_case.uuid])
    response = client.get(url, {"source": "staff_practice", "stance": "contradicts"})
    page = response.context["page"]
    assert page.paginator.count == 100 and len(page.object_list) == 50
    assert {i.source for i in page.object_list} == {"staff_practice"}
    html = response.content.decode()
    assert "source=staff_practice&amp;stance=contradicts&amp;page=2" in html
    withdrawn = client.get(url, {"status": "withdrawn"}).context["page"]
    assert withdrawn.paginator.count == 40
    assert all(item.is_withdrawn for item in withdrawn.object_list)


def test_it_answers_htmx_with_the_results_alone(client, judged_case):
    url = reverse("casework:case_evidence", args=[judged_case.uuid])
    full = client.get(url).content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in full and 'id="evidence-results"' in full
    assert "<html" not in fragment and "1 item." in fragment


def test_it_ignores_a_filter_it_cannot_use_and_says_so(client, judged_case):
    url = reverse("casework:case_evidence", args=[judged_case.uuid])
    response = client.get(url, {"source": "gossip", "page": "zzz"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "That filter was left out" in response.content.decode()


def test_the_evidence_list_is_a_404_to_an_outsider(client, judged_case, outsider):
    client.force_login(outsider)
    url = reverse("casework:case_evidence", args=[judged_case.uuid])
    assert client.get(url).status_code == 404


def test_it_withdraws_from_the_list_and_comes_back_to_the_same_filters(
    client, judged_case, quality_lead
):
    _bulk(judged_case, quality_lead, 60)
    oldest = (
        EvidenceItem.objects.current().filter(case=judged_case).order_by("occurred_on", "id")
    ).first()
    url = reverse("casework:evidence_withdraw", args=[oldest.uuid])
    refused = client.post(url, {"reason": "no", "list_query": "source=audits&page=2"})
    assert refused.status_code == 200
    assert refused.templates[0].name == "evidence/case_evidence.html"
    oldest.refresh_from_db()
    assert not oldest.is_withdrawn
    response = client.post(
        url, {"reason": "Recorded against the wrong case.", "list_query": "source=audits&page=2"}
    )
    list_url = reverse("casework:case_evidence", args=[judged_case.uuid])
    assert response.status_code == 302
    assert response["Location"] == f"{list_url}?source=audits&page=2#evidence-{oldest.uuid}"
    oldest.refresh_from_db()
    assert oldest.is_withdrawn

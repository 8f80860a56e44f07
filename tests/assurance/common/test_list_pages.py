"""Every list page is paged: the same queries for 1 row and for 50, one page of rows, page links
that keep the filters, the list's region alone for htmx, and no failure on a bad page number."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import ImprovementCase
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.organisations.models import Membership
from assurance.reviews.models import (
    Audience,
    Notification,
    ReminderDelivery,
    ReminderStage,
    Review,
    ReviewKind,
    ReviewStatus,
)
from domains.models import Domain, EvidenceCategory
from domains.roles import Role
from evidence.models import EvidenceItem
from reports.models import ReportKind, ReportRun, RunStatus
from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROWS = 50
HOME_QUERIES = 7

# --- rows, built in bulk (what the lists read, not how they came about) --------------------------


def _cases(ctx, n, start):
    domain = Domain.objects.get(slug="governance")
    return ImprovementCase.objects.bulk_create(
        ImprovementCase(
            location=ctx["location"],
            domain=domain,
            title=f"Case {i}",
            baseline_issue="Audit actions drifted.",
            improvement_began=date(2026, 3, 1),
            opened_by=ctx["quality_lead"],
            wider_areas=["Staffing"] * 50,
        )
        for i in range(start, start + n)
    )


def _monthly(ctx, n, start):
    today = timezone.localdate()
    return Review.objects.bulk_create(
        Review(
            kind=ReviewKind.MONTHLY,
            provider=ctx["location"].provider,
            location=ctx["location"],
            case=case,
            period_start=date(2026, 9, 1),
            period_end=date(2026, 9, 30),
            period_label="2026-09",
            due_on=today + timedelta(days=i - 10),
            figures={"gap": list(range(100))},
        )
        for i, case in enumerate(_cases(ctx, n, start))
    )


def _reviews(ctx, n, start):
    _monthly(ctx, n, start)
    Review.objects.bulk_create(
        Review(
            kind=ReviewKind.QUARTERLY,
            provider=ctx["location"].provider,
            period_start=date(2000 + i, 1, 1),
            period_end=date(2000 + i, 3, 31),
            period_label=f"{2000 + i}-Q1",
            due_on=date(2000 + i, 4, 30),
            status=ReviewStatus.NOT_NEEDED,
            skip_reason="Before the service used this.",
        )
        for i in range(start, start + n)
    )


def _escalations(ctx, n, start):
    Escalation.objects.bulk_create(
        Escalation(
            case=case,
            trigger=EscalationTrigger.MANUAL,
            action=f"Observe practice {case.title}",
            detail="x" * 2000,
            owner=ctx["registered_manager"] if i % 2 else None,
            due_on=timezone.localdate() + timedelta(days=i - 5),
        )
        for i, case in enumerate(_cases(ctx, n, start))
    )


def _reminders(ctx, n, start):
    ReminderDelivery.objects.bulk_create(
        ReminderDelivery(
            review=review,
            stage=ReminderStage.DUE_7,
            due_on=review.due_on,
            recipient=ctx["registered_manager"],
            audience=Audience.REGISTERED_MANAGER,
            provider=ctx["location"].provider,
            location=ctx["location"],
        )
        for review in _monthly(ctx, n, start)
    )


def _notifications(ctx, n, start):
    Notification.objects.bulk_create(
        Notification(
            user=ctx["registered_manager"],
            title=f"Reminders {i}",
            items=[{"label": f"Item {i}", "path": "/", "stage_label": "Due within 7 days"}],
        )
        for i in range(start, start + n)
    )


def _runs(kind):
    def build(ctx, n, start):
        location = ctx["location"]
        extra = (
            {
                "location": location,
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 3, 31),
            }
            if kind == ReportKind.PACK
            else {"quarter": "2026-Q3"}
        )
        ReportRun.objects.bulk_create(
            ReportRun(
                kind=kind,
                provider=location.provider,
                data_cutoff=timezone.now(),
                requested_by=ctx["senior_leader"],
                status=RunStatus.QUEUED,
                case_fingerprints={str(k): "f" * 64 for k in range(200)},
                **extra,
            )
            for _ in range(n)
        )

    return build


def _members(where):
    def build(ctx, n, start):
        location = ctx["location"]
        users = [UserFactory(username=f"member{i}") for i in range(start, start + n)]
        Membership.objects.bulk_create(
            Membership(
                user=user,
                provider=location.provider,
                location=None if where == "provider" else location,
                role=Role.SENIOR_LEADER if where == "provider" else Role.TEAM_LEADER,
            )
            for user in users
        )

    return build


def _locations(ctx, n, start):
    """More locations of the provider (one is there already: the list shows n + 1)."""
    for i in range(start, start + n):
        LocationFactory(provider=ctx["location"].provider, name=f"Zeta home {i:03d}")


def _roles(ctx, n, start):
    """More locations where the Registered Manager holds the role."""
    for i in range(start, start + n):
        location = LocationFactory(provider=ctx["location"].provider, name=f"Zeta home {i:03d}")
        Membership.objects.create(
            user=ctx["registered_manager"],
            provider=location.provider,
            location=location,
            role=Role.REGISTERED_MANAGER,
        )


def _evidence(ctx, n, start):
    case = _cases(ctx, 1, start)[0]
    category = EvidenceCategory.objects.get(name="Processes")
    EvidenceItem.objects.bulk_create(
        EvidenceItem(
            case=case,
            step_number=1,
            source="audits",
            category=category,
            occurred_on=timezone.localdate() - timedelta(days=i % 300),
            summary=f"Audit {i}",
            created_by=ctx["quality_lead"],
        )
        for i in range(start, start + n)
    )


# name: (persona, URL, rows builder, region, filter query that keeps every row, ceiling)
LISTS = {
    "location cases": (
        "registered_manager",
        lambda c: reverse("casework:location_cases", args=[c["location"].uuid]),
        _cases,
        "case-table",
        "status=open",
        9,
    ),
    "provider cases": (
        "senior_leader",
        lambda c: reverse("casework:provider_cases", args=[c["location"].provider.slug]),
        _cases,
        "case-table",
        "status=open",
        10,
    ),
    "location reviews": (
        "registered_manager",
        lambda c: reverse("reviews:location_reviews", args=[c["location"].uuid]),
        _monthly,
        "review-list",
        "kind=monthly",
        7,
    ),
    "provider reviews": (
        "senior_leader",
        lambda c: reverse("reviews:provider_reviews", args=[c["location"].provider.slug]),
        _reviews,
        "monthly-due-list",
        "",
        9,
    ),
    "location escalations": (
        "registered_manager",
        lambda c: reverse("escalations:location_escalations", args=[c["location"].uuid]),
        _escalations,
        "escalation-list",
        "status=active",
        7,
    ),
    "provider escalations": (
        "senior_leader",
        lambda c: reverse("escalations:provider_escalations", args=[c["location"].provider.slug]),
        _escalations,
        "escalation-list",
        "status=all",
        7,
    ),
    "location reminders": (
        "registered_manager",
        lambda c: reverse("reviews:location_reminders", args=[c["location"].uuid]),
        _reminders,
        "reminder-list",
        "status=pending",
        8,
    ),
    "provider reminders": (
        "senior_leader",
        lambda c: reverse("reviews:provider_reminders", args=[c["location"].provider.slug]),
        _reminders,
        "reminder-list",
        "status=pending",
        8,
    ),
    "notifications": (
        "registered_manager",
        lambda c: reverse("reviews:notification_list"),
        _notifications,
        "notification-list",
        "",
        5,
    ),
    "report runs": (
        "senior_leader",
        lambda c: reverse("reports:provider_reports", args=[c["location"].provider.slug]),
        _runs(ReportKind.QUARTERLY),
        "run-list",
        "",
        9,
    ),
    "evidence packs": (
        "registered_manager",
        lambda c: reverse("reports:location_packs", args=[c["location"].uuid]),
        _runs(ReportKind.PACK),
        "run-list",
        "",
        7,
    ),
    "location members": (
        "registered_manager",
        lambda c: reverse("organisations:location_detail", args=[c["location"].uuid]),
        _members("location"),
        "member-list",
        "",
        27,
    ),
    "provider members": (
        "senior_leader",
        lambda c: reverse("organisations:provider_detail", args=[c["location"].provider.slug]),
        _members("provider"),
        "member-list",
        "",
        29,
    ),
    "provider locations": (
        "senior_leader",
        lambda c: reverse("organisations:provider_detail", args=[c["location"].provider.slug]),
        _locations,
        "location-list",
        "",
        29,
    ),
    "home roles": (
        "registered_manager",
        lambda c: reverse("organisations:home"),
        _roles,
        "role-list",
        "",
        HOME_QUERIES,
    ),
    "home services": (
        "senior_leader",
        lambda c: reverse("organisations:home"),
        _locations,
        "service-list",
        "",
        HOME_QUERIES,
    ),
    "evidence register": (
        "registered_manager",
        lambda c: reverse("evidence:location_register", args=[c["location"].uuid]),
        _evidence,
        "evidence-list",
        "status=current",
        10,
    ),
}


# Lists paged by a parameter of their own (a page with two lists).
PAGE_PARAMS = {
    "monthly-due-list": "due_page",
    "member-list": "members_page",
    "location-list": "locations_page",
    "role-list": "roles_page",
    "service-list": "services_page",
}


@pytest.fixture
def ctx(location, quality_lead, registered_manager, senior_leader):
    return {
        "location": location,
        "quality_lead": quality_lead,
        "registered_manager": registered_manager,
        "senior_leader": senior_leader,
    }


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response, len(queries.captured_queries)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_costs_the_same_for_1_and_50_rows(name, client, ctx, django_assert_max_num_queries):
    persona, url, build, _, query, ceiling = LISTS[name]
    client.force_login(ctx[persona])
    build(ctx, 1, 0)
    url = url(ctx) + (f"?{query}" if query else "")
    # Each visit as the first: the overview keeps ended quarters in the cache.
    cache.clear()
    with django_assert_max_num_queries(ceiling):
        _, one = _get(client, url)
    build(ctx, ROWS - 1, 1)
    cache.clear()
    with django_assert_max_num_queries(ceiling):
        _, fifty = _get(client, url)
    assert one == fifty, name


@pytest.mark.parametrize("name", LISTS)
def test_a_list_shows_one_page_and_links_the_next_with_its_filters(name, client, ctx):
    persona, url, build, region, query, _ = LISTS[name]
    client.force_login(ctx[persona])
    build(ctx, ROWS + 30, 0)  # more than any page
    base = url(ctx)
    html = _get(client, base + (f"?{query}" if query else ""))[0].content.decode()
    assert f'id="{region}"' in html
    page_param = PAGE_PARAMS.get(region, "page")
    next_link = f"?{query}&amp;{page_param}=2" if query else f"?{page_param}=2"
    assert f'href="{next_link}"' in html, name
    assert f'hx-get="{next_link}" hx-target="#{region}" hx-select="#{region}"' in html
    assert 'hx-push-url="true"' in html


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("bad", ["999", "0", "-1", "two", "1e3", "%00"])
def test_a_bad_page_number_is_never_an_error(name, bad, client, ctx):
    persona, url, build, region, _, _ = LISTS[name]
    client.force_login(ctx[persona])
    build(ctx, 3, 0)
    param = PAGE_PARAMS.get(region, "page")
    response, _ = _get(client, f"{url(ctx)}?{param}={bad}")
    assert 'class="page-notice"' in response.content.decode()


FRAGMENTS = {
    name: spec
    for name, spec in LISTS.items()
    if name
    not in {
        "report runs",
        "evidence packs",
        "location members",
        "provider members",
        "provider locations",
        "home roles",
        "home services",
    }
    and name != "evidence register"
}


@pytest.mark.parametrize("name", FRAGMENTS)
def test_htmx_gets_only_the_lists_region(name, client, ctx):
    persona, url, build, region, query, _ = LISTS[name]
    client.force_login(ctx[persona])
    build(ctx, 3, 0)
    response, _ = _get(client, f"{url(ctx)}?{query}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET=region)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div id="{region}">'), name
    assert "<html" not in html
    assert "HX-Target" in response["Vary"]


@pytest.mark.parametrize("name", ["location cases", "location escalations"])
def test_a_history_restore_gets_the_whole_page(name, client, ctx):
    persona, url, build, region, query, _ = LISTS[name]
    client.force_login(ctx[persona])
    response, _ = _get(
        client,
        url(ctx),
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
        HTTP_HX_TARGET=region,
    )
    assert "<html" in response.content.decode()

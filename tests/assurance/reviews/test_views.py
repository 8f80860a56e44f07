"""Review, notification and reminder pages: permissions, content and query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assurance.common import queueing as common_queueing
from assurance.escalations.models import Escalation
from assurance.reviews import reminders
from assurance.reviews import tasks as reviews_tasks
from assurance.reviews.models import (
    DeliveryStatus,
    Notification,
    ReminderDelivery,
    Review,
    ReviewStatus,
)
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import open_case

pytestmark = pytest.mark.django_db

# Pinned ceilings: a change that adds queries per page must say so here.
REVIEW_LIST_QUERIES = 7
PROVIDER_REVIEWS_QUERIES = 9  # two paged lists: a count each
LEDGER_QUERIES = 8
NOTIFICATION_LIST_QUERIES = 5


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


# --- permission matrix: completing a review -------------------------------------------------


def _complete_url(review):
    return reverse("reviews:review_complete", args=[review.uuid])


def test_completing_needs_a_login(client, case):
    review = monthly_review(case, days=2)
    response = client.post(_complete_url(review), {"outcome": "on_track"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_completing_is_404_for_an_outsider(client, case, outsider):
    review = monthly_review(case, days=2)
    client.force_login(outsider)
    assert client.post(_complete_url(review), {"outcome": "on_track"}).status_code == 404
    assert client.get(reverse("reviews:review_detail", args=[review.uuid])).status_code == 404


@pytest.mark.parametrize("persona", ["quality_lead", "deputy_manager", "senior_leader", "viewer"])
def test_completing_a_monthly_review_is_403_for_other_roles(client, case, persona, request):
    review = monthly_review(case, days=2)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(_complete_url(review), {"outcome": "on_track", "notes": "x"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.DUE
    assert Review.objects.count() == 1


def test_the_registered_manager_completes_the_monthly_review(client, case, registered_manager):
    review = monthly_review(case, days=2)
    client.force_login(registered_manager)
    response = client.post(
        _complete_url(review), {"outcome": "gap_observed", "notes": "Nights lag behind."}
    )
    assert response.status_code == 302
    assert response.url == reverse("reviews:review_detail", args=[review.uuid])
    review.refresh_from_db()
    assert (review.status, review.outcome, review.completed_by) == (
        "completed",
        "gap_observed",
        registered_manager,
    )
    assert Review.objects.filter(case=case, status="due").count() == 1
    page = client.get(response.url).content.decode()
    assert "Gap observed between leadership-side and frontline progress" in page


def test_an_invalid_completion_re_renders_with_the_error(client, case, registered_manager):
    review = monthly_review(case, days=2)
    client.force_login(registered_manager)
    response = client.post(_complete_url(review), {"outcome": "close_case", "notes": "ok"})
    assert response.status_code == 200
    assert "closing reason" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.DUE


def test_the_quarterly_review_is_for_senior_leaders(
    client, case, provider, registered_manager, senior_leader
):
    review = quarterly_review(provider, days=3)
    client.force_login(registered_manager)
    assert client.get(reverse("reviews:review_detail", args=[review.uuid])).status_code == 200
    response = client.post(_complete_url(review), {"outcome": "on_track"})
    assert response.status_code == 403
    client.force_login(senior_leader)
    assert client.post(_complete_url(review), {"outcome": "on_track"}).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED


def test_skipping_follows_the_same_rules(client, case, quality_lead, registered_manager):
    review = monthly_review(case, days=2)
    url = reverse("reviews:review_skip", args=[review.uuid])
    client.force_login(quality_lead)
    assert client.post(url, {"reason": "Not needed this month."}).status_code == 403
    client.force_login(registered_manager)
    assert client.post(url, {"reason": "short"}).status_code == 200  # re-rendered with errors
    assert client.post(url, {"reason": "Not needed this month."}).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SKIPPED


# --- permission matrix: marking a notification read ------------------------------------------


@pytest.fixture
def notification(registered_manager):
    return Notification.objects.create(
        user=registered_manager,
        title="Overdue: Monthly review",
        items=[{"label": "Monthly review", "path": "/reviews/x/", "stage": "overdue"}],
    )


def test_marking_read_needs_a_login(client, notification):
    response = client.post(reverse("reviews:notification_read", args=[notification.uuid]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["outsider", "senior_leader", "quality_lead"])
def test_someone_elses_notification_is_404(client, notification, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("reviews:notification_read", args=[notification.uuid]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_is_post_only(client, notification, registered_manager):
    client.force_login(registered_manager)
    assert (
        client.get(reverse("reviews:notification_read", args=[notification.uuid])).status_code
        == 405
    )


def test_the_owner_marks_it_read_and_goes_to_the_item(client, notification, registered_manager):
    client.force_login(registered_manager)
    url = reverse("reviews:notification_read", args=[notification.uuid])
    response = client.post(url, {"next": "/reviews/x/"})
    assert (response.status_code, response.url) == (302, "/reviews/x/")
    notification.refresh_from_db()
    first = notification.read_at
    assert first is not None
    # Only its own items' links are followed; anything else goes back to the list.
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.url == reverse("reviews:notification_list")
    notification.refresh_from_db()
    assert notification.read_at == first


def test_mark_all_read(client, notification, registered_manager):
    client.force_login(registered_manager)
    client.post(reverse("reviews:notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


# --- the bell -----------------------------------------------------------------------------------


def test_every_page_shows_the_unread_count_for_one_query(
    client, case, registered_manager, notification
):
    Notification.objects.create(user=registered_manager, title="Another")
    Notification.objects.create(user=registered_manager, title="Read", read_at="2026-01-01T00:00Z")
    client.force_login(registered_manager)
    for url in (
        reverse("organisations:home"),
        reverse("casework:case_detail", args=[case.uuid]),
        reverse("reviews:notification_list"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url).content.decode()
        assert 'data-unread="2"' in page
        bell = [
            q["sql"]
            for q in ctx.captured_queries
            if '"assurance_notification"' in q["sql"] and '"read_at" IS NULL' in q["sql"]
        ]
        assert len(bell) == 1  # the bell and the Reminders item: one query for both


def test_anonymous_pages_cost_no_bell_query(client):
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("login"))
    assert not any("assurance_notification" in q["sql"] for q in ctx.captured_queries)


# --- review pages ---------------------------------------------------------------------------


def test_the_monthly_review_form_shows_the_case_figures_and_gap(client, case, registered_manager):
    review = monthly_review(case, days=-2)
    client.force_login(registered_manager)
    page = client.get(reverse("reviews:review_detail", args=[review.uuid])).content.decode()
    assert "Gap between leadership-side and frontline progress" in page
    assert "Spread:" in page and "Traceability:" in page
    assert "Record this review" in page and 'value="close_case"' in page
    assert "badge-danger" in page  # overdue


def test_the_monthly_review_warns_after_a_gap(client, case, registered_manager):
    from assurance.reviews import services as review_services

    review_services.review_complete(
        actor=registered_manager,
        actor_roles={"registered_manager"},
        review=monthly_review(case, days=-2),
        outcome="gap_observed",
        notes="Nights lag.",
    )
    following = Review.objects.get(case=case, status="due")
    client.force_login(registered_manager)
    page = client.get(reverse("reviews:review_detail", args=[following.uuid])).content.decode()
    assert "raises a “repeated gap” escalation" in page


def test_the_quarterly_form_lists_every_case_and_escalation(
    client, case, location, provider, quality_lead, senior_leader
):
    other = open_case(location=location, actor=quality_lead, title="Records that staff use")
    escalation(case, days=-3, action="Night spot checks")
    escalation(other, days=9, action="Competency recheck")
    review = quarterly_review(provider, days=4)
    client.force_login(senior_leader)
    page = client.get(reverse("reviews:review_detail", args=[review.uuid])).content.decode()
    for text in ("Governance grip", "Records that staff use", "Night spot checks"):
        assert text in page
    assert "Competency recheck" in page and "Overdue" in page
    assert 'value="close_case"' not in page


def test_the_review_lists_mark_overdue_and_stay_flat(
    client, many_cases, location, provider, registered_manager, senior_leader,
    django_assert_max_num_queries,
):  # fmt: skip
    first = many_cases(1)[0]
    monthly_review(first, days=-1)
    quarterly_review(provider, days=3)
    client.force_login(senior_leader)
    urls = {
        reverse("reviews:location_reviews", args=[location.uuid]): REVIEW_LIST_QUERIES,
        reverse("reviews:provider_reviews", args=[provider.slug]): PROVIDER_REVIEWS_QUERIES,
    }
    ones = {url: _queries(client, url) for url in urls}
    page = client.get(reverse("reviews:location_reviews", args=[location.uuid])).content.decode()
    assert "Overdue" in page and "Case 0" in page
    for n, case in enumerate(many_cases(19, start=1)):
        monthly_review(case, days=n - 5)
    for url, ceiling in urls.items():
        with django_assert_max_num_queries(ceiling):
            assert _queries(client, url) == ones[url]
    page = client.get(reverse("reviews:location_reviews", args=[location.uuid])).content.decode()
    assert page.count("badge-danger") == 6 and "Case 19" in page


def test_the_location_and_provider_pages_link_to_reviews_and_reminders(
    client, location, provider, registered_manager, quality_lead
):
    client.force_login(registered_manager)
    page = client.get(
        reverse("organisations:location_detail", args=[location.uuid])
    ).content.decode()
    assert reverse("reviews:location_reviews", args=[location.uuid]) in page
    assert reverse("reviews:location_reminders", args=[location.uuid]) in page
    page = client.get(
        reverse("organisations:provider_detail", args=[provider.slug])
    ).content.decode()
    assert reverse("reviews:provider_reviews", args=[provider.slug]) in page
    assert reverse("reviews:provider_reminders", args=[provider.slug]) not in page  # RM: not theirs
    client.force_login(quality_lead)
    page = client.get(
        reverse("organisations:location_detail", args=[location.uuid])
    ).content.decode()
    assert reverse("reviews:location_reminders", args=[location.uuid]) not in page
    assert reverse("reviews:reminders_home") not in page  # nor in the nav: not theirs
    client.force_login(registered_manager)
    page = client.get(reverse("organisations:home")).content.decode()
    assert reverse("reviews:reminders_home") in page  # in the nav


# --- the Reminders ledger --------------------------------------------------------------------


def test_the_reminders_page_is_for_managers_and_senior_leaders(
    client, case, location, provider, registered_manager, senior_leader, quality_lead, outsider
):
    location_url = reverse("reviews:location_reminders", args=[location.uuid])
    provider_url = reverse("reviews:provider_reminders", args=[provider.slug])
    assert client.get(location_url).status_code == 302  # anonymous: to the login page
    client.force_login(outsider)
    assert client.get(location_url).status_code == 404
    assert client.get(provider_url).status_code == 404
    client.force_login(quality_lead)
    assert client.get(location_url).status_code == 403
    assert client.get(reverse("reviews:reminders_home")).status_code == 403
    client.force_login(registered_manager)
    assert client.get(location_url).status_code == 200
    assert client.get(provider_url).status_code == 403
    assert client.get(reverse("reviews:reminders_home")).url == location_url
    client.force_login(senior_leader)
    assert client.get(location_url).status_code == 200
    assert client.get(provider_url).status_code == 200


def test_the_reminders_page_shows_what_went_to_whom_and_failures(
    client, case, location, registered_manager, senior_leader, deputy_manager,
    django_assert_max_num_queries,
):  # fmt: skip
    monthly_review(case, days=-15)
    escalation(case, days=0, owner=deputy_manager)
    reminders.run()
    ReminderDelivery.objects.filter(recipient=deputy_manager).update(
        status=DeliveryStatus.FAILED, error="SMTPServerDisconnected: gone away"
    )
    client.force_login(registered_manager)
    url = reverse("reviews:location_reminders", args=[location.uuid])
    page = client.get(url).content.decode()
    assert "Overdue by 14 days or more" in page and "Next level up" in page
    assert "SMTPServerDisconnected: gone away" in page and "Failed (1)" in page
    one = _queries(client, url)
    for n in range(20):
        escalation(case, days=-n, owner=deputy_manager, action=f"Action {n}")
    reminders.run()
    with django_assert_max_num_queries(LEDGER_QUERIES):
        assert _queries(client, url) == one
    failed = client.get(url + "?status=failed").content.decode()
    assert failed.count("badge-danger") == 1


def test_the_notification_list_stays_flat(
    client, registered_manager, django_assert_max_num_queries
):
    url = reverse("reviews:notification_list")
    Notification.objects.create(user=registered_manager, title="First", items=[])
    client.force_login(registered_manager)
    one = _queries(client, url)
    for n in range(19):
        Notification.objects.create(user=registered_manager, title=f"N{n}", items=[])
    with django_assert_max_num_queries(NOTIFICATION_LIST_QUERIES):
        assert _queries(client, url) == one


# --- with the broker unreachable -------------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    from assurance.config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    # Port 9 (discard) is closed here: nothing answers.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(app, "_pool", None)


def test_every_page_works_with_the_broker_down(
    client, broker_down, case, location, provider, registered_manager, notification,
    django_capture_on_commit_callbacks, caplog,
):  # fmt: skip
    review = monthly_review(case, days=0)
    client.force_login(registered_manager)
    for url in (
        reverse("organisations:home"),
        reverse("reviews:location_reviews", args=[location.uuid]),
        reverse("reviews:provider_reviews", args=[provider.slug]),
        reverse("reviews:review_detail", args=[review.uuid]),
        reverse("reviews:location_reminders", args=[location.uuid]),
        reverse("reviews:notification_list"),
    ):
        assert client.get(url).status_code == 200, url
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reviews:review_complete", args=[review.uuid]), {"outcome": "on_track"}
        )
    assert response.status_code == 302
    with (
        caplog.at_level("WARNING", logger="assurance.common.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("reviews:reminders_run"), {"back": "/reminders/"})
    assert response.status_code == 302
    assert "Could not queue assurance.tasks.reminders_sweep" in caplog.text
    assert client.get(reverse("healthz")).status_code == 503


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_queueing_outside_a_transaction_reports_a_dead_broker(broker_down):

    assert common_queueing.enqueue(reviews_tasks.reminders_sweep) is False


def test_the_sweep_can_be_requested_from_the_reminders_page(
    client, case, registered_manager, mailoutbox, django_capture_on_commit_callbacks
):
    monthly_review(case, days=1)
    client.force_login(registered_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:reminders_run"), {"back": "https://evil.example/"})
    assert response.url == reverse("reviews:reminders_home")
    assert [m.to for m in mailoutbox] == [["rm@example.org"]]  # ran eagerly in tests


def test_only_managers_can_request_a_sweep(client, quality_lead):
    client.force_login(quality_lead)
    assert client.post(reverse("reviews:reminders_run")).status_code == 403


def test_an_escalation_reminder_links_to_the_escalation(case, registered_manager, mailoutbox):
    item = escalation(case, days=1)
    reminders.run()
    assert reverse("escalations:escalation_detail", args=[item.uuid]) in mailoutbox[0].body
    assert Escalation.objects.count() == 1


def test_the_monthly_review_says_before_saving_that_a_second_computed_gap_escalates(
    client, case, registered_manager, quality_lead
):
    """Hole 11: the review page says so BEFORE saving."""
    from assurance.reviews import services as review_services
    from tests.assurance.reviews.test_review_flow import _gapped

    _gapped(case, quality_lead)
    review_services.review_complete(
        actor=registered_manager,
        actor_roles={"registered_manager"},
        review=monthly_review(case, days=-2),
        outcome="on_track",
        notes="",
    )
    following = Review.objects.get(case=case, status="due")
    client.force_login(registered_manager)
    page = client.get(reverse("reviews:review_detail", args=[following.uuid])).content.decode()
    assert (
        "The computed gap (1.00) is above the threshold (0.25) for the second month running: "
        "completing this review raises an escalation"
    ) in page

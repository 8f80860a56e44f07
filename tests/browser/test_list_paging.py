"""Paging a list in a real browser: with htmx the list's region is swapped in place and the
address follows (back works); without JavaScript the same links load the page. The filters
stay in both."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from assurance.cases.models import ImprovementCase
from domains.models import Domain

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


def _sign_in(page: Page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def cases(location, quality_lead):
    domain = Domain.objects.get(slug="governance")
    ImprovementCase.objects.bulk_create(
        ImprovementCase(
            location=location,
            domain=domain,
            title=f"Case {i:02d}",
            baseline_issue="Audit actions drifted.",
            improvement_began=date(2026, 3, 1),
            opened_by=quality_lead,
        )
        for i in range(45)
    )


def test_htmx_pages_the_list_in_place_and_keeps_the_filters(
    page: Page, location, senior_leader, cases
):
    _sign_in(page, senior_leader.username)
    url = reverse("casework:provider_cases", args=[location.provider.slug])
    page.goto(f"{url}?status=open")
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?status=open&page=2$"))
    assert page.evaluate("window.notReloaded") is True  # swapped in place, not reloaded
    expect(page.locator("#f-status")).to_have_value("open")
    assert page.locator("#case-table").count() == 1  # the region replaced, not nested

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 3 of 3")).to_be_visible()
    expect(page.get_by_role("link", name="First page")).to_be_visible()
    expect(page.locator("#case-table tbody tr")).to_have_count(5)

    page.go_back()
    expect(page.get_by_text("Page 2 of 3")).to_be_visible()


def test_without_javascript_the_same_links_load_the_pages(
    browser, live_server, location, senior_leader, cases
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, senior_leader.username)
        url = reverse("casework:provider_cases", args=[location.provider.slug])
        page.goto(f"{url}?status=open&page=2")
        expect(page.get_by_text("Page 2 of 3")).to_be_visible()
        page.get_by_role("link", name="Next page").click()
        expect(page).to_have_url(re.compile(r"\?status=open&page=3$"))
        expect(page.get_by_text("Page 3 of 3")).to_be_visible()
        page.goto(f"{url}?status=open&page=40")
        expect(
            page.get_by_text("There is no page 40: showing the last page, page 3.")
        ).to_be_visible()
    finally:
        context.close()

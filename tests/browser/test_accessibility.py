"""axe-core (from the npm registry, see tests/browser/conftest.py) on every main page and
state: each role's pages, forms showing their errors, the case page after an in-place save
or a refused one, the case summary preview, and the narrow-screen menu. No serious or
critical violation is allowed."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, expect

from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from assurance.organisations.models import Location
from assurance.reviews.models import Review
from tests.browser.pages import main_pages
from tests.browser.test_narrow_screen import sign_in_as
from tests.builders import open_case

pytestmark = pytest.mark.browser


@pytest.fixture
def bypass_csp():
    return True  # axe goes in as a script tag


def test_every_main_page_passes_axe(page: Page, axe):
    demo.seed()
    found = []
    page.goto("/accounts/login/")
    found += axe(page, "sign in")
    who = None
    for username, what, url in main_pages():
        if username != who:
            sign_in_as(page, username)
            who = username
        page.goto(url)
        found += axe(page, f"{what} as {username}")
    assert not found, "\n".join(found)


def test_forms_with_errors_pass_axe(page: Page, axe):
    demo.seed()
    house = Location.objects.get(name="Oakfield House")
    case = ImprovementCase.objects.get(title=demo.GOVERNANCE_TITLE)
    found = []

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    found += axe(page, "sign in, empty")

    sign_in_as(page, "quality.lead")
    page.goto(reverse("casework:case_create", args=[house.uuid]) + "?domain=governance")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    found += axe(page, "open a case, empty")

    page.goto(reverse("casework:case_detail", args=[case.uuid]))
    evidence = page.locator("#add-evidence")
    evidence.locator("summary").click()
    evidence.get_by_role("button", name="Add evidence").click()
    expect(evidence.get_by_role("heading", name="There is a problem")).to_be_visible()
    found += axe(page, "case page, evidence refused (htmx)")

    fresh = open_case(
        location=house,
        actor=get_user_model().objects.get(username="quality.lead"),
        title="Accessibility: a case at step 1",
    )
    page.goto(reverse("casework:case_detail", args=[fresh.uuid]))
    step = page.locator("li#step-1")
    step.get_by_role("button", name="Complete step 1 and lock it").click()
    expect(step.locator("[data-error-summary]")).to_be_focused()
    found += axe(page, "case page, step refused (htmx)")
    step.get_by_role("button", name="Save draft").click()
    expect(step.locator("[data-feedback]")).to_be_focused()
    found += axe(page, "case page, draft saved (htmx)")

    sign_in_as(page, "registered.manager")
    due = Review.objects.filter(location=house, kind="monthly", status="due").first()
    page.goto(reverse("reviews:review_detail", args=[due.uuid]))
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    found += axe(page, "monthly review, no outcome")

    page.goto(reverse("escalations:escalation_new", args=[case.uuid]))
    page.get_by_label("Why, and what should happen").fill("")
    page.get_by_role("button", name="Raise escalation").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    found += axe(page, "raise an escalation, empty")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 640}])
def test_the_narrow_screen_menu_passes_axe(page: Page, axe, viewport):
    demo.seed()
    sign_in_as(page, "senior.leader")
    found = axe(page, "home at 320 px, menu folded")
    page.get_by_role("button", name="Menu").click()
    found += axe(page, "home at 320 px, menu open")
    assert not found, "\n".join(found)

"""Feedback where people look: after an in-place save the message shows beside what was
saved, inside the viewport, and has focus; a refused form puts focus on its error summary,
whose links lead to the fields, and the page title starts "Error: "."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from assurance.organisations.models import Location
from tests.browser.test_governance_journey import form_with_button, open_details
from tests.browser.test_narrow_screen import sign_in_as
from tests.builders import open_case

pytestmark = pytest.mark.browser


@pytest.fixture
def case_page(page: Page):
    demo.seed()
    house = Location.objects.get(name="Oakfield House")
    case = open_case(
        location=house,
        actor=demo_user("quality.lead"),
        title="Feedback: audit actions closed on time",
    )
    sign_in_as(page, "quality.lead")
    page.goto(reverse("casework:case_detail", args=[case.uuid]))
    return page


def demo_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def posted(page: Page, button):
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        button.click()
    assert response.value.status < 400
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_after_saving_a_step_draft_the_message_is_in_view_and_has_focus(case_page: Page):
    page = case_page
    step = page.locator("li#step-1")
    form = form_with_button(step, "Save draft")
    form.get_by_label("What improved").fill("Audit actions are now closed within a week.")
    posted(page, form.get_by_role("button", name="Save draft"))

    feedback = step.locator("[data-feedback]")
    expect(feedback).to_contain_text("Draft of Governance impact file saved.")
    expect(feedback).to_be_focused()
    expect(feedback).to_be_in_viewport()
    expect(page).not_to_have_title(re.compile(r"^Error: "))


def test_completing_a_step_says_so_beside_it_with_focus(case_page: Page):
    page = case_page
    step = page.locator("li#step-1")
    form = form_with_button(step, "Complete step 1 and lock it")
    form.get_by_label("What improved").fill("Audit actions are now closed within a week.")
    form.get_by_label("How it was measured").fill("Action log, monthly.")
    form.get_by_label("Evidence reviewed").fill("Three months of audit action logs.")
    posted(page, form.get_by_role("button", name="Complete step 1 and lock it"))

    feedback = step.locator("[data-feedback]")
    expect(feedback).to_contain_text("Step 1 (Governance impact file) completed and locked.")
    expect(feedback).to_be_focused()
    expect(feedback).to_be_in_viewport()


def test_adding_evidence_says_so_in_the_evidence_section_with_focus(case_page: Page):
    page = case_page
    form = form_with_button(open_details(page.locator("#evidence"), "Add evidence"), "Add evidence")
    form.get_by_label("Source").select_option(label="Audits")
    form.get_by_label("CQC evidence category").select_option(label="Processes")
    form.get_by_label("Date it describes").fill(date.today().isoformat())
    form.get_by_label("Summary").fill("Monthly audit: all actions closed on time.")
    posted(page, form.get_by_role("button", name="Add evidence"))

    feedback = page.locator("#evidence [data-feedback]")
    expect(feedback).to_contain_text("Evidence")
    expect(feedback).to_be_focused()
    expect(feedback).to_be_in_viewport()


def test_a_refused_step_focuses_its_error_summary_whose_links_lead_to_the_fields(
    case_page: Page,
):
    page = case_page
    step = page.locator("li#step-1")
    posted(page, step.get_by_role("button", name="Complete step 1 and lock it"))

    summary = step.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(page).to_have_title(re.compile(r"^Error: "))
    link = summary.get_by_role("link", name="Enter what improved")
    link.click()
    expect(step.get_by_label("What improved")).to_be_focused()
    expect(step.get_by_label("What improved")).to_be_in_viewport()
    # The message beside the field says the same.
    expect(step.locator("#step1_what_improved_error")).to_contain_text("Enter what improved")

    # Put right and saved: the title loses its "Error: ".
    step.get_by_label("What improved").fill("Audit actions are now closed within a week.")
    posted(page, step.get_by_role("button", name="Save draft"))
    expect(step.locator("[data-feedback]")).to_be_focused()
    expect(page).not_to_have_title(re.compile(r"^Error: "))


def test_an_invalid_page_form_shows_the_error_summary_and_the_error_title(page: Page):
    demo.seed()
    house = Location.objects.get(name="Oakfield House")
    sign_in_as(page, "quality.lead")
    page.goto(reverse("casework:case_create", args=[house.uuid]) + "?domain=governance")
    page.get_by_role("button", name="Open the case").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expected = {
        "Enter a title for the case": "Title",
        "Describe the baseline issue: the weakness the improvement started from": (
            "Baseline issue"
        ),
        "Enter the date the improvement work began": "Improvement began",
        "Choose or add at least one wider area": None,
    }
    expect(links).to_have_count(len(expected))
    for text, label in expected.items():
        summary.get_by_role("link", name=text).click()
        focused = page.evaluate("() => document.activeElement.id")
        target = summary.get_by_role("link", name=text).get_attribute("href")[1:]
        assert focused == target, f"{text}: focus on #{focused}, not #{target}"
        expect(page.locator(f"#{target}")).to_be_in_viewport()
        if label:
            expect(page.get_by_role("textbox", name=label, exact=True)).to_be_focused()


def test_after_a_page_save_the_message_at_the_top_has_focus(page: Page):
    demo.seed()
    case = ImprovementCase.objects.get(title=demo.GOVERNANCE_TITLE)
    sign_in_as(page, "registered.manager")
    page.goto(reverse("escalations:escalation_new", args=[case.uuid]))
    page.get_by_label("Why, and what should happen").fill("Night checks slipped twice in May.")
    page.get_by_label("Due on").fill(date.today().isoformat())
    page.get_by_role("button", name="Raise escalation").click()

    feedback = page.locator("[data-feedback]")
    expect(feedback).to_contain_text("Escalation raised")
    expect(feedback).to_be_focused()
    expect(feedback).to_be_in_viewport()

"""The case page in a real browser: fold a section away and it stays folded for that person
on every case page; a contents link opens the section it points into."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from assurance.cases.models import ImprovementCase
from assurance.casework.models import CasePagePreference
from assurance.demo import loader as demo
from tests.browser.test_governance_journey import sign_in

pytestmark = pytest.mark.browser


def _section(page: Page, name):
    return page.locator(f'details.case-section[data-section="{name}"]')


def test_a_folded_section_stays_folded_and_a_contents_link_opens_it(page: Page):
    demo.seed()
    case = ImprovementCase.objects.get(title=demo.GOVERNANCE_TITLE)
    url = reverse("casework:case_detail", args=[case.uuid])
    sign_in(page, "registered.manager")
    page.goto(url)
    expect(page.locator("ol.step-progress li")).to_have_count(5)
    expect(_section(page, "evidence")).to_have_attribute("open", "")

    with page.expect_response(lambda r: r.url.endswith(reverse("casework:case_sections"))) as saved:
        _section(page, "evidence").locator(":scope > summary").click()
    assert saved.value.status == 204
    assert CasePagePreference.objects.get(user__username="registered.manager").closed_sections == [
        "evidence"
    ]

    page.reload()
    expect(_section(page, "evidence")).not_to_have_attribute("open", "")
    expect(_section(page, "steps")).to_have_attribute("open", "")

    page.locator("nav.case-contents").get_by_role("link", name="Evidence", exact=True).click()
    expect(_section(page, "evidence")).to_have_attribute("open", "")
    expect(page.locator("#evidence-heading")).to_be_in_viewport()

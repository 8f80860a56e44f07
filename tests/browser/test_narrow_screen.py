"""At 320 px wide (a small phone, or 1280 px zoomed to 400%) no main page is wider than the
screen, the header menu folds behind a button, and a table too wide to fit scrolls inside a
region the keyboard can reach."""

import pytest
from playwright.sync_api import Page, expect

from assurance.demo import loader as demo
from tests.browser.pages import main_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport():
    return {"width": 320, "height": 640}


def sign_in_as(page: Page, username):
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def overflow(page: Page):
    return page.evaluate(
        """() => {
          const width = document.documentElement.scrollWidth;
          if (width <= 320) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > 321 && !el.closest('.table-wrap'))
            .slice(0, 3)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                       + (typeof el.className === 'string' && el.className
                          ? '.' + el.className.split(' ').join('.') : ''));
          return {width, wide};
        }"""
    )


def test_no_main_page_is_wider_than_320_px(page: Page):
    demo.seed()
    pages = main_pages()
    too_wide = []
    who = None
    for username, what, url in pages:
        if username != who:
            sign_in_as(page, username)
            who = username
        response = page.goto(url)
        assert response.status == 200, f"{what} ({url}) as {username}: {response.status}"
        found = overflow(page)
        if found:
            too_wide.append(f"{what} as {username}: {found}")
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    if found := overflow(page):
        too_wide.append(f"sign in: {found}")
    assert not too_wide, "\n".join(too_wide)


def test_the_header_menu_folds_behind_a_button(page: Page):
    demo.seed()
    sign_in_as(page, "quality.lead")
    nav = page.get_by_role("navigation", name="Main")
    toggle = nav.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    my_work = nav.get_by_role("link", name="My work", exact=True)
    expect(my_work).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 120, f"the folded header is {header['height']} px tall"

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    my_work.click()
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()


def test_a_table_too_wide_for_the_screen_scrolls_in_a_region_the_keyboard_reaches(page: Page):
    demo.seed()
    sign_in_as(page, "quality.lead")
    for username, what, url in main_pages():
        if username != "quality.lead":
            continue
        page.goto(url)
        unreachable = page.evaluate(
            """() => [...document.querySelectorAll('main .table-wrap')]
                 .filter(w => w.scrollWidth > w.clientWidth + 1)
                 .filter(w => !(w.getAttribute('tabindex') === '0'
                                && w.getAttribute('role') === 'region'
                                && w.getAttribute('aria-label')))
                 .map(w => w.outerHTML.slice(0, 120))"""
        )
        assert not unreachable, f"{what}: scrolling tables the keyboard cannot reach: {unreachable}"

"""A new governance case taken from step 1 to step 5 in a real browser, by five demo users
in turn, through the pages only (htmx on, as people use it).

Forms post via htmx into #case-body; each action below waits for the updated case page
(re-rendered in place, or reloaded after an HX-Redirect) and for what it should now show.
"""

import re
import shutil
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from assurance.demo import loader as demo

pytestmark = pytest.mark.browser

TITLE = "Browser journey: audit findings reaching the units"
CSV_NAME = "journey-audit-actions.csv"
CSV_BYTES = (
    b"unit,actions_due,actions_closed,rechecked_in_practice\n"
    b"Rowan unit,12,11,9\n"
    b"Willow unit,10,9,7\n"
    b"Beech unit,9,6,4\n"
    b"Night team,7,5,3\n"
)
ARTEFACTS = [
    "Governance impact file",
    "Service influence note",
    "Live validation sheet",
    "Implementation log",
    "Assurance summary",
]
CASE_URL = re.compile(r"/cases/[0-9a-f-]{36}/(#.*)?$")


def _day(days_ago):
    return (timezone.localdate() - timedelta(days=days_ago)).isoformat()


# --- helpers -------------------------------------------------------------------------------


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def sign_in(page: Page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Welcome,"))).to_be_visible()
    open_menu(page)
    expect(page.get_by_role("button", name=re.compile(r"Sign out"))).to_be_visible()


def open_menu(page: Page):
    """On a narrow screen the header menu folds behind a "Menu" button: open it."""
    toggle = main_nav(page).get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def sign_out(page: Page):
    open_menu(page)
    page.get_by_role("button", name=re.compile(r"Sign out")).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def open_from_my_work(page: Page, step_number):
    main_nav(page).get_by_role("link", name="My work", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    waiting = page.locator("section", has=page.get_by_role("heading", name="Steps waiting for you"))
    row = waiting.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=ARTEFACTS[step_number - 1])).to_be_visible()
    row.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()


def _root(scope):
    """The page of a locator: `filter(has=...)` needs an inner locator built from the page,
    which is then matched inside each candidate."""
    return scope if isinstance(scope, Page) else scope.page


def form_with_button(scope, name):
    """The one form holding a submit button with exactly this name."""
    button = _root(scope).get_by_role("button", name=name, exact=True)
    return scope.locator("form").filter(has=button)


def open_details(scope, summary_text):
    """Open the disclosure whose own summary reads `summary_text` (not a section of the case
    page that holds it); return the <details>."""
    details = scope.locator("details").filter(
        has=_root(scope).locator(":scope > summary").filter(has_text=summary_text)
    )
    details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")
    return details


def submit_and_wait_for(page: Page, button, shown):
    """Click a submit button and wait until `shown` is visible on the updated case page.

    htmx posts the form. The answer is either the case body, swapped into #case-body in
    place (with the saved change, or with the form's errors), or an HX-Redirect back to the
    case page, which the browser must then load afresh. Both are handled; a page that does
    not change, or a form refused, fails with what the page said."""
    page.evaluate("() => { window.__beforeSubmit = true; }")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        button.click()
    response = posted.value
    assert response.status < 400, f"{response.url} answered {response.status}"
    redirect = response.headers.get("hx-redirect")
    if redirect:
        try:
            page.wait_for_function("() => !window.__beforeSubmit")
        except PlaywrightTimeout:
            raise AssertionError(
                f"{response.url} saved and answered HX-Redirect: {redirect}, but the browser "
                "did not load a new page: only the #fragment differed, so the address just "
                f"changed to {page.url} and the change is saved yet not shown."
            ) from None
        page.wait_for_load_state("load")
    else:
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        body = response.text()
        if "data-error-summary" in body or 'class="error"' in body:
            errors = page.locator("#case-body").locator("[data-error-summary] li, small.error")
            expect(errors.first).to_be_visible()
            raise AssertionError(f"{response.url}: form refused: {errors.all_inner_texts()}")
    expect(page).to_have_url(CASE_URL)
    expect(shown).to_be_visible()


def step_item(page: Page, number):
    return page.locator(f"li#step-{number}")


def complete_step(page: Page, number, fields, *, ticks=(), radios=()):
    step = step_item(page, number)
    expect(step.get_by_text("Current step")).to_be_visible()
    form = form_with_button(step, f"Complete step {number} and lock it")
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    for label in ticks:
        form.get_by_label(label, exact=True).check()
    for label in radios:
        form.get_by_label(label, exact=True).check()
    submit_and_wait_for(
        page,
        form.get_by_role("button", name=f"Complete step {number} and lock it"),
        step_item(page, number).get_by_text("Completed", exact=True),
    )
    done = f"Step {number} ({ARTEFACTS[number - 1]}) completed and locked."
    expect(page.get_by_text(done)).to_be_visible()


# --- the journey ---------------------------------------------------------------------------


def test_five_people_take_a_new_governance_case_from_step_1_to_step_5(page: Page, tmp_path):
    demo.seed()
    csv_path = tmp_path / CSV_NAME
    csv_path.write_bytes(CSV_BYTES)

    # 1. Quality Lead: open the case, add an indicator, a reading and evidence with a file,
    # then write and complete the Governance impact file.
    sign_in(page, "quality.lead")
    main_nav(page).get_by_role("link", name="Home", exact=True).click()
    page.get_by_role("link", name="Oakfield House", exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name="Oakfield House")).to_be_visible()
    page.get_by_role("button", name="Open a case").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Open an improvement case"))
    ).to_be_visible()
    page.get_by_role("link", name="Governance oversight").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^Governance oversight: open"))
    ).to_be_visible()
    form = form_with_button(page, "Open the case")
    form.get_by_label("Title").fill(TITLE)
    form.get_by_label("Baseline issue").fill(
        "Audit actions were closed on paper without anyone checking practice, and the units "
        "heard about findings weeks later, if at all."
    )
    form.get_by_label("Improvement began").fill(_day(150))
    for area in ("Risk escalation", "Frontline practice consistency", "Care records"):
        form.get_by_label(area, exact=True).check()
    form.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(CASE_URL)
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(page.get_by_text("Step 1 is next.")).to_be_visible()
    expect(page.get_by_text("Step 1 of 5")).to_be_visible()

    indicators = page.locator("#indicators")
    form = form_with_button(open_details(indicators, "Add an indicator"), "Add indicator")
    form.get_by_label("Name").fill("Audit action completion")
    form.get_by_label("Unit").fill("%")
    form.get_by_label("Which side it measures").select_option(label="Leadership-side")
    expect(form.get_by_label("Higher is better")).to_be_checked()
    form.get_by_label("Baseline").fill("40")
    form.get_by_label("Target").fill("90")
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Add indicator"),
        page.locator("#indicators").get_by_role("heading", name="Audit action completion"),
    )

    card = page.locator("#indicators article").filter(
        has=page.get_by_role("heading", name="Audit action completion")
    )
    form = form_with_button(open_details(card, "Readings (0)"), "Add reading")
    form.get_by_label("Date").fill(_day(10))
    form.get_by_label("Value").fill("78")
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Add reading"),
        page.locator("#indicators summary").filter(has_text="Readings (1)"),
    )

    evidence = page.locator("#evidence")
    form = form_with_button(open_details(evidence, "Add evidence"), "Add evidence")
    form.get_by_label("Source").select_option(label="Audits")
    form.get_by_label("CQC evidence category").select_option(label="Processes")
    form.get_by_label("Date it describes").fill(_day(12))
    form.get_by_label("Team").select_option(label="Rowan unit")
    form.get_by_label("Supports the claim").check()
    form.get_by_label("Summary").fill(
        "Audit action tracker: 34 of 38 actions closed, 23 rechecked in practice on the units."
    )
    form.locator("input[type=file]").set_input_files(csv_path)
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Add evidence"),
        page.locator("#evidence").get_by_role("link", name=CSV_NAME),
    )
    expect(page.get_by_text("Evidence added with 1 file.")).to_be_visible()

    complete_step(
        page,
        1,
        {
            "What improved": (
                "Audit actions are now rechecked in practice before they are closed."
            ),
            "How it was measured": "The monthly action tracker and the recheck log.",
            "Evidence reviewed": "Action tracker, audit reports and the units' handover notes.",
        },
        ticks=["Risk escalation"],
    )
    sign_out(page)

    # 2. Registered Manager: an evidenced influence link, then the Service influence note.
    sign_in(page, "registered.manager")
    open_from_my_work(page, 2)
    step = step_item(page, 2)
    form = form_with_button(
        open_details(step, "Record a wider area as evidenced or assumed"), "Save link"
    )
    form.get_by_label("Wider area").select_option("Risk escalation")
    form.get_by_label("Evidenced", exact=True).check()
    form.get_by_label(re.compile(r"Audits, .*Audit action tracker")).check()
    form.get_by_label("Note").fill("Rechecked actions show escalation reaching the units.")
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Save link"),
        step_item(page, 2).get_by_text("Risk escalation: Evidenced"),
    )
    expect(step_item(page, 2).get_by_text("(1 evidence item)")).to_be_visible()
    complete_step(
        page,
        2,
        {
            "The earlier weakness": "Findings stayed in the office; units never heard them.",
            "Current practice, compared with it": (
                "Unit leads now get each finding within a week and recheck it on shift."
            ),
        },
    )
    sign_out(page)

    # 3. Deputy Manager: a practice check on the floor, then the Live validation sheet.
    sign_in(page, "deputy.manager")
    open_from_my_work(page, 3)
    step = step_item(page, 3)
    form = form_with_button(open_details(step, "Record a practice check"), "Save check")
    form.get_by_label("Team").select_option(label="Willow unit")
    form.get_by_label("Shift").select_option(label="Early")
    form.get_by_label("Date of the check").fill(_day(4))
    form.get_by_label("What was sampled or observed").fill(
        "Handover at 7.45am: last week's audit finding on fluid charts was raised and acted on."
    )
    form.get_by_label("Consistent", exact=True).check()
    expect(form.get_by_label("CQC evidence category")).to_have_value(re.compile(r"\d+"))
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Save check"),
        step_item(page, 3).get_by_role("cell", name="Willow unit"),
    )
    complete_step(
        page,
        3,
        {"What the checks show": "Willow's early shift acts on findings; nights still to check."},
    )
    sign_out(page)

    # 4. Team Leader: an embedding action, then the Implementation log.
    sign_in(page, "team.leader")
    open_from_my_work(page, 4)
    step = step_item(page, 4)
    form = form_with_button(open_details(step, "Record an action"), "Save action")
    form.get_by_label("Action").select_option(label="Supervision")
    form.get_by_label("Description").fill("Supervision on acting on audit findings at handover.")
    form.get_by_label("Team").select_option(label="Beech unit")
    form.get_by_label("Date").fill(_day(2))
    form.get_by_label("Completed").check()
    submit_and_wait_for(
        page,
        form.get_by_role("button", name="Save action"),
        step_item(page, 4).get_by_role("cell", name="Beech unit"),
    )
    complete_step(
        page,
        4,
        {
            "How the stronger standard is being embedded": (
                "Findings are a standing item in unit supervision, with a recheck a week later."
            )
        },
    )
    sign_out(page)

    # 5. Registered Manager: the Assurance summary with a proportionality judgement.
    sign_in(page, "registered.manager")
    open_from_my_work(page, 5)
    expect(step_item(page, 5).locator("aside.aid")).to_contain_text("The evidence supports up to")
    complete_step(
        page,
        5,
        {
            "Assurance summary": "Oversight is stronger and is starting to reach one unit.",
            "Where it should not yet influence the rating picture": (
                "Nights and Beech unit: no checks of practice there yet."
            ),
            "Rationale": "One consistent check on one unit: the effect is contained so far.",
        },
        radios=["Contained"],
    )

    # The finished case.
    expect(page.locator(".case-header").get_by_text("Under review", exact=True)).to_be_visible()
    expect(page.locator(".case-header").get_by_text(re.compile(r"Step \d of 5"))).to_have_count(0)
    for number, label in enumerate(ARTEFACTS, start=1):
        heading = page.get_by_role("heading", name=f"Step {number} · {label}")
        expect(heading).to_be_visible()
        expect(step_item(page, number).get_by_text("Completed", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Proportionality judgement: Contained")).to_be_visible()
    expect(page.get_by_text("Judgement exceeds evidence")).to_have_count(0)

    link = page.locator("#evidence").get_by_role("link", name=CSV_NAME)
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == CSV_NAME
    assert download.failure() is None
    with open(download.path(), "rb") as handle:
        assert handle.read() == CSV_BYTES
    fetched = page.request.get(link.get_attribute("href"))
    assert fetched.ok
    assert fetched.body() == CSV_BYTES

    shot = tmp_path / "journey-final.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copy(shot, "/tmp/journey-final.png")


# --- narrow screens ------------------------------------------------------------------------

# Elements sticking out past the viewport, skipping those inside a box that scrolls or clips
# horizontally itself (such as .table-wrap). Outermost offenders only.
OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) {
        return true;
      }
    }
    return false;
  };
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const r = el.getBoundingClientRect();
    const text = (el.innerText || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    const where = el.closest('[id]');
    return `${s} right=${Math.round(r.right)} width=${Math.round(r.width)}`
      + (where && where !== el ? ` in #${where.id}` : '') + (text ? ` "${text}"` : '');
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1 || clipped(el)) continue;
    if (found.some((f) => f.contains(el))) continue;
    found.push(el);
  }
  return found.map(describe);
}
"""


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 720}])
def test_case_pages_do_not_scroll_sideways_at_320px(page: Page, viewport):
    from assurance.cases.models import ImprovementCase

    demo.seed()
    titles = [demo.GOVERNANCE_TITLE, demo.RECORD_QUALITY_TITLE, demo.WORKFORCE_TITLE]
    urls = {
        title: reverse("casework:case_detail", args=[ImprovementCase.objects.get(title=title).uuid])
        for title in titles
    }
    sign_in(page, "quality.lead")
    problems = {}
    for title, url in urls.items():
        page.goto(url)
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        # Open every disclosure so hidden forms and tables are measured too.
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > viewport["width"] + 1:
            problems[title] = (scroll_width, page.evaluate(OVERFLOWING))
    assert not problems, "Pages wider than 320px (scrollWidth, overflowing elements): " + str(
        problems
    )

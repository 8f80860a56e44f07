"""Real-browser fixtures: Debian's Chromium driven by Playwright's sync API.

Never run `playwright install`: the browser is the system one at /usr/bin/chromium. The root
tests/conftest.py skips tests marked `browser` when it is missing.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
# axe-core, pinned, from the npm registry (never a CDN): scripts/test.sh installs it.
AXE_VERSION = "4.10.3"
AXE_JS = Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"
AXE_INSTALL = f"npm install --no-save --prefix .cache/axe axe-core@{AXE_VERSION}"
# Failures are these; "moderate" and "minor" findings are listed by the test but allowed.
AXE_FAILING = ("serious", "critical")


def _load_reference_data():
    """The framework and domain catalogue, as the data migration loads them (idempotent)."""
    from django.apps import apps

    from domains.loaders import load_catalogue, load_framework
    from domains.models import Domain, Framework

    if not (Framework.objects.exists() and Domain.objects.exists()):
        load_framework(apps, "saf-2024.json")
        load_catalogue(apps, "domain_catalogue.json")


@pytest.fixture
def browser_db(transactional_db, django_db_serialized_rollback):
    """The live server needs a transactional database; each such test ends by emptying the
    tables. Serialized rollback (as the other transactional tests use) restores the data the
    migrations loaded before the test and keeps the flush from re-creating content types
    under new ids, which would break a later test restoring its own snapshot. Should the
    reference data still be missing, load it again."""
    _load_reference_data()


@pytest.fixture
def browser(browser_db):
    """Chromium for one test, started after the database is set up and stopped before it is
    flushed.

    While Playwright's sync API runs, this thread has a running event loop: Django's
    async-safety check would refuse the test's own ORM calls, and asgiref gives the thread a
    fresh set of database connections. Both last only as long as this fixture.
    """
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
                connections.close_all()  # the ones opened while the loop ran
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def viewport():
    return {"width": 1280, "height": 900}


@pytest.fixture
def bypass_csp():
    """Only the axe checks turn it on: axe is injected as a script tag, which the policy would
    block. Every other browser test runs under the policy and fails on anything it blocks."""
    return False


@pytest.fixture
def page(live_server, browser, viewport, bypass_csp):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        accept_downloads=True,
        locale="en-GB",
        bypass_csp=bypass_csp,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The Content Security Policy is enforced: anything it blocks (an inline script or
    # style, a style htmx injects, eval) shows up as a console message.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"Blocked by the Content Security Policy: {blocked}"


@pytest.fixture
def axe():
    """`axe(page, state)`: run axe-core on the page as it is now; return its serious and
    critical violations as readable lines (empty when there are none)."""
    if not AXE_JS.exists():
        pytest.skip(
            f"needs axe-core from the npm registry: {AXE_INSTALL} (scripts/test.sh runs it)"
        )

    def run(page, state):
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{state}: {v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(
                " ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                for n in v["nodes"][:4]
            )
            for v in result["violations"]
            if v["impact"] in AXE_FAILING
        ]

    return run

"""Test-wide fixtures. Environment defaults for tests live in tests/settings.py."""

import os
import shutil

import pytest

from tests.personas import *  # noqa: E402,F403  (persona fixtures)

REDIS_URL = os.environ.get("REDIS_URL", "")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    skip_redis = pytest.mark.skip(reason="needs a real Redis: set REDIS_URL (CI does)")
    skip_browser = pytest.mark.skip(
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    )
    for item in items:
        if ("redis" in item.keywords or "worker" in item.keywords) and not REDIS_URL:
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not os.path.exists(CHROMIUM):
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def mailoutbox_clear(mailoutbox):
    mailoutbox.clear()
    return mailoutbox

"""Models and migrations agree: moving code between rooms must never move a table."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_models_need_no_new_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when changes are pending
        pytest.fail(f"makemigrations found model changes without a migration:\n{out.getvalue()}")
        raise AssertionError from exc
    assert "No changes detected" in out.getvalue()

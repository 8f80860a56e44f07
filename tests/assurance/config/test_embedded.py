"""The embedded set-up (scripts/run.sh): links follow HOST and PORT, email is one log line
(the whole message in a file), ordinary refusals log no traceback, a documented way to make
a superuser and a link to the admin for them."""

import logging
import subprocess
import sys

import pytest
from django.core import mail
from django.urls import reverse

from assurance.config.embedded import embedded_site_url
from tests.assurance.config.test_settings import ROOT, _base_env
from tests.factories import UserFactory


def test_it_links_to_where_run_sh_serves():
    assert embedded_site_url() == "http://127.0.0.1:8000"
    assert embedded_site_url("", "8080") == "http://127.0.0.1:8080"
    assert embedded_site_url("0.0.0.0", "9000") == "http://localhost:9000"  # noqa: S104
    assert embedded_site_url("::1", "8000") == "http://[::1]:8000"


def _settings_value(expression, **env):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", f"from django.conf import settings; "
         f"print({expression})"],
        cwd=ROOT,
        env=_base_env(DEBUG="1", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_it_builds_site_url_from_host_and_port_when_unset():
    assert _settings_value("settings.SITE_URL", PORT="8123") == "http://127.0.0.1:8123"
    assert (
        _settings_value("settings.SITE_URL", PORT="8123", SITE_URL="https://care.example.org/")
        == "https://care.example.org"
    )


def test_it_writes_emails_to_files_unless_an_email_url_is_set():
    assert (
        _settings_value("settings.EMAIL_BACKEND") == "assurance.common.mail.LoggedFileEmailBackend"
    )
    assert _settings_value(
        "settings.EMAIL_BACKEND", EMAIL_URL="smtp+tls://u:p@smtp.example.org:587"
    ).endswith("smtp.EmailBackend")


def test_it_logs_one_line_per_email_and_writes_the_whole_message_to_a_file(
    settings, tmp_path, caplog
):
    settings.EMAIL_BACKEND = "assurance.common.mail.LoggedFileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    with caplog.at_level(logging.INFO, logger="assurance.mail"):
        mail.send_mail(
            "Reminders: 2 reviews due",
            "The whole digest, long and personal.",
            "assurance@example.org",
            ["rm@example.org", "dm@example.org"],
        )
    [record] = [r for r in caplog.records if r.name == "assurance.mail"]
    line = record.getMessage()
    assert "Reminders: 2 reviews due" in line
    assert "rm@example.org, dm@example.org" in line
    assert "The whole digest" not in line
    [written] = list((tmp_path / "mail").iterdir())
    assert "The whole digest, long and personal." in written.read_text()


@pytest.mark.django_db
def test_an_ordinary_refusal_logs_one_line_without_a_traceback(client, caplog):
    client.force_login(UserFactory())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.post(reverse("reviews:reminders_run"))  # raises PermissionDenied
        assert response.status_code == 403
        assert client.get("/no-such-page/").status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.status_code for r in records] == [403, 404]
    assert all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_superusers_get_a_link_to_the_admin_in_the_header(client):
    client.force_login(UserFactory())
    assert reverse("admin:index") not in client.get(reverse("organisations:home")).content.decode()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert reverse("admin:index") in client.get(reverse("organisations:home")).content.decode()


def test_run_sh_runs_a_manage_py_command_such_as_createsuperuser():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert 'exec "$PY" manage.py "$@"' in script
    assert "bash scripts/run.sh createsuperuser" in (ROOT / "README.md").read_text()


def test_createsuperuser_works_on_the_embedded_set_up(tmp_path):
    """What `bash scripts/run.sh createsuperuser` runs once the environment is installed:
    migrate, then createsuperuser, on SQLite in the data folder with DEBUG=1."""
    env = _base_env(
        DEBUG="1",
        DATA_DIR=str(tmp_path),
        DJANGO_SUPERUSER_PASSWORD="a-long-admin-password-2026",
    )
    env.pop("DATABASE_URL", None)
    for args in (
        ["migrate", "--noinput", "-v", "0"],
        ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.org"],
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "db.sqlite3").exists()
    assert "Superuser created successfully." in result.stdout

"""`manage.py check_production` (and `check --deploy`, which runs the same checks): what a
production set-up still lacks, in plain words, and a non-zero exit while anything does."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assurance.config.celery import app
from tests.workers import needs_postgresql

ROOT = Path(__file__).resolve().parents[3]
GOOD_SECRET = "a-long-production-like-secret-" + "k3y" * 20


@pytest.fixture
def production(settings, s3_storage, monkeypatch):
    """Settings as a production set-up should have them: PostgreSQL (the test database),
    Redis, SMTP, a bucket, HTTPS origins."""
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.ALLOWED_HOSTS = ["assurance.example.org"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://assurance.example.org"]
    settings.SITE_URL = "https://assurance.example.org"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.org"
    settings.DEFAULT_FROM_EMAIL = "Care assurance <assurance@example.org>"
    # A Redis broker: the real one when the run has it (the test that needs it answering is
    # marked `redis`); the broker-down test points it elsewhere anyway.
    monkeypatch.setattr(
        app.conf, "broker_url", os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    return settings


def run_checks():
    out = StringIO()
    try:
        call_command("check_production", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.s3
@needs_postgresql
def test_it_passes_a_production_set_up(production):
    text, failure = run_checks()
    assert failure is None, text
    assert "All production checks passed" in text


@pytest.mark.django_db
def test_it_names_everything_a_development_set_up_lacks(settings, monkeypatch):
    settings.DEBUG = True
    settings.SECRET_KEY = "django-insecure-local-development-only"
    settings.ALLOWED_HOSTS = ["*"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Care assurance <assurance@localhost>"
    monkeypatch.setattr(app.conf, "broker_url", "filesystem://")
    monkeypatch.setattr(connection, "vendor", "sqlite")

    text, failure = run_checks()

    assert failure is not None and "not ready for production" in failure
    for words in [
        "DEBUG is on",
        "SECRET_KEY is the development key",
        "ALLOWED_HOSTS lets in any host name",
        "CSRF_TRUSTED_ORIGINS is empty",
        "SITE_URL is http://127.0.0.1:8000",
        "The database is SQLite",
        "The task queue is this server's filesystem",
        "Email goes to the console",
        "DEFAULT_FROM_EMAIL",
        "Files are kept on this server's disk",
    ]:
        assert words in text, f"{words!r} not in:\n{text}"


@pytest.mark.django_db
@pytest.mark.s3
def test_it_says_when_the_bucket_or_the_broker_does_not_answer(production, s3_storage, monkeypatch):
    production.STORAGES = {
        **production.STORAGES,
        "default": s3_storage.backend(bucket="no-such-bucket"),
    }
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")

    text, failure = run_checks()

    assert failure is not None
    assert "The bucket does not answer" in text and "create_bucket" in text
    assert "The task queue (Redis) does not answer" in text
    assert s3_storage.backend()["OPTIONS"]["secret_key"] not in text


@pytest.mark.django_db
def test_it_refuses_a_short_key_an_example_key_and_http_origins(settings):
    settings.DEBUG = False
    settings.CSRF_TRUSTED_ORIGINS = ["http://assurance.example.org"]
    for key, words in [
        ("short-" + "x" * 20, "SECRET_KEY is too short"),
        ("change-me-to-a-long-random-string", "SECRET_KEY is the example"),
    ]:
        settings.SECRET_KEY = key
        text, failure = run_checks()
        assert failure is not None and words in text, text
    assert "CSRF_TRUSTED_ORIGINS has origins that are not https" in text
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    text, _ = run_checks()
    assert "ALLOWED_HOSTS names only this machine (127.0.0.1, localhost)" in text


def _manage(*args, env):
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "DATA_DIR"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**keep, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_non_zero_in_plain_words():
    result = _manage("check_production", env={"DEBUG": "1"})
    assert result.returncode == 1
    assert "DEBUG is on" in result.stdout and "Traceback" not in result.stderr


def test_check_deploy_runs_the_same_checks():
    # Passing with production settings: tests/assurance/config/test_settings.py.
    result = _manage("check", "--deploy", env={"DEBUG": "1"})
    assert result.returncode != 0
    # EMAIL_URL unset: the embedded set-up writes emails to files, which reach nobody
    assert "Email is written to files" in result.stderr and "assurance.E008" in result.stderr

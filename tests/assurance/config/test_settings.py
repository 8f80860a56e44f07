"""Start-up configuration, checked in fresh interpreters so settings load from scratch."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workers import database_url, needs_postgresql

ROOT = Path(__file__).resolve().parents[3]


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _base_env(**extra):
    keep = {
        k: v
        for k, v in os.environ.items()
        if k in {"PATH", "HOME", "LANG", "DATABASE_URL", "DATA_DIR"}
    }
    return {**keep, **extra}


def test_it_fails_clearly_without_a_secret_key_when_debug_is_off():
    result = _manage("check", env=_base_env(DEBUG="0"))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
@pytest.mark.redis
@pytest.mark.s3
@needs_postgresql
def test_it_passes_the_deploy_checklist_with_production_settings(s3_bucket):
    # The production checks (assurance/config/checks.py) reach the database, Redis and the
    # bucket, so this set-up has all three: the test database, REDIS_URL and a moto bucket.
    env = _base_env(
        DEBUG="0",
        SECRET_KEY="a-long-production-like-secret-" + "k3y" * 20,
        ALLOWED_HOSTS="assurance.example.org",
        CSRF_TRUSTED_ORIGINS="https://assurance.example.org",
        SITE_URL="https://assurance.example.org",
        DATABASE_URL=database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        EMAIL_URL="smtp+tls://user:password@smtp.example.org:587",
        DEFAULT_FROM_EMAIL="Care assurance <assurance@example.org>",
        **s3_bucket.env(),
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_runs_with_debug_and_no_secret_for_local_use():
    result = _manage("check", env=_base_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr

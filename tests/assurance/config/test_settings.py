"""Start-up configuration, checked in fresh interpreters so settings load from scratch."""

import os
import subprocess
import sys
from pathlib import Path

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


def test_it_passes_the_deploy_checklist_with_production_settings():
    env = _base_env(
        DEBUG="0",
        SECRET_KEY="a-long-production-like-secret-" + "k3y" * 20,
        ALLOWED_HOSTS="assurance.example.org",
        CSRF_TRUSTED_ORIGINS="https://assurance.example.org",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_runs_with_debug_and_no_secret_for_local_use():
    result = _manage("check", env=_base_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr

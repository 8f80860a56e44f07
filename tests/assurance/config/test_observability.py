"""JSON logs (LOG_FORMAT=json) and error reporting to Sentry (SENTRY_DSN)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import sentry_sdk
from django.test import RequestFactory

from assurance.config.observability import JsonFormatter

ROOT = Path(__file__).resolve().parents[3]


def _record(msg, *args, exc_info=None, **extra):
    logger = logging.getLogger("assurance.test")
    record = logger.makeRecord(
        logger.name, logging.WARNING, __file__, 42, msg, args, exc_info, extra=extra
    )
    return record


def test_it_writes_one_json_object_per_line_with_the_message_and_its_context():
    line = JsonFormatter().format(_record("Sent %d reminders to %s", 3, "rm@example.org"))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "Sent 3 reminders to rm@example.org"
    assert entry["level"] == "WARNING" and entry["logger"] == "assurance.test"
    assert entry["time"].endswith("Z") and "T" in entry["time"]
    assert isinstance(entry["process"], int)


def test_it_keeps_extra_fields_and_turns_what_json_cannot_hold_into_text():
    entry = json.loads(JsonFormatter().format(_record("done", run_id=7, took=Path("/x"))))
    assert entry["run_id"] == 7 and entry["took"] == "/x"


def test_it_keeps_the_exception_in_the_same_line():
    try:
        raise ValueError("Pango is missing")
    except ValueError:
        line = JsonFormatter().format(_record("Report failed", exc_info=sys.exc_info()))

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["exception"].startswith("Traceback") and "Pango is missing" in entry["exception"]
    assert entry["exception_type"] == "ValueError"


def test_it_shows_a_request_as_its_method_and_path_only():
    request = RequestFactory().post("/cases/1/?next=/x", {"password": "hunter2"})
    entry = json.loads(JsonFormatter().format(_record("Forbidden", request=request)))
    assert entry["request"] == {"method": "POST", "path": "/cases/1/"}
    assert "hunter2" not in json.dumps(entry)


def _python(code, **env):
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "DATA_DIR"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "assurance.config.settings", "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_json_makes_every_log_line_json():
    result = _python(
        "import django, logging; django.setup(); "
        "logging.getLogger('assurance.x').warning('hello %s', 'world')",
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert json.loads(line)["message"] == "hello world"


def test_an_unknown_log_format_stops_start_up_with_a_clear_message():
    result = _python("import django; django.setup()", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr


def test_sentry_reports_errors_without_personal_data_when_a_dsn_is_set():
    result = _python(
        "import django, json, sentry_sdk; django.setup(); "
        "client = sentry_sdk.get_client(); o = client.options; "
        "print(json.dumps({'active': client.is_active(), 'pii': o['send_default_pii'], "
        "'body': o['max_request_body_size'], 'locals': o['include_local_variables'], "
        "'integrations': sorted(client.integrations)}))",
        SENTRY_DSN="https://public@sentry.example.org/1",
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout)
    assert options["active"] is True
    assert options["pii"] is False and options["body"] == "never" and options["locals"] is False
    assert {"django", "celery"} <= set(options["integrations"])


def test_sentry_stays_off_without_a_dsn():
    assert not sentry_sdk.get_client().is_active()

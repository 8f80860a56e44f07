"""Real Celery worker processes for tests: started against the real Redis broker and the test
database, killed with SIGKILL like a lost server. Fixtures `task_queue` and `workers` are in
tests/conftest.py.

Needs REDIS_URL (CI sets it) and PostgreSQL, so that the worker process can share the test
database: mark such tests `worker` and `redis`, and use `django_db(transaction=True)`.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(Path(sys.executable).with_name("celery"))

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL so that the worker process can share the test database",
)


def database_url():
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class Worker:
    """`celery -A assurance worker` (solo pool unless told) in its own process group, logging
    to a file. Environment variables given as keyword arguments override the defaults."""

    def __init__(self, tmp_path, queue, name, *, pool="solo", **env):
        self.log = tmp_path / f"{name}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            # A killed worker's unacknowledged task comes back after 5 s, checked every second.
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "REMINDER_SWEEP_ON_WORKER_START": "0",
            "LOG_LEVEL": "INFO",
            **env,
        }
        self.args = [
            CELERY, "-A", "assurance", "worker", f"--pool={pool}", "--loglevel=INFO",
            "-Q", queue, "-n", f"{name}-{queue}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        if pool == "prefork":
            self.args.append("--concurrency=1")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b"ready." in self.log.read_bytes(), 60, f"worker ready ({self.log})")
        return self

    def text(self):
        return self.log.read_text(errors="replace")

    def kill(self):
        """SIGKILL the whole worker (its process group), as when a server is lost."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

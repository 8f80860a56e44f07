"""Test-wide fixtures. Environment defaults for tests live in tests/settings.py."""

import logging
import os
import shutil
import uuid
from dataclasses import dataclass

import pytest

from assurance.config.storage import s3_backend
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
def _empty_cache():
    """Each test starts with an empty cache: ids are reused across rolled-back tests, so a
    figure cached by one test must not be read by the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def task_queue():
    """A Celery queue of this test's own on the real broker, empty at the start and removed
    at the end (tests/workers.py starts workers reading it)."""
    from assurance.config.celery import app

    name = f"test-{uuid.uuid4().hex[:12]}"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(name)
    yield name
    with app.connection_for_write() as conn:
        keys = (name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
        conn.default_channel.client.delete(*keys)


@pytest.fixture
def workers():
    """Workers started by the test (append them); each is killed at the end."""
    started = []
    yield started
    for worker in started:
        worker.kill()


@pytest.fixture
def mailoutbox_clear(mailoutbox):
    mailoutbox.clear()
    return mailoutbox


# --- a real S3 API on loopback ------------------------------------------------------------

S3_ACCESS_KEY = "test-access-key"
S3_SECRET_KEY = "test-secret-key-not-secret"


@pytest.fixture(scope="session")
def s3_server():
    """moto in server mode on a free loopback port, for the whole session: a real S3 HTTP
    API, so the tests exercise the same requests as SeaweedFS, Garage or AWS would get."""
    moto_server = pytest.importorskip("moto.server", reason="needs moto[server] (test extra)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3Bucket:
    endpoint: str
    name: str
    client: object

    def keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(obj["Key"] for obj in listing.get("Contents", []))

    def read(self, key) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def backend(self, **overrides) -> dict:
        options = {
            "bucket": self.name,
            "endpoint_url": self.endpoint,
            "access_key": S3_ACCESS_KEY,
            "secret_key": S3_SECRET_KEY,
            "region": "us-east-1",
            **overrides,
        }
        return s3_backend(**options)

    def env(self) -> dict:
        """The environment a separate process needs to use this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_S3_REGION_NAME": "us-east-1",
        }


@pytest.fixture
def s3_bucket(s3_server):
    """An empty bucket of this test's own on the session's S3 server."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
    )
    name = f"test-{uuid.uuid4().hex[:20]}"
    client.create_bucket(Bucket=name)
    return S3Bucket(endpoint=s3_server, name=name, client=client)


@pytest.fixture
def s3_storage(settings, s3_bucket):
    """Stored files go to `s3_bucket` for this test, as with AWS_STORAGE_BUCKET_NAME set."""
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.backend()}
    return s3_bucket

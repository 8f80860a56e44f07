import pytest
from django.urls import reverse

from assurance.config.celery import app

pytestmark = pytest.mark.django_db


@pytest.mark.redis
def test_it_reports_ok_when_database_and_redis_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["broker"]["transport"] == "redis"


def test_it_reports_503_when_the_broker_is_unreachable(client, monkeypatch):
    # Port 9 (discard) is closed here: nothing answers.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False


def test_it_needs_no_login_and_shows_no_secrets(client, settings):
    response = client.get(reverse("healthz"))
    text = response.content.decode()
    assert settings.SECRET_KEY not in text
    assert "password" not in text.lower()
    assert "127.0.0.1:6379" not in text


def test_it_reports_the_file_storage_on_this_disk(client):
    body = client.get(reverse("healthz")).json()
    assert body["storage"] == {"ok": True, "backend": "filesystem"}


@pytest.mark.s3
def test_it_reports_the_bucket_when_files_are_in_s3(client, s3_storage):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert body["storage"] == {"ok": True, "backend": "s3"}
    assert body["database"]["ok"] is True


@pytest.mark.s3
def test_it_reports_503_when_the_bucket_is_missing_and_shows_no_secrets(
    client, s3_storage, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage.backend(bucket="no-such-bucket"),
    }
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["storage"]["ok"] is False and body["storage"]["backend"] == "s3"
    text = response.content.decode()
    options = s3_storage.backend()["OPTIONS"]
    for secret in (options["access_key"], options["secret_key"], s3_storage.endpoint):
        assert secret not in text
    assert "no-such-bucket" not in text

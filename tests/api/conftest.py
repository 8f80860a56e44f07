"""API test helpers: personal access tokens for the personas, and a client that sends one."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from api import services as api_services
from tests.assurance.conftest import at_step_five  # noqa: F401 - a case taken to step 5


def make_token(user, *, days=30, name="Test token"):
    created = api_services.token_create(
        actor=user, name=name, expires_on=timezone.localdate() + timedelta(days=days)
    )
    return created.secret


class Api:
    """GETs with `Authorization: Bearer <token>`."""

    def __init__(self, client, secret):
        self.client = client
        self.secret = secret

    def get(self, url, **params):
        return self.client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {self.secret}")


@pytest.fixture
def api_as(client):
    def make(user, **kwargs):
        return Api(client, make_token(user, **kwargs))

    return make


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # The rate limit counts in Django's cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()

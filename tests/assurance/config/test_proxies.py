"""Login throttling keys on the client's address: REMOTE_ADDR without a proxy, and the entry
the trusted proxies added to X-Forwarded-For behind TRUSTED_PROXY_COUNT of them."""

import pytest
from axes.helpers import get_client_ip_address
from django.urls import reverse

from tests.factories import UserFactory

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [("", PROXY), ("203.0.113.9", PROXY), ("6.6.6.6, 203.0.113.9", PROXY)],
)
def test_without_trusted_proxies_the_address_is_remote_addr(rf, settings, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.post("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert get_client_ip_address(request) == expected


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # What the client sent itself is to the left of what our proxy added: ignored.
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6,203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "203.0.113.9:51234", "203.0.113.9"),
        (1, "[2001:db8::1]:51234", "2001:db8::1"),
        # Fewer entries than trusted proxies (the request did not come through them all),
        # no header, or nonsense: the address that connected to us.
        (2, "203.0.113.9", PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "6.6.6.6, unknown", PROXY),
    ],
)
def test_behind_trusted_proxies_the_address_comes_from_x_forwarded_for(
    rf, settings, count, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = rf.post("/accounts/login/", REMOTE_ADDR=PROXY, **extra)
    assert get_client_ip_address(request) == expected


def _fail_logins(client, address, times):
    for _ in range(times):
        client.post(
            reverse("login"),
            {"username": "carer", "password": "nope"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        )


def _login(client, address):
    return client.post(
        reverse("login"),
        {"username": "carer", "password": "correct horse battery staple"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.django_db
def test_behind_a_proxy_one_client_locked_out_does_not_lock_out_another(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="carer")
    _fail_logins(client, "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    assert _login(client, "203.0.113.9").status_code == 429
    # The same person from another address (through the same proxy) can still sign in.
    assert _login(client, "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    UserFactory(username="carer")
    _fail_logins(client, "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    assert _login(client, "198.51.100.7").status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_a_forged_leftmost_entry_does_not_escape_the_lockout(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="carer")
    _fail_logins(client, "203.0.113.9", settings.AXES_FAILURE_LIMIT)
    assert _login(client, "198.51.100.7, 203.0.113.9").status_code == 429

"""Personal access tokens: created on the account page and shown once, stored hashed, used
as a Bearer token, expiring, revocable (never deleted), rate limited per token; an ended
membership ends access at once."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from api.models import ApiToken
from assurance.organisations import services as organisations_services
from domains.roles import Role
from tests.api.conftest import Api, make_token
from tests.builders import open_case
from tests.factories import LocationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TOKENS = reverse("api:tokens")
PROVIDERS = reverse("api:provider-list")


def test_it_creates_a_token_shows_it_once_and_keeps_only_its_hash(client, viewer, location):
    client.force_login(viewer)
    assert client.get(TOKENS).status_code == 200
    expires = timezone.localdate() + timedelta(days=30)
    response = client.post(TOKENS, {"name": "Power BI refresh", "expires_on": expires})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    secret = response.context["created"].secret
    html = response.content.decode()
    assert secret in html and "shown only this once" in html
    token = ApiToken.objects.get()
    assert token.user == viewer and token.name == "Power BI refresh"
    assert token.expires_on == expires
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10] and secret.startswith("ca_") and len(secret) > 40
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.fields]
    assert secret not in stored
    # Shown once: the page lists it by its prefix afterwards, never in full.
    again = client.get(TOKENS).content.decode()
    assert secret not in again and token.prefix in again

    api = Api(client, secret)
    client.logout()
    response = api.get(PROVIDERS)
    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["results"]] == [location.provider.slug]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "expires_on": "2099-01-01"}, "Enter a name for the token"),
        (
            {"name": "x", "expires_on": "yesterday"},
            "Enter the last day the token works as a real date",
        ),
        ({"name": "x", "expires_on": "2000-01-01"}, "The expiry date is in the past."),
        ({"name": "x", "expires_on": "2099-01-01"}, "A token can last at most 366 days"),
        ({"name": "   ", "expires_on": "2099-01-01"}, "Enter a name for the token"),
    ],
)
def test_it_refuses_a_bad_token_form_with_a_message(client, viewer, form, message):
    client.force_login(viewer)
    response = client.post(TOKENS, form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_sign_in(client):
    assert client.get(TOKENS).status_code == 302
    assert client.post(TOKENS, {"name": "x"}).status_code == 302


def test_it_refuses_missing_unknown_and_malformed_tokens(client, viewer):
    response = client.get(PROVIDERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    for header, message in [
        ("Bearer ca_not-a-real-token", "This token is not recognised."),
        ("Bearer", "Authorization: Bearer <token>"),
        ("Bearer two parts", "Authorization: Bearer <token>"),
    ]:
        response = client.get(PROVIDERS, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert message in response.json()["detail"], header


def test_a_token_works_through_its_last_day_and_not_after(client, viewer, time_machine):
    api = Api(client, make_token(viewer, days=1))
    assert api.get(PROVIDERS).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(days=1))
    assert api.get(PROVIDERS).status_code == 200  # its last day
    time_machine.move_to(timezone.now() + timedelta(days=1))
    response = api.get(PROVIDERS)
    assert response.status_code == 401
    assert "This token expired after" in response.json()["detail"]


def test_a_revoked_token_stops_at_once_and_is_kept(client, viewer, registered_manager):
    secret = make_token(viewer)
    api = Api(client, secret)
    assert api.get(PROVIDERS).status_code == 200
    token = ApiToken.objects.get()
    # Someone else cannot revoke it: it is a 404 to them.
    client.force_login(registered_manager)
    url = reverse("api:token_revoke", args=[token.uuid])
    assert client.post(url).status_code == 404
    client.force_login(viewer)
    response = client.post(url, follow=True)
    assert "is revoked" in response.content.decode()
    assert client.post(url, follow=True).status_code == 200  # twice is harmless
    client.logout()
    response = api.get(PROVIDERS)
    assert response.status_code == 401
    assert "This token was revoked on" in response.json()["detail"]
    token.refresh_from_db()
    assert token.revoked_by == viewer and token.revoked_at is not None
    assert ApiToken.objects.count() == 1  # never deleted


def test_an_ended_membership_ends_access_at_once(
    client, location, quality_lead, registered_manager, senior_leader
):
    """Each request reads the caller's current roles: nothing is cached in the token."""
    case = open_case(location=location, actor=quality_lead)
    other = LocationFactory(provider=location.provider, name="Birch Lodge")
    MembershipFactory(user=registered_manager, location=other, role=Role.REGISTERED_MANAGER)
    api = Api(client, make_token(registered_manager))
    case_url = reverse("api:case-detail", args=[case.uuid])
    assert api.get(case_url).status_code == 200
    locations = api.get(reverse("api:location-list")).json()["results"]
    assert {loc["name"] for loc in locations} == {"Elm House", "Birch Lodge"}
    # One role ends: that location and its case go at once, the other stays.
    elm = registered_manager.memberships.get(location=location)
    organisations_services.membership_end(actor=senior_leader, membership=elm)
    assert api.get(case_url).status_code == 404
    locations = api.get(reverse("api:location-list")).json()["results"]
    assert [loc["name"] for loc in locations] == ["Birch Lodge"]
    # The last role ends: nothing at all.
    birch = registered_manager.memberships.get(location=other)
    organisations_services.membership_end(actor=senior_leader, membership=birch)
    response = api.get(PROVIDERS)
    assert response.status_code == 403
    assert "no current role" in response.json()["detail"]


def test_a_viewer_whose_access_expired_loses_the_api(client, viewer, time_machine):
    viewer.memberships.update(expires_on=timezone.localdate())
    api = Api(client, make_token(viewer, days=60))
    assert api.get(PROVIDERS).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(days=2))
    assert api.get(PROVIDERS).status_code == 403


def test_it_limits_the_rate_per_token(client, viewer, settings):
    settings.API_TOKEN_RATE = "3/minute"
    first = Api(client, make_token(viewer, name="first"))
    second = Api(client, make_token(viewer, name="second"))
    assert [first.get(PROVIDERS).status_code for _ in range(3)] == [200, 200, 200]
    response = first.get(PROVIDERS)
    assert response.status_code == 429
    assert "Request was throttled" in response.json()["detail"]
    assert second.get(PROVIDERS).status_code == 200  # each token has its own allowance


def test_a_disabled_account_cannot_use_its_token(client, viewer):
    api = Api(client, make_token(viewer))
    viewer.is_active = False
    viewer.save(update_fields=["is_active"])
    assert api.get(PROVIDERS).status_code == 401


def test_signed_in_users_can_use_the_api_and_its_docs(client, viewer):
    client.force_login(viewer)
    assert client.get(PROVIDERS).status_code == 200
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui-bundle.js" in html and "drf_spectacular_sidecar" in html
    assert "<script>" not in html and "<style" not in html  # no inline script or style
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_tokens_are_read_only_in_the_admin_and_can_be_revoked(admin_client, admin_user, viewer):
    make_token(viewer)
    token = ApiToken.objects.get()
    change = reverse("admin:api_apitoken_change", args=[token.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"name": "changed"}).status_code == 403
    assert (
        admin_client.get(reverse("admin:api_apitoken_delete", args=[token.pk])).status_code == 403
    )
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert api_services.token_revoke(actor=admin_user, token=token) is False

"""Writes for personal access tokens: create (the token is returned once) and revoke."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import tokens
from .models import ApiToken

# last_used_at is refreshed at most this often, so a busy token is not a write per request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # the whole token: shown to its owner once, never stored


def token_create(*, actor, name: str, expires_on) -> CreatedToken:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so you can tell it apart later."})
    today = timezone.localdate()
    if expires_on < today:
        raise ValidationError({"expires_on": "The expiry date is in the past."})
    longest = settings.API_TOKEN_MAX_DAYS
    if expires_on > today + timedelta(days=longest):
        raise ValidationError(
            {"expires_on": f"A token can last at most {longest} days: choose an earlier date."}
        )
    secret = tokens.new_token()
    token = ApiToken.objects.create(
        user=actor,
        name=name[:80],
        prefix=tokens.visible_prefix(secret),
        token_hash=tokens.hash_token(secret),
        expires_on=expires_on,
    )
    return CreatedToken(token=token, secret=secret)


def token_revoke(*, actor, token: ApiToken) -> bool:
    """Revoke at once (the next request with it fails). False if it was already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    )


def token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

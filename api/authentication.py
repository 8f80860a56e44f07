"""`Authorization: Bearer <token>` with a personal access token."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from . import services, tokens
from .models import ApiToken


def _uk(day) -> str:
    return f"{day.day} {day:%B %Y}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as “Authorization: Bearer <token>”, the token with no spaces."
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("This token is not recognised.") from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=tokens.hash_token(secret))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not recognised.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                f"This token was revoked on {_uk(timezone.localdate(token.revoked_at))}."
            )
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                f"This token expired after {_uk(token.expires_on)}. Create a new one on your "
                "API tokens page."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        services.token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

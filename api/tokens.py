"""Personal access tokens: made from `secrets`, stored as their SHA-256 only."""

import hashlib
import secrets

PREFIX = "ca_"
VISIBLE = 10  # characters kept in the clear, to tell tokens apart in lists


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def visible_prefix(token: str) -> str:
    return token[:VISIBLE]

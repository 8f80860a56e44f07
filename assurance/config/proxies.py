"""The client's address behind reverse proxies, for login throttling (django-axes).

With TRUSTED_PROXY_COUNT = 0 (no proxy) it is REMOTE_ADDR: X-Forwarded-For is whatever the
client chose to send and is ignored. With N trusted proxies in front of the app, each one
appends the address it received the request from to X-Forwarded-For, so the client's
address is the N-th entry from the right; anything to its left came from the client and
is ignored. When the header has fewer entries than that (the request did not pass through
all the proxies) or the entry is not an IP address, REMOTE_ADDR is used.
"""

import ipaddress

from django.conf import settings


def _address(entry: str) -> str | None:
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:  # [IPv6]:port
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:  # IPv4:port
        entry = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote

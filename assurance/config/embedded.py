"""Small pieces of the settings that keep the embedded set-up (scripts/run.sh) and its log
readable. Imported by the settings, so nothing here touches Django's models."""

import logging

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"
# Addresses a server listens on but a browser cannot open.
_EVERYWHERE = {"0.0.0.0", "::", "[::]"}  # noqa: S104 (compared with, never bound)


def embedded_site_url(host: str = "", port: str = "") -> str:
    """The address scripts/run.sh serves on (HOST and PORT), for links in emails when
    SITE_URL is not set. A server listening everywhere is reached on localhost."""
    host = (host or DEFAULT_HOST).strip()
    port = (port or DEFAULT_PORT).strip()
    if host in _EVERYWHERE:
        host = "localhost"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class QuietRefusals(logging.Filter):
    """An ordinary refusal (403 "not allowed", 404 "not found") is one log line, without the
    traceback Django attaches to a PermissionDenied: the code worked as meant, and the
    tracebacks buried the log lines that matter."""

    QUIET = {403, 404}

    def filter(self, record):
        if getattr(record, "status_code", None) in self.QUIET:
            record.exc_info = None
            record.exc_text = None
        return True

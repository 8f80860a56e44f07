"""Logs and error reports for production: JSON log lines (LOG_FORMAT=json) and Sentry
(SENTRY_DSN). Imported by the settings, so nothing here touches Django's models."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has: anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _plain(value):
    # A request (Django passes it with request errors) is shown as its method and path only:
    # never its query string, headers, cookies or body.
    if hasattr(value, "method") and hasattr(value, "path"):
        return {"method": value.method, "path": value.path}
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, process, the exception
    with its traceback if any, and every `extra=` field (as text when JSON cannot hold it)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            "thread": record.threadName,
        }
        if record.exc_info:
            entry["exception_type"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = _plain(value)
        return json.dumps(entry, default=str, ensure_ascii=False)


def init_sentry(*, dsn: str, environment: str = "", release: str = "", traces: float = 0.0):
    """Report errors from web requests and Celery tasks to Sentry, without personal data:
    no user, IP address or cookies (send_default_pii=False), no request bodies (form text
    may describe people receiving care) and no local variables in stack frames."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces,
    )

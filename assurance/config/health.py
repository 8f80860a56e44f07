"""Health of the database, the task broker and the file storage, for /healthz. No secrets,
addresses or bucket names in the output: only what answered, and the error's type."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assurance.common.storage import check_storage

from .celery import app


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    transport = app.conf.broker_url.split("://", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return {"ok": False, "transport": transport, "error": type(exc).__name__}
    return {"ok": True, "transport": transport}


def check_all() -> dict:
    database = check_database()
    broker = check_broker()
    storage = check_storage().as_json()
    return {
        "ok": database["ok"] and broker["ok"] and storage["ok"],
        "database": database,
        "broker": broker,
        "storage": storage,
    }


@never_cache
@require_GET
def healthz(request):
    report = check_all()
    return JsonResponse(report, status=200 if report["ok"] else 503)

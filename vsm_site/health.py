"""Liveness and readiness: is the database reachable, is the broker reachable?"""

from django.db import connection
from django.http import HttpResponse, JsonResponse

from .celery import app as celery_app


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return False, f"{type(exc).__name__}: {exc}".strip()[:200]
    return True, "ok"


def broker_ok(timeout=2.0):
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}".strip()[:200]
    return True, "ok"


def ping(request):
    """The smallest view on the full middleware stack: the benchmarks' floor."""
    return HttpResponse("pong", content_type="text/plain")


def healthz(request):
    db, db_detail = database_ok()
    broker, broker_detail = broker_ok()
    healthy = db and broker
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": {"ok": db, "detail": db_detail},
            "broker": {"ok": broker, "detail": broker_detail},
        },
        status=200 if healthy else 503,
    )

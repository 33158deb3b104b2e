"""Liveness and readiness: is the database reachable, is the broker reachable?

Anyone may ask (load balancers do, without credentials) and gets the status: 200
``{"status": "ok"}`` or 503 ``{"status": "unavailable"}``. Which component failed and why
(driver errors name hosts and ports) is for staff users and for monitoring that presents
HEALTHZ_TOKEN only.
"""

import secrets

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from vsm_site.celery import app as celery_app


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


def _presented_token(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_HEALTH_TOKEN", "").strip()


def _token_ok(request):
    expected = settings.HEALTHZ_TOKEN
    presented = _presented_token(request)
    if not expected or not presented:
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters, which a caller may send.
    return secrets.compare_digest(presented.encode(), expected.encode())


def _is_staff(request):
    try:
        return request.user.is_staff
    except DatabaseError:  # the session lives in the database that may be the one down
        return False


def may_see_details(request):
    return _token_ok(request) or _is_staff(request)


@never_cache  # a health answer is true for the moment it is given
def healthz(request):
    db, db_detail = database_ok()
    broker, broker_detail = broker_ok()
    healthy = db and broker
    body = {"status": "ok" if healthy else "unavailable"}
    if may_see_details(request):
        body["database"] = {"ok": db, "detail": db_detail}
        body["broker"] = {"ok": broker, "detail": broker_detail}
    return JsonResponse(body, status=200 if healthy else 503)

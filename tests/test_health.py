import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from kombu import Connection

from tests.factories import UserFactory
from vsm_site import health
from vsm_site.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "health-token-0123456789abcdef"
BARE_OK = b'{"status": "ok"}'
BARE_DOWN = b'{"status": "unavailable"}'


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", is_staff=True)


@pytest.fixture
def broker_down(monkeypatch):
    # A real connection attempt to a port nobody listens on.
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda: Connection("redis://127.0.0.1:9/0")
    )


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection to server at 10.1.2.3 failed: Connection refused")


@pytest.fixture
def database_down(monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())


# --- anonymous callers (load balancers): the status only ----------------------------------


def test_healthz_ok_is_bare_for_anonymous(db, client):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, BARE_OK)
    assert response["Content-Type"] == "application/json"


def test_healthz_503_when_broker_unreachable_is_bare_for_anonymous(db, client, broker_down):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, BARE_DOWN)


def test_healthz_503_when_database_down_is_bare_for_anonymous(db, client, database_down):
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, BARE_DOWN)


def test_healthz_is_bare_for_users_who_are_not_staff(world, client, database_down):
    client.force_login(world.org_admin)
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (503, BARE_DOWN)


def test_healthz_is_never_cached(db, client):
    assert "no-store" in client.get("/healthz")["Cache-Control"]


# --- staff users: the components and what went wrong --------------------------------------


def test_healthz_details_for_staff_when_database_and_broker_up(staff, client):
    client.force_login(staff)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True, "detail": "ok"},
        "broker": {"ok": True, "detail": "ok"},
    }


def test_healthz_details_for_staff_when_broker_unreachable(staff, client, broker_down):
    client.force_login(staff)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"ok": True, "detail": "ok"}
    assert body["broker"]["ok"] is False
    assert body["broker"]["detail"] != ""


def test_healthz_details_for_staff_when_database_down(staff, client, database_down):
    client.force_login(staff)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {
        "ok": False,
        "detail": "OperationalError: connection to server at 10.1.2.3 failed: Connection refused",
    }
    assert body["broker"] == {"ok": True, "detail": "ok"}


# --- a configured token: details for monitoring without a login ---------------------------


@pytest.mark.parametrize(
    "header", [{"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}, {"HTTP_X_HEALTH_TOKEN": TOKEN}]
)
def test_healthz_details_for_the_configured_token(db, client, settings, database_down, header):
    settings.HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz", **header)
    assert response.status_code == 503
    assert response.json()["database"]["detail"].endswith("Connection refused")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
        {"HTTP_AUTHORIZATION": f"Token {TOKEN}"},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_X_HEALTH_TOKEN": TOKEN[:-1]},
        {"HTTP_X_HEALTH_TOKEN": "tokén-with-latin-1-ü"},
        {},
    ],
    ids=["longer", "other-scheme", "empty-bearer", "shorter", "non-ascii", "none"],
)
def test_healthz_is_bare_for_a_wrong_token(db, client, settings, database_down, header):
    settings.HEALTHZ_TOKEN = TOKEN
    response = client.get("/healthz", **header)
    assert (response.status_code, response.content) == (503, BARE_DOWN)


def test_healthz_unset_token_opens_nothing(db, client, settings, database_down):
    settings.HEALTHZ_TOKEN = ""
    for header in ({"HTTP_AUTHORIZATION": "Bearer "}, {"HTTP_X_HEALTH_TOKEN": ""}):
        response = client.get("/healthz", **header)
        assert (response.status_code, response.content) == (503, BARE_DOWN)


def test_healthz_token_setting_refuses_a_short_token():
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update({"HEALTHZ_TOKEN": "short", "DJANGO_SETTINGS_MODULE": "vsm_site.settings"})
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.HEALTHZ_TOKEN"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "HEALTHZ_TOKEN must be at least 16 characters" in result.stderr


def test_ping_reads_no_session_or_user_even_when_signed_in(db, client, django_assert_num_queries):
    """/ping is the benchmarks' floor: the middleware stack without a query."""
    client.force_login(UserFactory(username="floor"))
    with django_assert_num_queries(0):
        assert client.get("/ping").content == b"pong"

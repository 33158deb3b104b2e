from django.db import OperationalError
from kombu import Connection

from vsm_site import health
from vsm_site.celery import app as celery_app


def test_healthz_ok_when_database_and_broker_up(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": "ok"}
    assert body["broker"] == {"ok": True, "detail": "ok"}


def test_healthz_503_when_broker_unreachable(db, client, monkeypatch):
    # A real connection attempt to a port nobody listens on.
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda: Connection("redis://127.0.0.1:9/0")
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_healthz_503_when_database_down(db, client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False
    assert "Connection refused" in body["database"]["detail"]
    assert body["broker"]["ok"] is True

"""Duplicate deliveries under concurrency: providers retry, and two copies of one delivery
may arrive at the same moment on two server threads."""

import hashlib
import hmac
import threading
from pathlib import Path

import pytest
from django.db import connections

from assessments.dora import webhook_services
from assessments.models import Deployment, WebhookDelivery
from tests.factories import TeamFactory

PAYLOADS = Path(__file__).parent / "payloads"


def run_together(*calls, timeout=60):
    """Each call in its own thread, released at once; what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = call()
        except BaseException as exc:  # reported to the test, which asserts on it
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_duplicate_delivery_under_concurrency_stored_and_processed_once(monkeypatch):
    monkeypatch.setattr(webhook_services.task_process_delivery, "apply_async", lambda *a, **k: None)
    team = TeamFactory()
    hook, secret = webhook_services.create_webhook(provider="github", team=team)
    body = (PAYLOADS / "github_deployment_status.json").read_bytes()
    headers = {
        "x-github-event": "deployment_status",
        "x-github-delivery": "same-delivery",
        "x-hub-signature-256": "sha256="
        + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }

    def receive():
        return webhook_services.receive_delivery(hook.public_id, headers, body).status

    assert sorted(run_together(receive, receive)) == [200, 202]
    delivery = WebhookDelivery.objects.get()

    def process():
        return webhook_services.process_delivery(delivery.pk)

    outcomes = run_together(process, process)
    assert sorted(outcomes, key=str) == [None, "processed"]
    assert Deployment.objects.filter(team=team).count() == 1

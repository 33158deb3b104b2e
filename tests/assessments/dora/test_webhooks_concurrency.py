"""Duplicate deliveries under concurrency: providers retry, and two copies of one delivery
may arrive at the same moment on two server threads."""

import hashlib
import hmac
from pathlib import Path

import pytest

from assessments.dora import webhook_services
from assessments.models import Deployment, WebhookDelivery
from tests.concurrency import run_together
from tests.factories import TeamFactory

PAYLOADS = Path(__file__).parent / "payloads"


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

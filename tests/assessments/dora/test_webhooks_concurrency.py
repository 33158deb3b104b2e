"""Duplicate deliveries under concurrency: providers retry, and two copies of one delivery
may arrive at the same moment on two server threads. Published payloads, signed as the
provider signs them."""

import pytest

from assessments.dora import webhook_services
from assessments.models import Deployment, Incident, WebhookDelivery
from tests.assessments.dora.provider_payloads import (
    github_headers,
    load,
    pagerduty_event,
    pagerduty_headers,
)
from tests.concurrency import run_together
from tests.factories import TeamFactory


def _lower(django_headers):
    """Test-client ``HTTP_X_...`` keywords as the receiver sees them: lower-case names."""
    return {k.removeprefix("HTTP_").replace("_", "-").lower(): v for k, v in django_headers.items()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider", ["github", "pagerduty"])
def test_duplicate_delivery_under_concurrency_stored_and_processed_once(monkeypatch, provider):
    monkeypatch.setattr(webhook_services.task_process_delivery, "apply_async", lambda *a, **k: None)
    team = TeamFactory()
    hook, secret = webhook_services.create_webhook(provider=provider, team=team)
    if provider == "github":
        body = load("github_deployment_status.json")
        headers = _lower(github_headers(secret, body, "deployment_status", "same-delivery"))
    else:
        body = pagerduty_event("incident.triggered")
        headers = _lower(pagerduty_headers(secret, body))

    def receive():
        return webhook_services.receive_delivery(hook.public_id, headers, body).status

    assert sorted(run_together(receive, receive)) == [200, 202]
    delivery = WebhookDelivery.objects.get()

    def process():
        return webhook_services.process_delivery(delivery.pk)

    outcomes = run_together(process, process)
    assert sorted(outcomes, key=str) == [None, "processed"]
    events = Deployment if provider == "github" else Incident
    assert events.objects.filter(team=team).count() == 1

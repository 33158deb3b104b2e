"""The receive path as served (autocommit, no transaction around the request): one INSERT
without a transaction of its own, the processing message sent at once and without a kept
result; inside a transaction a replay still leaves it usable."""

import pytest
from django.db import transaction

from assessments.dora import webhook_services
from assessments.models import WebhookDelivery
from tests.bench.webhook_load import signed_headers
from tests.factories import TeamFactory

BODY = b'{"deployment_status": {"state": "success"}}'


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(
        webhook_services.task_process_delivery,
        "apply_async",
        lambda args, **options: messages.append((args, options)),
    )
    return messages


def _receive(hook, secret, delivery="d-1"):
    headers = signed_headers(secret, BODY, "deployment_status", delivery)
    lower = {name.lower(): value for name, value in headers.items()}
    return webhook_services.receive_delivery(hook.public_id, lower, BODY)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_delivery_is_stored_and_sent_at_once_without_a_result(sent):
    hook, secret = webhook_services.create_webhook(provider="github", team=TeamFactory())
    receipt = _receive(hook, secret)
    assert receipt.status == 202
    assert sent == [([receipt.delivery_id], {"retry": False, "ignore_result": True})]
    replay = _receive(hook, secret)
    assert (replay.status, len(sent)) == (200, 1)
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    assert _receive(hook, secret, delivery="d-2").status == 202  # the connection is fine


def test_inside_a_transaction_a_replay_leaves_it_usable(
    db, sent, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="github", team=TeamFactory())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert _receive(hook, secret).status == 202
        assert _receive(hook, secret).status == 200
        assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    assert len(sent) == 1

"""The receiver (POST /hooks/<id>/) and delivery processing, with the providers' published
payloads (payloads/SOURCES.md) signed as each provider signs them (provider_payloads)."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.dora import webhook_services
from assessments.models import Deployment, Incident, Webhook, WebhookDelivery
from assessments.models.dora import TeamOwnership, UnroutedEvent
from tests.assessments.dora.provider_payloads import (
    GITHUB_DELIVERY,
    encode,
    github_headers,
    gitlab_headers,
    gitlab_signed_headers,
    load,
    opsgenie_headers,
    pagerduty_event,
    pagerduty_headers,
    published,
)


@pytest.fixture
def processed_inline(monkeypatch):
    """The broker, replaced by running the task at once (as a worker would)."""
    sent = []

    def apply_async(args, **kwargs):
        sent.append(args[0])
        webhook_services.process_delivery(args[0])

    monkeypatch.setattr(webhook_services.task_process_delivery, "apply_async", apply_async)
    return sent


@pytest.fixture
def broker_down(monkeypatch):
    def apply_async(args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(webhook_services.task_process_delivery, "apply_async", apply_async)


def provider_headers(hook, secret, body, event=None, delivery=None):
    """The headers ``hook``'s provider sends with ``body``, signed with ``secret``."""
    if hook.provider == "github":
        return github_headers(secret, body, event, delivery or GITHUB_DELIVERY)
    if hook.provider == "gitlab":
        return gitlab_headers(secret, event, delivery or "13792a34-cac6-4fda-95a8-c58e00a3954e")
    if hook.provider == "pagerduty":
        return pagerduty_headers(secret, body)
    return opsgenie_headers(secret)


def deliver(client, hook, secret, body, event=None, delivery=None, **extra):
    headers = provider_headers(hook, secret, body, event, delivery)
    headers.update(extra)
    return client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json", **headers
    )


def post_github(client, hook, secret, body, event, delivery=GITHUB_DELIVERY):
    return deliver(client, hook, secret, body, event, delivery)


@pytest.fixture
def github_hook(world):
    return webhook_services.create_webhook(provider="github", team=world.team_a)


# --- every event type, end to end ---------------------------------------------------------


def _state(name, field, value):
    payload = published(name)
    target = payload
    *path, last = field.split(".")
    for key in path:
        target = target[key]
    target[last] = value
    return encode(payload)


def _merged_pull_request():
    payload = published("github_pull_request_closed.json")
    payload["pull_request"].update(merged=True, merged_at=payload["pull_request"]["closed_at"])
    return encode(payload)


PUSH_KEPT = "push: kept; its commits become the changes of the deployment of {}."
PR_IGNORED = "pull_request: changes are taken from the pushes' commits."

# (provider, event header, body, webhook settings, delivery status, reason, what it wrote)
EVENT_CASES = {
    "github ping": (
        "github",
        "ping",
        lambda: load("github_ping.json"),
        {},
        "ignored",
        "ping",
        None,
    ),
    "github deployment_status success": (
        "github",
        "deployment_status",
        lambda: load("github_deployment_status.json"),
        {},
        "processed",
        "",
        ("deployment", "github:deployment:145988746", True),
    ),
    "github deployment_status failure": (
        "github",
        "deployment_status",
        lambda: _state("github_deployment_status.json", "deployment_status.state", "failure"),
        {},
        "processed",
        "",
        ("deployment", "github:deployment:145988746", False),
    ),
    "github deployment_status error": (
        "github",
        "deployment_status",
        lambda: _state("github_deployment_status.json", "deployment_status.state", "error"),
        {},
        "processed",
        "",
        ("deployment", "github:deployment:145988746", False),
    ),
    "github workflow_run completed": (
        "github",
        "workflow_run",
        lambda: load("github_workflow_run_completed.json"),
        {"deploy_workflow": "test"},
        "processed",
        "",
        ("deployment", "github:workflow_run:289782451", True),
    ),
    "github pull_request closed": (
        "github",
        "pull_request",
        lambda: load("github_pull_request_closed.json"),
        {},
        "ignored",
        PR_IGNORED,
        None,
    ),
    "github pull_request merged": (
        "github",
        "pull_request",
        _merged_pull_request,
        {},
        "ignored",
        PR_IGNORED,
        None,
    ),
    "github push": (
        "github",
        "push",
        lambda: load("github_push.json"),
        {},
        "ignored",
        PUSH_KEPT.format("6113728f27ae"),
        None,
    ),
    "gitlab Deployment Hook success": (
        "gitlab",
        "deployment",
        lambda: load("gitlab_deployment.json"),
        {},
        "processed",
        "",
        ("deployment", "gitlab:deployment:15", True),
    ),
    "gitlab Deployment Hook failed": (
        "gitlab",
        "deployment",
        lambda: _state("gitlab_deployment.json", "status", "failed"),
        {},
        "processed",
        "",
        ("deployment", "gitlab:deployment:15", False),
    ),
    "gitlab Pipeline Hook": (
        "gitlab",
        "pipeline",
        lambda: load("gitlab_pipeline.json"),
        {"deploy_workflow": "Pipeline for branch: *"},
        "processed",
        "",
        ("deployment", "gitlab:pipeline:31", True),
    ),
    "gitlab Merge Request Hook": (
        "gitlab",
        "merge_request",
        lambda: load("gitlab_merge_request.json"),
        {},
        "ignored",
        "merge_request: changes are taken from the pushes' commits.",
        None,
    ),
    "gitlab Push Hook": (
        "gitlab",
        "push",
        lambda: load("gitlab_push.json"),
        {},
        "ignored",
        PUSH_KEPT.format("da1560886d4f"),
        None,
    ),
    "pagerduty incident.triggered": (
        "pagerduty",
        None,
        lambda: pagerduty_event("incident.triggered"),
        {},
        "processed",
        "",
        ("incident", "pagerduty:PGR0VU2", None),
    ),
    "pagerduty incident.resolved": (
        "pagerduty",
        None,
        lambda: pagerduty_event("incident.resolved", status="resolved"),
        {},
        "processed",
        "",
        ("incident", "pagerduty:PGR0VU2", "2020-10-02T18:45:22.169000+00:00"),
    ),
    "pagerduty incident.reopened": (
        "pagerduty",
        None,
        lambda: pagerduty_event("incident.reopened"),
        {},
        "processed",
        "",
        ("incident", "pagerduty:PGR0VU2", None),
    ),
    "pagerduty incident.priority_updated (as published)": (
        "pagerduty",
        None,
        lambda: load("pagerduty_incident_priority_updated.json"),
        {},
        "ignored",
        "PagerDuty event 'incident.priority_updated' is not used.",
        None,
    ),
    "opsgenie Create": (
        "opsgenie",
        None,
        lambda: load("opsgenie_alert_create.json"),
        {},
        "processed",
        "",
        ("incident", "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c", None),
    ),
    "opsgenie Close": (
        "opsgenie",
        None,
        lambda: load("opsgenie_alert_close.json"),
        {},
        "processed",
        "",
        ("incident", "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c", "2015-01-05T10:06:14"),
    ),
}


@pytest.mark.parametrize("case", EVENT_CASES.values(), ids=EVENT_CASES.keys())
def test_every_event_type_received_signed_and_derived(
    case, client, world, processed_inline, django_capture_on_commit_callbacks
):
    provider, event, body, options, status, reason, wrote = case
    hook, secret = webhook_services.create_webhook(
        provider=provider, team=world.team_a, options=options
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, hook, secret, body(), event)
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (status, reason)
    if wrote is None:
        assert (Deployment.objects.count(), Incident.objects.count()) == (0, 0)
    elif wrote[0] == "deployment":
        deployment = Deployment.objects.get(team=world.team_a)
        assert (deployment.external_id, deployment.succeeded) == wrote[1:]
    else:
        incident = Incident.objects.get(team=world.team_a)
        resolved = incident.resolved_at.isoformat() if incident.resolved_at else None
        assert incident.external_id == wrote[1]
        assert (resolved or "")[: len(wrote[2] or "")] == (wrote[2] or "")
        assert (resolved is None) == (wrote[2] is None)


def test_receive_github_deployment_status_creates_deployment(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.event_type) == ("processed", "deployment_status")
    assert delivery.headers["x-github-event"] == "deployment_status"
    assert "x-hub-signature-256" not in delivery.headers
    assert bytes(delivery.body) == load("github_deployment_status.json")
    deployment = Deployment.objects.get(team=hook.team)
    assert (
        deployment.external_id,
        deployment.service,
        deployment.environment,
        deployment.finished_at.isoformat(),
        deployment.succeeded,
    ) == (
        "github:deployment:145988746",
        "Codertocat/Hello-World",
        "production",
        "2019-05-15T15:20:55+00:00",
        True,
    )


# --- bad and missing signatures -----------------------------------------------------------

SIGNATURE_CASES = {
    # provider: (published body, event, headers that are wrong, headers with no signature)
    "github": (
        "github_ping.json",
        "ping",
        lambda secret, body: github_headers("wrong", body, "ping"),
        lambda secret, body: {"HTTP_X_GITHUB_EVENT": "ping", "HTTP_X_GITHUB_DELIVERY": "d1"},
    ),
    "gitlab": (
        "gitlab_push.json",
        "push",
        lambda secret, body: gitlab_headers("wrong", "push", "u1"),
        lambda secret, body: {"HTTP_X_GITLAB_EVENT": "Push Hook"},
    ),
    "pagerduty": (
        "pagerduty_incident_priority_updated.json",
        None,
        lambda secret, body: pagerduty_headers(["wrong", "also-wrong"], body),
        lambda secret, body: {},
    ),
    "opsgenie": (
        "opsgenie_alert_create.json",
        None,
        lambda secret, body: opsgenie_headers("wrong"),
        lambda secret, body: {},
    ),
}


@pytest.mark.parametrize("provider", SIGNATURE_CASES)
@pytest.mark.parametrize("which", ["bad", "missing"])
def test_bad_or_missing_signature_401_stores_nothing_and_counts(client, world, provider, which):
    name, _, bad, missing = SIGNATURE_CASES[provider]
    hook, secret = webhook_services.create_webhook(provider=provider, team=world.team_a)
    body = load(name)
    headers = (bad if which == "bad" else missing)(secret, body)
    response = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
    hook.refresh_from_db()
    assert hook.bad_signature_count == 1


@pytest.mark.parametrize("provider", ["github", "pagerduty"])
def test_signature_over_other_bytes_401(client, world, provider):
    """A signature valid for the published body does not cover a body changed in transit."""
    name, event, _, _ = SIGNATURE_CASES[provider]
    hook, secret = webhook_services.create_webhook(provider=provider, team=world.team_a)
    body = load(name)
    headers = provider_headers(hook, secret, body, event)
    tampered = body.replace(b"Hello-World", b"Hello-Worle", 1).replace(b"acme", b"acmf", 1)
    assert tampered != body
    response = client.post(
        f"/hooks/{hook.public_id}/", data=tampered, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_github_sha1_signature_alone_401(client, github_hook):
    hook, secret = github_hook
    body = load("github_ping.json")
    sha1 = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    response = client.post(
        f"/hooks/{hook.public_id}/",
        data=body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping",
        HTTP_X_HUB_SIGNATURE=sha1,
    )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_opsgenie_secret_in_the_header_the_webhook_names(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(
        provider="opsgenie", team=world.team_a, options={"secret_header": "X-Ops-Token"}
    )
    body = load("opsgenie_alert_create.json")
    url = f"/hooks/{hook.public_id}/"
    default = client.post(
        url, data=body, content_type="application/json", **opsgenie_headers(secret)
    )
    with django_capture_on_commit_callbacks(execute=True):
        named = client.post(
            url,
            data=body,
            content_type="application/json",
            **opsgenie_headers(secret, "X-Ops-Token"),
        )
    assert (default.status_code, named.status_code) == (401, 202)
    assert WebhookDelivery.objects.get().status == "processed"


# --- replays ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider, name, event",
    [
        ("github", "github_deployment_status.json", "deployment_status"),
        ("gitlab", "gitlab_deployment.json", "deployment"),
        ("pagerduty", None, None),
        ("opsgenie", "opsgenie_alert_create.json", None),
    ],
)
def test_replayed_delivery_200_does_nothing_new(
    client, world, provider, name, event, processed_inline, django_capture_on_commit_callbacks
):
    """A provider's retry (or a replay of a captured request) carries the same delivery
    identity: GitHub's X-GitHub-Delivery, GitLab's Idempotency-Key, PagerDuty's event.id,
    Opsgenie's alert, action and time."""
    hook, secret = webhook_services.create_webhook(provider=provider, team=world.team_a)
    body = load(name) if name else pagerduty_event("incident.triggered")
    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(client, hook, secret, body, event)
    with django_capture_on_commit_callbacks(execute=True):
        again = deliver(client, hook, secret, body, event)
    assert (first.status_code, again.status_code) == (202, 200)
    assert (WebhookDelivery.objects.count(), len(processed_inline)) == (1, 1)
    assert Deployment.objects.count() + Incident.objects.count() == 1


def test_gitlab_signed_form_replayed_after_five_minutes_401(client, world):
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    body = load("gitlab_deployment.json")
    stale = int(time.time()) - 6 * 60
    headers = gitlab_signed_headers(secret, body, "deployment", "msg_1", stamp=stale)
    response = client.post(
        f"/hooks/{hook.public_id}/", data=body, content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_receive_gitlab_signed_form(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    body = load("gitlab_deployment.json")
    headers = gitlab_signed_headers(secret, body, "deployment", "msg_2")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/{hook.public_id}/", data=body, content_type="application/json", **headers
        )
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.event_type, delivery.status) == (
        "msg_2",
        "deployment",
        "processed",
    )


def test_receive_unknown_hook_404(client, db):
    body = load("github_ping.json")
    response = client.post("/hooks/nope/", data=body, content_type="application/json")
    assert response.status_code == 404


def test_receive_revoked_hook_404(client, github_hook):
    hook, secret = github_hook
    webhook_services.revoke_webhook(hook)
    response = post_github(client, hook, secret, load("github_ping.json"), "ping")
    assert response.status_code == 404


# --- a 10 MB body -------------------------------------------------------------------------


def test_receive_10_mb_body_413_stores_nothing(client, github_hook):
    """A published push padded to 10 MB (still valid JSON) and signed as GitHub signs: refused
    for its size, before its signature is looked at, and nothing stored."""
    hook, secret = github_hook
    body = load("github_push.json") + b" " * (10 * 1024 * 1024)
    assert len(body) > 10 * 1024 * 1024 > webhook_services.MAX_BODY_BYTES
    response = post_github(client, hook, secret, body, "push")
    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0
    hook.refresh_from_db()
    assert hook.bad_signature_count == 0


def test_receive_delivery_refuses_an_oversized_body_itself(github_hook):
    """The service checks the size too (a request without Content-Length reaches it with the
    body read up to one byte past the limit)."""
    hook, secret = github_hook
    body = load("github_push.json") + b" " * webhook_services.MAX_BODY_BYTES
    headers = {
        k.removeprefix("HTTP_").replace("_", "-").lower(): v
        for k, v in github_headers(secret, body, "push").items()
    }
    receipt = webhook_services.receive_delivery(hook.public_id, headers, body)
    assert receipt.status == 413
    assert WebhookDelivery.objects.count() == 0


# --- the broker down ----------------------------------------------------------------------


def test_receive_broker_down_stays_received_then_reprocessed(
    client, github_hook, broker_down, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    assert response.status_code == 202
    assert WebhookDelivery.objects.get().status == "received"
    assert Deployment.objects.count() == 0
    call_command("reprocess_deliveries", "--received")
    assert WebhookDelivery.objects.get().status == "processed"
    assert Deployment.objects.filter(team=hook.team).count() == 1


def test_sweep_derives_deliveries_left_received_after_five_minutes(
    client, github_hook, broker_down, django_capture_on_commit_callbacks
):
    """The beat schedule's sweep (assessments.task_sweep_deliveries): a delivery stored while
    the broker was down is derived once it has waited five minutes, not before."""
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    delivery = WebhookDelivery.objects.get()
    assert webhook_services.sweep_received(now=delivery.received_at + dt.timedelta(minutes=4)) == {}
    assert WebhookDelivery.objects.get().status == "received"
    later = delivery.received_at + dt.timedelta(minutes=6)
    assert webhook_services.sweep_received(now=later) == {"processed": 1}
    assert Deployment.objects.filter(team=hook.team).count() == 1


# --- a payload with a wrong shape ---------------------------------------------------------


def test_receive_wrong_shape_failed_nothing_written(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    payload = published("github_deployment_status.json")
    del payload["deployment"]["environment"]
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, encode(payload), "deployment_status")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        "failed",
        "Missing deployment.environment in the payload.",
    )
    assert Deployment.objects.count() == 0


def test_receive_published_payload_under_another_event_failed_nothing_written(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    """A real push delivered as a deployment_status: stored, failed with the reason."""
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(client, hook, secret, load("github_push.json"), "deployment_status")
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        "failed",
        "Missing deployment_status.state in the payload.",
    )
    assert (Deployment.objects.count(), Incident.objects.count()) == (0, 0)


def test_receive_truncated_body_failed_nothing_written(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    """Half of a published PagerDuty payload, signed as sent: not JSON, failed."""
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    full = pagerduty_event("incident.triggered")
    body = full[: len(full) // 2]
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, hook, secret, body)
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("failed", "The body is not JSON.")
    assert Incident.objects.count() == 0


def test_receive_pagerduty_incident_without_id_failed_nothing_written(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    payload = json.loads(pagerduty_event("incident.triggered"))
    del payload["event"]["data"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, hook, secret, encode(payload))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("failed", "Missing id in the payload.")
    assert Incident.objects.count() == 0


# --- out-of-order delivery ----------------------------------------------------------------


def test_pagerduty_resolved_before_triggered_ends_resolved(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    resolved = pagerduty_event(
        "incident.resolved", occurred_at="2020-10-02T19:00:00Z", event_id="e2", status="resolved"
    )
    triggered = pagerduty_event(
        "incident.triggered", occurred_at="2020-10-02T18:45:22Z", event_id="e1"
    )
    for body in (resolved, triggered):
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, hook, secret, body)
        assert response.status_code == 202
    incident = Incident.objects.get(team=world.team_a)
    assert (
        incident.external_id,
        incident.started_at.isoformat(),
        incident.resolved_at.isoformat(),
    ) == ("pagerduty:PGR0VU2", "2020-04-09T15:16:27+00:00", "2020-10-02T19:00:00+00:00")
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["processed"] * 2


def test_pagerduty_reopened_after_resolved_opens_again(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    bodies = [
        pagerduty_event("incident.triggered", occurred_at="2020-10-02T18:45:22Z", event_id="e1"),
        pagerduty_event(
            "incident.resolved",
            occurred_at="2020-10-02T19:00:00Z",
            event_id="e2",
            status="resolved",
        ),
        pagerduty_event("incident.reopened", occurred_at="2020-10-02T20:00:00Z", event_id="e3"),
    ]
    for body in bodies:
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, hook, secret, body)
    assert Incident.objects.get(team=world.team_a).resolved_at is None


def test_pagerduty_resolved_without_created_at_before_triggered(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    """Deliveries without data.created_at: the start is the earliest event seen."""
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    bodies = []
    for event_type, occurred_at, event_id in (
        ("incident.resolved", "2020-10-02T19:00:00Z", "e2"),
        ("incident.triggered", "2020-10-02T18:45:22Z", "e1"),
    ):
        event = pagerduty_event(event_type, occurred_at=occurred_at, event_id=event_id)
        payload = json.loads(event)
        del payload["event"]["data"]["created_at"]
        bodies.append(encode(payload))
    for body in bodies:
        with django_capture_on_commit_callbacks(execute=True):
            deliver(client, hook, secret, body)
    incident = Incident.objects.get(team=world.team_a)
    assert (incident.started_at.isoformat(), incident.resolved_at.isoformat()) == (
        "2020-10-02T18:45:22+00:00",
        "2020-10-02T19:00:00+00:00",
    )


@pytest.mark.parametrize("order", [("create", "close"), ("close", "create")])
def test_receive_opsgenie_create_and_close_in_either_order(
    order, client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="opsgenie", team=world.team_a)
    for action in order:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, hook, secret, load(f"opsgenie_alert_{action}.json"))
        assert response.status_code == 202
    incident = Incident.objects.get(team=world.team_a)
    assert (incident.started_at.isoformat(), incident.resolved_at.isoformat()[:19]) == (
        "2015-01-05T10:03:11.104000+00:00",
        "2015-01-05T10:06:14",
    )
    assert incident.description.strip() == "test alert"


def _github_deployment_of_push():
    """The published deployment_status deployed f95f852b, the published push's head is
    6113728f: the deployment is made to ship that push (its ``deployment.sha``)."""
    payload = published("github_deployment_status.json")
    payload["deployment"]["sha"] = published("github_push.json")["after"]
    return encode(payload)


def test_push_then_deployment_status_carries_commits_as_changes(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_push.json"), "push", delivery="p1")
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, _github_deployment_of_push(), "deployment_status")
    push = WebhookDelivery.objects.get(delivery_id="p1")
    assert (push.status, push.reason) == ("ignored", PUSH_KEPT.format("6113728f27ae"))
    deployment = Deployment.objects.get(team=hook.team)
    assert deployment.changes == [
        {
            "id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "first_commit_at": "2019-05-15T15:19:25+00:00",
        }
    ]


def test_push_after_its_deployment_adds_the_commits(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, _github_deployment_of_push(), "deployment_status")
    assert Deployment.objects.get(team=hook.team).changes == []
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_push.json"), "push", delivery="p1")
    assert len(Deployment.objects.get(team=hook.team).changes) == 1


def test_published_deployment_of_another_commit_gains_no_changes(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_push.json"), "push", delivery="p1")
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    assert Deployment.objects.get(team=hook.team).changes == []


@pytest.mark.parametrize("order", [("deployment", "push"), ("push", "deployment")])
def test_gitlab_push_commits_become_the_deployments_changes(
    order, client, world, processed_inline, django_capture_on_commit_callbacks
):
    """The published Deployment Hook deployed 279484c0; the published Push Hook's head is
    da156088: the deployment's commit_url is made to name the push's head."""
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    push = load("gitlab_push.json")
    deployment = published("gitlab_deployment.json")
    deployment["commit_url"] = deployment["commit_url"].replace(
        "279484c09fbe69ededfced8c1bb6e6d24616b468", json.loads(push)["after"]
    )
    bodies = {"deployment": encode(deployment), "push": push}
    for event in order:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(client, hook, secret, bodies[event], event, delivery=event)
        assert response.status_code == 202
    assert Deployment.objects.get(team=world.team_a).changes == [
        {
            "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
            "first_commit_at": "2011-12-12T12:27:31+00:00",
        },
        {
            "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "first_commit_at": "2012-01-03T21:36:29+00:00",
        },
    ]


# --- routing, rotation, storage -----------------------------------------------------------


def test_rotation_old_secret_valid_during_grace(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, old = github_hook
    new = webhook_services.rotate_webhook(hook)
    with django_capture_on_commit_callbacks(execute=True):
        a = post_github(client, hook, old, load("github_ping.json"), "ping", delivery="a")
        b = post_github(client, hook, new, load("github_ping.json"), "ping", delivery="b")
    assert (a.status_code, b.status_code) == (202, 202)


def test_pagerduty_rotation_lists_both_signatures(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, old = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    new = webhook_services.rotate_webhook(hook)
    body = pagerduty_event("incident.triggered")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/{hook.public_id}/",
            data=body,
            content_type="application/json",
            **pagerduty_headers([new, old], body),
        )
    assert response.status_code == 202


def test_org_webhook_without_owner_ignored_and_kept_unrouted(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="github", organization=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason.startswith("No team owns it: ")) == ("ignored", True)
    assert Deployment.objects.count() == 0
    unrouted = UnroutedEvent.objects.get()
    assert (unrouted.organization, unrouted.provider, unrouted.summary) == (
        world.org,
        "github",
        "github:deployment:145988746",
    )


def test_org_webhook_routes_to_owning_team(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    TeamOwnership.objects.create(
        organization=world.org, team=world.team_b, kind="repository", value="Codertocat/Hello-World"
    )
    hook, secret = webhook_services.create_webhook(provider="github", organization=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    assert WebhookDelivery.objects.get().status == "processed"
    assert Deployment.objects.get().team == world.team_b


def test_secret_not_stored_in_clear(world):
    hook, secret = webhook_services.create_webhook(provider="github", team=world.team_a)
    assert secret not in Webhook.objects.get().secret_sealed
    assert hook.secrets_valid_at(hook.created_at) == [secret]


def test_receive_github_acknowledges_in_few_queries(client, github_hook, broker_down):
    hook, secret = github_hook
    with CaptureQueriesContext(connection) as queries:
        post_github(client, hook, secret, load("github_ping.json"), "ping")
    # the webhook, then the delivery (in a savepoint)
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) == 2


def test_prune_deletes_deliveries_past_retention(world, settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    body = load("github_ping.json")
    old = WebhookDelivery.objects.create(webhook=hook, delivery_id="old", body=body)
    new = WebhookDelivery.objects.create(webhook=hook, delivery_id="new", body=body)
    WebhookDelivery.objects.filter(pk=old.pk).update(
        received_at=new.received_at - dt.timedelta(days=31)
    )
    assert webhook_services.prune_deliveries(now=new.received_at) == 1
    assert list(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["new"]

"""The receiver (POST /hooks/<id>/) and delivery processing, with signed provider payloads."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.dora import webhook_services
from assessments.models import Deployment, Incident, Webhook, WebhookDelivery
from assessments.models.dora import TeamOwnership, UnroutedEvent

PAYLOADS = Path(__file__).parent / "payloads"


def load(name):
    return (PAYLOADS / name).read_bytes()


def sign_github(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_pagerduty(secret, body):
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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


def post_github(client, hook, secret, body, event, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958"):
    return client.post(
        f"/hooks/{hook.public_id}/",
        data=body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT=event,
        HTTP_X_GITHUB_DELIVERY=delivery,
        HTTP_X_HUB_SIGNATURE_256=sign_github(secret, body),
    )


@pytest.fixture
def github_hook(world):
    return webhook_services.create_webhook(provider="github", team=world.team_a)


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
    deployment = Deployment.objects.get(team=hook.team)
    assert (deployment.external_id, deployment.service, deployment.succeeded) == (
        "github:deployment:145988746",
        "Codertocat/Hello-World",
        True,
    )


def test_receive_github_ping_ignored_200(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        response = post_github(client, hook, secret, load("github_ping.json"), "ping")
    assert response.status_code == 202
    assert WebhookDelivery.objects.get().status == "ignored"


def test_receive_pull_request_ignored_with_reason(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_pull_request_closed.json"), "pull_request")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        "ignored",
        "pull_request: changes are taken from the pushes' commits.",
    )


def test_receive_bad_signature_401_stores_nothing_and_counts(client, github_hook):
    hook, _ = github_hook
    response = post_github(client, hook, "wrong", load("github_ping.json"), "ping")
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0
    hook.refresh_from_db()
    assert hook.bad_signature_count == 1


def test_receive_missing_signature_401(client, github_hook):
    hook, _ = github_hook
    response = client.post(
        f"/hooks/{hook.public_id}/",
        data=b"{}",
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="ping",
    )
    assert response.status_code == 401
    assert WebhookDelivery.objects.count() == 0


def test_receive_replay_200_does_nothing_new(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    body = load("github_deployment_status.json")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_github(client, hook, secret, body, "deployment_status")
    with django_capture_on_commit_callbacks(execute=True):
        again = post_github(client, hook, secret, body, "deployment_status")
    assert (first.status_code, again.status_code) == (202, 200)
    assert (WebhookDelivery.objects.count(), len(processed_inline)) == (1, 1)


def test_receive_unknown_hook_404(client, db):
    assert (
        client.post("/hooks/nope/", data=b"{}", content_type="application/json").status_code == 404
    )


def test_receive_revoked_hook_404(client, github_hook):
    hook, secret = github_hook
    webhook_services.revoke_webhook(hook)
    response = post_github(client, hook, secret, load("github_ping.json"), "ping")
    assert response.status_code == 404


def test_receive_10_mb_body_413_stores_nothing(client, github_hook):
    hook, secret = github_hook
    body = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    response = post_github(client, hook, secret, body, "push")
    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0


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


def test_receive_wrong_shape_failed_nothing_written(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    body = json.dumps({"deployment_status": {"state": "success"}}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, body, "deployment_status")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        "failed",
        "Missing deployment.environment in the payload.",
    )
    assert Deployment.objects.count() == 0


def test_rotation_old_secret_valid_during_grace(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, old = github_hook
    new = webhook_services.rotate_webhook(hook)
    with django_capture_on_commit_callbacks(execute=True):
        a = post_github(client, hook, old, load("github_ping.json"), "ping", delivery="a")
        b = post_github(client, hook, new, load("github_ping.json"), "ping", delivery="b")
    assert (a.status_code, b.status_code) == (202, 202)


def pagerduty_event(event_type, occurred_at, event_id):
    payload = json.loads(load("pagerduty_incident_triggered.json"))
    payload["event"].update(event_type=event_type, occurred_at=occurred_at, id=event_id)
    return json.dumps(payload).encode()


def test_pagerduty_resolved_before_triggered_ends_resolved(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="pagerduty", team=world.team_a)
    resolved = pagerduty_event("incident.resolved", "2020-10-02T19:00:00Z", "e2")
    triggered = pagerduty_event("incident.triggered", "2020-10-02T18:45:22Z", "e1")
    for body in (resolved, triggered):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/hooks/{hook.public_id}/",
                data=body,
                content_type="application/json",
                HTTP_X_PAGERDUTY_SIGNATURE=sign_pagerduty(secret, body),
            )
        assert response.status_code == 202
    incident = Incident.objects.get(team=world.team_a)
    assert (incident.external_id, incident.resolved_at.isoformat()) == (
        "pagerduty:PGR0VU2",
        "2020-10-02T19:00:00+00:00",
    )


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


def test_receive_gitlab_deployment_with_token(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/{hook.public_id}/",
            data=load("gitlab_deployment.json"),
            content_type="application/json",
            HTTP_X_GITLAB_EVENT="Deployment Hook",
            HTTP_X_GITLAB_TOKEN=secret,
            HTTP_X_GITLAB_EVENT_UUID="13792a34-cac6-4fda-95a8-c58e00a3954e",
        )
    assert response.status_code == 202
    deployment = Deployment.objects.get(team=world.team_a)
    assert (deployment.external_id, deployment.environment) == ("gitlab:deployment:15", "staging")


def test_receive_opsgenie_create_then_close(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="opsgenie", team=world.team_a)
    create = json.loads(load("opsgenie_alert_create.json"))
    close = json.loads(load("opsgenie_alert_create.json"))
    close["action"] = "Close"
    close["alert"]["updatedAt"] = 1617003600000000000  # an hour later, in nanoseconds
    for payload in (create, close):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/hooks/{hook.public_id}/",
                data=json.dumps(payload).encode(),
                content_type="application/json",
                HTTP_X_OPSGENIE_SECRET=secret,
            )
        assert response.status_code == 202
    incident = Incident.objects.get(team=world.team_a)
    assert (incident.started_at.isoformat(), incident.resolved_at.isoformat()) == (
        "2021-03-29T06:40:00+00:00",
        "2021-03-29T07:40:00+00:00",
    )


def test_prune_deletes_deliveries_past_retention(world, settings):
    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    hook, _ = webhook_services.create_webhook(provider="github", team=world.team_a)
    old = WebhookDelivery.objects.create(webhook=hook, delivery_id="old", body=b"{}")
    new = WebhookDelivery.objects.create(webhook=hook, delivery_id="new", body=b"{}")
    WebhookDelivery.objects.filter(pk=old.pk).update(
        received_at=new.received_at - dt.timedelta(days=31)
    )
    assert webhook_services.prune_deliveries(now=new.received_at) == 1
    assert list(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["new"]


def test_push_then_deployment_status_carries_commits_as_changes(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_push.json"), "push", delivery="p1")
    with django_capture_on_commit_callbacks(execute=True):
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    push = WebhookDelivery.objects.get(delivery_id="p1")
    assert (push.status, push.reason) == (
        "ignored",
        "push: kept; its commits become the changes of the deployment of f95f852bd8fc.",
    )
    deployment = Deployment.objects.get(team=hook.team)
    assert [(c["id"][:7], c["first_commit_at"][:19]) for c in deployment.changes] == [
        ("ec26c3e", "2019-05-15T15:18:12"),
        ("f95f852", "2019-05-15T15:20:30"),
    ]


def test_push_after_its_deployment_adds_the_commits(
    client, github_hook, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = github_hook
    with django_capture_on_commit_callbacks(execute=True):
        post_github(
            client, hook, secret, load("github_deployment_status.json"), "deployment_status"
        )
    assert Deployment.objects.get(team=hook.team).changes == []
    with django_capture_on_commit_callbacks(execute=True):
        post_github(client, hook, secret, load("github_push.json"), "push", delivery="p1")
    assert len(Deployment.objects.get(team=hook.team).changes) == 2


def test_receive_gitlab_signed_form(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    body = load("gitlab_deployment.json")
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"msg_2.{stamp}.".encode() + body, hashlib.sha256)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/hooks/{hook.public_id}/",
            data=body,
            content_type="application/json",
            HTTP_WEBHOOK_ID="msg_2",
            HTTP_WEBHOOK_TIMESTAMP=stamp,
            HTTP_WEBHOOK_SIGNATURE="v1," + base64.b64encode(digest.digest()).decode(),
        )
    assert response.status_code == 202
    assert WebhookDelivery.objects.get().delivery_id == "msg_2"


def test_gitlab_push_commits_become_the_deployments_changes(
    client, world, processed_inline, django_capture_on_commit_callbacks
):
    hook, secret = webhook_services.create_webhook(provider="gitlab", team=world.team_a)
    push = {
        "object_kind": "push",
        "after": "279484c09fbe69ededfced8c1bb6e6d24616b468",
        "commits": [
            {
                "id": "279484c09fbe69ededfced8c1bb6e6d24616b468",
                "timestamp": "2021-04-28T19:40:00+02:00",
            }
        ],
    }
    for name, body in (("d", load("gitlab_deployment.json")), ("p", json.dumps(push).encode())):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                f"/hooks/{hook.public_id}/",
                data=body,
                content_type="application/json",
                HTTP_X_GITLAB_TOKEN=secret,
                HTTP_X_GITLAB_EVENT_UUID=name,
            )
    assert Deployment.objects.get(team=world.team_a).changes == [
        {
            "id": "279484c09fbe69ededfced8c1bb6e6d24616b468",
            "first_commit_at": "2021-04-28T17:40:00+00:00",
        }
    ]

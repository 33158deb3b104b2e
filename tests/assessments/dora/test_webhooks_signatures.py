"""Signature checks and payload mapping (assessments/dora/webhooks.py), without the database.
Each delivery is signed here exactly as the provider signs it."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assessments.dora import webhooks as wh

PAYLOADS = Path(__file__).parent / "payloads"
SECRET = "It's a Secret to Everybody"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def load(name):
    return (PAYLOADS / name).read_bytes()


def github_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_github_documented_example_verifies():
    # GitHub's documentation example: this secret and body give this signature.
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github_signature(SECRET, body) == expected
    assert wh.verify_github({"x-hub-signature-256": expected}, body, [SECRET]) is True


def test_github_wrong_secret_refused():
    body = load("github_ping.json")
    headers = {"x-hub-signature-256": github_signature("other", body)}
    assert wh.verify_github(headers, body, [SECRET]) is False


def test_github_sha1_header_alone_refused():
    body = load("github_ping.json")
    sha1 = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert wh.verify("github", {"x-hub-signature": sha1}, body, [SECRET], now=NOW) is False


def test_github_any_valid_secret_accepted_during_rotation():
    body = load("github_ping.json")
    headers = {"x-hub-signature-256": github_signature("old", body)}
    assert wh.verify("github", headers, body, ["new", "old"], now=NOW) is True


def test_gitlab_token_matches():
    assert wh.verify("gitlab", {"x-gitlab-token": SECRET}, b"{}", [SECRET], now=NOW) is True
    assert wh.verify("gitlab", {"x-gitlab-token": "nope"}, b"{}", [SECRET], now=NOW) is False


def standard_signature(secret, msg_id, stamp, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_gitlab_signed_form_verifies_and_expires():
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    body = load("gitlab_deployment.json")
    stamp = str(int(NOW.timestamp()))
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1,bm90IGl0 " + standard_signature(secret, "msg_1", stamp, body),
    }
    assert wh.verify("gitlab", headers, body, [secret], now=NOW) is True
    old = str(int(NOW.timestamp()) - 301)
    headers_old = dict(
        headers,
        **{
            "webhook-timestamp": old,
            "webhook-signature": standard_signature(secret, "msg_1", old, body),
        },
    )
    assert wh.verify("gitlab", headers_old, body, [secret], now=NOW) is False


def test_pagerduty_any_listed_signature_matches():
    body = load("pagerduty_incident_triggered.json")
    good = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"x-pagerduty-signature": f"v1=deadbeef,v1={good}"}
    assert wh.verify("pagerduty", headers, body, [SECRET], now=NOW) is True
    headers = {"x-pagerduty-signature": "v1=deadbeef"}
    assert wh.verify("pagerduty", headers, body, [SECRET], now=NOW) is False


def test_opsgenie_shared_secret_header():
    body = load("opsgenie_alert_create.json")
    assert wh.verify("opsgenie", {"x-opsgenie-secret": SECRET}, body, [SECRET], now=NOW) is True
    assert wh.verify("opsgenie", {}, body, [SECRET], now=NOW) is False


def test_missing_secret_never_verifies():
    assert wh.verify("gitlab", {"x-gitlab-token": ""}, b"", [""], now=NOW) is False


def test_map_github_deployment_status_example():
    payload = json.loads(load("github_deployment_status.json"))
    assert wh.map_event("github", "deployment_status", payload, {}) == (
        "deployments",
        [
            {
                "external_id": "github:deployment:145988746",
                "service": "Codertocat/Hello-World",
                "environment": "production",
                "finished_at": "2019-05-15T15:20:55Z",
                "succeeded": True,
            }
        ],
    )


def test_map_github_other_environment_ignored():
    payload = json.loads(load("github_deployment_status.json"))
    with pytest.raises(wh.Ignored, match="staging"):
        wh.map_event("github", "deployment_status", payload, {"environment": "staging"})


def test_map_github_workflow_run_matches_pattern():
    payload = {
        "action": "completed",
        "workflow_run": {
            "id": 7,
            "name": "Deploy prod",
            "conclusion": "failure",
            "updated_at": "2026-01-02T03:04:05Z",
        },
        "repository": {"full_name": "acme/shop"},
    }
    kind, rows = wh.map_event("github", "workflow_run", payload, {"deploy_workflow": "Deploy*"})
    assert (kind, rows[0]["external_id"], rows[0]["succeeded"]) == (
        "deployments",
        "github:workflow_run:7",
        False,
    )
    with pytest.raises(wh.Ignored):
        wh.map_event("github", "workflow_run", payload, {"deploy_workflow": "Release*"})


def test_map_gitlab_deployment_example():
    payload = json.loads(load("gitlab_deployment.json"))
    assert wh.map_event("gitlab", "deployment", payload, {})[1] == [
        {
            "external_id": "gitlab:deployment:15",
            "service": "root/test-deployment-webhooks",
            "environment": "staging",
            "finished_at": "2021-04-28T19:50:00Z",
            "succeeded": True,
        }
    ]


def test_map_pagerduty_triggered_example():
    payload = json.loads(load("pagerduty_incident_triggered.json"))
    kind, rows = wh.map_event("pagerduty", "incident.triggered", payload, {})
    assert kind == "incidents"
    assert wh.merge_incident(rows[0], None) == {
        "external_id": "pagerduty:PGR0VU2",
        "started_at": "2020-04-09T15:16:27Z",
        "resolved_at": None,
        "service": "API Service",
        "description": "A little bump in the road",
    }


def test_merge_incident_triggered_after_resolved_stays_resolved():
    resolved_at = datetime(2020, 10, 2, 19, 0, tzinfo=UTC)
    stored = {
        "started_at": datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC),
        "resolved_at": resolved_at,
    }
    late_trigger = {
        "external_id": "pagerduty:PGR0VU2",
        "started_at": datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC),
        "state": wh.INCIDENT_OPEN,
        "occurred_at": datetime(2020, 10, 2, 18, 45, tzinfo=UTC),
    }
    assert wh.merge_incident(late_trigger, stored)["resolved_at"] == "2020-10-02T19:00:00Z"
    reopened = dict(late_trigger, occurred_at=datetime(2020, 10, 2, 20, 0, tzinfo=UTC))
    assert wh.merge_incident(reopened, stored)["resolved_at"] is None


def test_map_wrong_shape_is_payload_error():
    with pytest.raises(wh.PayloadError, match="deployment_status.state"):
        wh.map_event("github", "deployment_status", {"deployment": {}}, {})


def test_map_unknown_event_ignored_with_reason():
    with pytest.raises(wh.Ignored, match="'issues' is not used"):
        wh.map_event("github", "issues", {}, {})


def test_map_opsgenie_create():
    payload = json.loads(load("opsgenie_alert_create.json"))
    kind, rows = wh.map_event("opsgenie", "Create", payload, {})
    assert wh.merge_incident(rows[0], None)["started_at"] == "2021-03-29T06:40:00Z"


def test_changes_from_pushes_only_the_deployed_head_once_each():
    push = json.loads(load("github_push.json"))
    other = dict(push, after="0" * 40)
    changes = wh.changes_from_pushes([push, push, other, "junk"], push["after"])
    assert changes == [
        {
            "id": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "first_commit_at": "2019-05-15T15:18:12Z",
        },
        {
            "id": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
            "first_commit_at": "2019-05-15T15:20:30Z",
        },
    ]


def test_map_gitlab_pipeline_matching_name_is_deployment():
    payload = {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": 31,
            "name": "Deploy production",
            "ref": "master",
            "status": "failed",
            "finished_at": "2016-08-12 15:26:29 UTC",
        },
        "project": {"path_with_namespace": "gitlab-org/gitlab-test"},
    }
    assert wh.map_event("gitlab", "pipeline", payload, {"deploy_workflow": "Deploy*"}) == (
        "deployments",
        [
            {
                "external_id": "gitlab:pipeline:31",
                "service": "gitlab-org/gitlab-test",
                "environment": "production",
                "finished_at": "2016-08-12T15:26:29Z",
                "succeeded": False,
            }
        ],
    )
    with pytest.raises(wh.Ignored, match="does not match"):
        wh.map_event("gitlab", "pipeline", payload, {"deploy_workflow": "Release*"})


def test_map_gitlab_push_and_merge_request_ignored_with_reason():
    with pytest.raises(wh.Ignored, match="push: kept; its commits become the changes of the "):
        wh.map_event("gitlab", "push", {"object_kind": "push", "after": "da1560886d"}, {})
    with pytest.raises(wh.Ignored, match="merge_request: changes are taken from the pushes"):
        wh.map_event("gitlab", "merge_request", {"object_kind": "merge_request"}, {})


def test_gitlab_deployed_sha_from_commit_url():
    payload = json.loads(load("gitlab_deployment.json"))
    assert wh.deployed_sha("gitlab", "deployment", payload) == (
        "279484c09fbe69ededfced8c1bb6e6d24616b468"
    )


def test_gitlab_identity_prefers_idempotency_key():
    headers = {"idempotency-key": "k1", "x-gitlab-event-uuid": "u1"}
    assert wh.delivery_identity("gitlab", headers, {"object_kind": "push"}, b"{}") == ("k1", "push")


def test_pagerduty_identity_is_event_id():
    payload = json.loads(load("pagerduty_incident_triggered.json"))
    assert wh.delivery_identity("pagerduty", {}, payload, b"") == (
        "5ac64822-4adc-4fda-ade0-410becf0de4f",
        "incident.triggered",
    )


def test_kept_headers_never_keep_a_signature_or_token():
    headers = {
        "x-github-event": "push",
        "x-hub-signature-256": "sha256=abc",
        "x-gitlab-token": SECRET,
        "webhook-signature": "v1,abc",
        "x-pagerduty-signature": "v1=abc",
        "x-opsgenie-secret": SECRET,
    }
    assert wh.kept_headers(headers) == {"x-github-event": "push"}

"""Signature checks and payload mapping (assessments/dora/webhooks.py), without the database,
on the providers' published payloads (payloads/SOURCES.md), each signed here exactly as the
provider signs it."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from assessments.dora import webhooks as wh
from tests.assessments.dora.provider_payloads import (
    github_signature,
    load,
    pagerduty_event,
    pagerduty_signature,
    published,
    standard_webhooks_signature,
)

SECRET = "It's a Secret to Everybody"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


# --- signatures -------------------------------------------------------------------------------


def test_github_documented_example_verifies():
    # GitHub's documentation example: this secret and body give this signature.
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert github_signature(SECRET, body) == expected
    assert wh.verify_github({"x-hub-signature-256": expected}, body, [SECRET]) is True


@pytest.mark.parametrize(
    "name",
    [
        "github_ping.json",
        "github_deployment_status.json",
        "github_workflow_run_completed.json",
        "github_pull_request_closed.json",
        "github_push.json",
    ],
)
def test_github_published_payloads_verify_over_their_raw_bytes(name):
    body = load(name)
    headers = {"x-hub-signature-256": github_signature(SECRET, body)}
    assert wh.verify("github", headers, body, [SECRET], now=NOW) is True
    # the same JSON, re-serialised: other bytes, so the signature no longer matches
    reserialised = json.dumps(json.loads(body)).encode()
    assert wh.verify("github", headers, reserialised, [SECRET], now=NOW) is False


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
    body = load("gitlab_push.json")
    assert wh.verify("gitlab", {"x-gitlab-token": SECRET}, body, [SECRET], now=NOW) is True
    assert wh.verify("gitlab", {"x-gitlab-token": "nope"}, body, [SECRET], now=NOW) is False
    assert wh.verify("gitlab", {}, body, [SECRET], now=NOW) is False


def test_gitlab_signed_form_verifies_and_expires():
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    body = load("gitlab_deployment.json")
    stamp = str(int(NOW.timestamp()))
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": stamp,
        "webhook-signature": "v1,bm90IGl0 "
        + standard_webhooks_signature(secret, "msg_1", stamp, body),
    }
    assert wh.verify("gitlab", headers, body, [secret], now=NOW) is True
    assert wh.verify("gitlab", headers, load("gitlab_push.json"), [secret], now=NOW) is False
    old = str(int(NOW.timestamp()) - 301)
    headers_old = dict(
        headers,
        **{
            "webhook-timestamp": old,
            "webhook-signature": standard_webhooks_signature(secret, "msg_1", old, body),
        },
    )
    assert wh.verify("gitlab", headers_old, body, [secret], now=NOW) is False


def test_pagerduty_any_listed_signature_matches():
    body = load("pagerduty_incident_priority_updated.json")
    headers = {"x-pagerduty-signature": pagerduty_signature(["rotated-out", SECRET], body)}
    assert wh.verify("pagerduty", headers, body, [SECRET], now=NOW) is True
    headers = {"x-pagerduty-signature": pagerduty_signature(["rotated-out"], body)}
    assert wh.verify("pagerduty", headers, body, [SECRET], now=NOW) is False
    assert wh.verify("pagerduty", {}, body, [SECRET], now=NOW) is False


def test_opsgenie_shared_secret_header():
    body = load("opsgenie_alert_create.json")
    assert wh.verify("opsgenie", {"x-opsgenie-secret": SECRET}, body, [SECRET], now=NOW) is True
    assert wh.verify("opsgenie", {"x-opsgenie-secret": "no"}, body, [SECRET], now=NOW) is False
    assert wh.verify("opsgenie", {}, body, [SECRET], now=NOW) is False
    named = {"x-ops-token": SECRET}
    options = {"secret_header": "X-Ops-Token"}
    assert wh.verify("opsgenie", named, body, [SECRET], now=NOW, options=options) is True


def test_missing_secret_never_verifies():
    assert wh.verify("gitlab", {"x-gitlab-token": ""}, b"", [""], now=NOW) is False


# --- GitHub mapping ---------------------------------------------------------------------------


def test_map_github_ping_ignored():
    with pytest.raises(wh.Ignored, match="ping"):
        wh.map_event("github", "ping", published("github_ping.json"), {})


def test_map_github_deployment_status_example():
    payload = published("github_deployment_status.json")
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


@pytest.mark.parametrize(
    "state, succeeded", [("success", True), ("failure", False), ("error", False)]
)
def test_map_github_deployment_status_final_states(state, succeeded):
    # The published example is a success; the other final states differ in this field only.
    payload = published("github_deployment_status.json")
    payload["deployment_status"]["state"] = state
    kind, rows = wh.map_event("github", "deployment_status", payload, {})
    assert (kind, rows[0]["succeeded"]) == ("deployments", succeeded)


def test_map_github_deployment_status_in_progress_ignored():
    payload = published("github_deployment_status.json")
    payload["deployment_status"]["state"] = "in_progress"
    with pytest.raises(wh.Ignored, match="'in_progress' is not final"):
        wh.map_event("github", "deployment_status", payload, {})


def test_map_github_other_environment_ignored():
    payload = published("github_deployment_status.json")
    with pytest.raises(wh.Ignored, match="staging"):
        wh.map_event("github", "deployment_status", payload, {"environment": "staging"})


def test_map_github_workflow_run_completed_example():
    payload = published("github_workflow_run_completed.json")
    assert payload["workflow_run"]["name"] == ""  # as published: the run has no name
    expected = (
        "deployments",
        [
            {
                "external_id": "github:workflow_run:289782451",
                "service": "octo-org/octo-repo",
                "environment": "production",
                "finished_at": "2020-10-05T16:33:49Z",
                "succeeded": True,
            }
        ],
    )
    # matched by the workflow's name or its file
    for pattern in ("test", "*/test.yml"):
        options = {"deploy_workflow": pattern}
        assert wh.map_event("github", "workflow_run", payload, options) == expected
    with pytest.raises(wh.Ignored, match="'test / .github/workflows/test.yml' does not match"):
        wh.map_event("github", "workflow_run", payload, {"deploy_workflow": "Deploy*"})
    with pytest.raises(wh.Ignored, match="No deploy_workflow"):
        wh.map_event("github", "workflow_run", payload, {})


def test_map_github_workflow_run_failure_and_not_completed():
    payload = published("github_workflow_run_completed.json")
    payload["workflow_run"]["conclusion"] = "failure"
    rows = wh.map_event("github", "workflow_run", payload, {"deploy_workflow": "test"})[1]
    assert rows[0]["succeeded"] is False
    payload["action"] = "requested"
    with pytest.raises(wh.Ignored, match="only completed runs"):
        wh.map_event("github", "workflow_run", payload, {"deploy_workflow": "test"})


def test_map_github_pull_request_closed_and_merged_ignored_with_reason():
    payload = published("github_pull_request_closed.json")
    reason = "pull_request: changes are taken from the pushes' commits."
    with pytest.raises(wh.Ignored) as closed:
        wh.map_event("github", "pull_request", payload, {})
    # the package has no merged example: a merged close differs in these fields
    payload["pull_request"].update(merged=True, merged_at=payload["pull_request"]["closed_at"])
    with pytest.raises(wh.Ignored) as merged:
        wh.map_event("github", "pull_request", payload, {})
    assert str(closed.value) == str(merged.value) == reason


def test_map_github_push_kept_with_reason():
    with pytest.raises(wh.Ignored) as kept:
        wh.map_event("github", "push", published("github_push.json"), {})
    assert str(kept.value) == (
        "push: kept; its commits become the changes of the deployment of 6113728f27ae."
    )


def test_changes_from_pushes_only_the_deployed_head_once_each():
    push = published("github_push.json")
    other = dict(push, after="0" * 40)
    changes = wh.changes_from_pushes([push, push, other, "junk"], push["after"])
    assert changes == [
        {
            "id": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "first_commit_at": "2019-05-15T15:19:25Z",
        }
    ]


def test_github_deployed_sha():
    payload = published("github_deployment_status.json")
    assert wh.deployed_sha("github", "deployment_status", payload) == (
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    )
    assert wh.deployed_sha("github", "push", published("github_push.json")) == ""


# --- GitLab mapping ---------------------------------------------------------------------------


def test_map_gitlab_deployment_example():
    payload = published("gitlab_deployment.json")
    assert wh.map_event("gitlab", "deployment", payload, {})[1] == [
        {
            "external_id": "gitlab:deployment:15",
            "service": "root/test-deployment-webhooks",
            "environment": "staging",
            "finished_at": "2021-04-28T19:50:00Z",
            "succeeded": True,
        }
    ]


@pytest.mark.parametrize("status", ["running", "canceled"])
def test_map_gitlab_deployment_not_success_or_failure_ignored(status):
    payload = published("gitlab_deployment.json")
    payload["status"] = status
    with pytest.raises(wh.Ignored, match=f"'{status}' is not final"):
        wh.map_event("gitlab", "deployment", payload, {})


def test_map_gitlab_deployment_failed():
    payload = published("gitlab_deployment.json")
    payload["status"] = "failed"
    assert wh.map_event("gitlab", "deployment", payload, {})[1][0]["succeeded"] is False


def test_gitlab_deployed_sha_from_commit_url():
    payload = published("gitlab_deployment.json")
    assert wh.deployed_sha("gitlab", "deployment", payload) == (
        "279484c09fbe69ededfced8c1bb6e6d24616b468"
    )


def test_map_gitlab_pipeline_example_matching_name_is_deployment():
    payload = published("gitlab_pipeline.json")
    options = {"deploy_workflow": "Pipeline for branch: *"}
    assert wh.map_event("gitlab", "pipeline", payload, options) == (
        "deployments",
        [
            {
                "external_id": "gitlab:pipeline:31",
                "service": "gitlab-org/gitlab-test",
                "environment": "production",
                "finished_at": "2016-08-12T15:26:29Z",
                "succeeded": True,
            }
        ],
    )
    with pytest.raises(wh.Ignored, match="does not match"):
        wh.map_event("gitlab", "pipeline", payload, {"deploy_workflow": "Release*"})
    payload["object_attributes"]["status"] = "failed"
    assert wh.map_event("gitlab", "pipeline", payload, options)[1][0]["succeeded"] is False
    payload["object_attributes"]["status"] = "running"
    with pytest.raises(wh.Ignored, match="'running' is not final"):
        wh.map_event("gitlab", "pipeline", payload, options)


def test_map_gitlab_push_and_merge_request_examples_ignored_with_reason():
    with pytest.raises(wh.Ignored) as push:
        wh.map_event("gitlab", "push", published("gitlab_push.json"), {})
    assert str(push.value) == (
        "push: kept; its commits become the changes of the deployment of da1560886d4f."
    )
    with pytest.raises(wh.Ignored, match="merge_request: changes are taken from the pushes"):
        wh.map_event("gitlab", "merge_request", published("gitlab_merge_request.json"), {})


def test_gitlab_push_commits_timed_with_their_offsets():
    push = published("gitlab_push.json")
    assert wh.changes_from_pushes([push], push["after"]) == [
        {
            "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
            "first_commit_at": "2011-12-12T12:27:31Z",
        },
        {
            "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "first_commit_at": "2012-01-03T21:36:29Z",
        },
    ]


@pytest.mark.parametrize(
    "name, kind",
    [
        ("gitlab_push.json", "push"),
        ("gitlab_merge_request.json", "merge_request"),
        ("gitlab_pipeline.json", "pipeline"),
        ("gitlab_deployment.json", "deployment"),
    ],
)
def test_gitlab_event_type_is_the_object_kind(name, kind):
    body = load(name)
    headers = {"x-gitlab-event-uuid": "u1"}
    assert wh.delivery_identity("gitlab", headers, json.loads(body), body) == ("u1", kind)


def test_gitlab_identity_prefers_idempotency_key():
    headers = {"idempotency-key": "k1", "x-gitlab-event-uuid": "u1"}
    assert wh.delivery_identity("gitlab", headers, published("gitlab_push.json"), b"{}") == (
        "k1",
        "push",
    )


# --- PagerDuty mapping ------------------------------------------------------------------------


def test_map_pagerduty_published_priority_updated_ignored():
    payload = published("pagerduty_incident_priority_updated.json")
    with pytest.raises(wh.Ignored, match="'incident.priority_updated' is not used"):
        wh.map_event("pagerduty", "incident.priority_updated", payload, {})


@pytest.mark.parametrize(
    "event_type, resolved_at",
    [
        ("incident.triggered", None),
        ("incident.reopened", None),
        ("incident.resolved", "2020-10-02T18:45:22.169000Z"),
    ],
)
def test_map_pagerduty_incident_events(event_type, resolved_at):
    payload = json.loads(pagerduty_event(event_type))
    kind, rows = wh.map_event("pagerduty", event_type, payload, {})
    assert kind == "incidents"
    assert wh.merge_incident(rows[0], None) == {
        "external_id": "pagerduty:PGR0VU2",
        "started_at": "2020-04-09T15:16:27Z",
        "resolved_at": resolved_at,
        "service": "API Service",
        "description": "A little bump in the road",
    }


def test_map_pagerduty_without_created_at_starts_at_the_event():
    payload = json.loads(pagerduty_event("incident.triggered"))
    del payload["event"]["data"]["created_at"]
    rows = wh.map_event("pagerduty", "incident.triggered", payload, {})[1]
    assert wh.merge_incident(rows[0], None)["started_at"] == "2020-10-02T18:45:22.169000Z"


def test_pagerduty_identity_is_event_id():
    payload = published("pagerduty_incident_priority_updated.json")
    assert wh.delivery_identity("pagerduty", {}, payload, b"") == (
        "5ac64822-4adc-4fda-ade0-410becf0de4f",
        "incident.priority_updated",
    )


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


# --- Opsgenie mapping -------------------------------------------------------------------------


def test_map_opsgenie_create_and_close_examples():
    create = published("opsgenie_alert_create.json")
    close = published("opsgenie_alert_close.json")
    opened = wh.map_event("opsgenie", "Create", create, {})[1][0]
    closed = wh.map_event("opsgenie", "Close", close, {})[1][0]
    # createdAt is in milliseconds, updatedAt in nanoseconds
    assert wh.merge_incident(opened, None) == {
        "external_id": "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c",
        "started_at": "2015-01-05T10:03:11.104000Z",
        "resolved_at": None,
        "description": " test alert",
    }
    stored = {"started_at": opened["started_at"], "resolved_at": None}
    merged = wh.merge_incident(closed, stored)
    assert (merged["started_at"], merged["resolved_at"][:23]) == (
        "2015-01-05T10:03:11.104000Z",
        "2015-01-05T10:06:14.669",
    )


def test_map_opsgenie_other_action_ignored():
    payload = published("opsgenie_alert_create.json")
    with pytest.raises(wh.Ignored, match="'Acknowledge' is not used"):
        wh.map_event("opsgenie", "Acknowledge", payload, {})


def test_opsgenie_identity_is_alert_action_and_time():
    body = load("opsgenie_alert_close.json")
    assert wh.delivery_identity("opsgenie", {}, json.loads(body), body) == (
        "052652ac-5d1c-464a-812a-7dd18bbfba8c:Close:1420452374669001603",
        "Close",
    )


# --- wrong shapes -----------------------------------------------------------------------------


def test_map_wrong_shape_is_payload_error():
    with pytest.raises(wh.PayloadError, match="deployment_status.state"):
        wh.map_event("github", "deployment_status", {"deployment": {}}, {})


@pytest.mark.parametrize(
    "provider, event_type, name, missing",
    [
        # a real payload of one event delivered under another event's name
        ("github", "deployment_status", "github_push.json", "deployment_status.state"),
        ("github", "workflow_run", "github_ping.json", "action"),
        ("gitlab", "deployment", "gitlab_pipeline.json", "status"),
        ("gitlab", "pipeline", "gitlab_deployment.json", "object_attributes.status"),
        ("opsgenie", "Create", "pagerduty_incident_priority_updated.json", "alert"),
    ],
)
def test_map_published_payload_under_the_wrong_event_is_payload_error(
    provider, event_type, name, missing
):
    with pytest.raises(wh.PayloadError, match=f"Missing {missing} in the payload"):
        wh.map_event(provider, event_type, published(name), {"deploy_workflow": "*"})


def test_map_pagerduty_incident_without_data_is_payload_error():
    payload = json.loads(pagerduty_event("incident.triggered"))
    payload["event"]["data"] = None
    with pytest.raises(wh.PayloadError, match="event.data"):
        wh.map_event("pagerduty", "incident.triggered", payload, {})


def test_map_unknown_event_ignored_with_reason():
    with pytest.raises(wh.Ignored, match="'issues' is not used"):
        wh.map_event("github", "issues", {}, {})


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

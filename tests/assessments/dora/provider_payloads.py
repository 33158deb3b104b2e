"""The providers' published webhook payloads (payloads/, see payloads/SOURCES.md) and the
headers each provider sends with them, signed here exactly as the provider signs.

- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>``.
- GitLab: the secret token as ``X-Gitlab-Token``, or with a signing token the Standard
  Webhooks headers ``webhook-id``, ``webhook-timestamp`` and
  ``webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>``.
- PagerDuty v3: ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256(secret, raw body)>``, one
  ``v1=`` entry per active secret, comma-separated.
- Opsgenie: no signature; the shared secret in the custom header the integration was set
  up with.

The ``*_headers`` functions return Django test-client keyword arguments (``HTTP_...``).
"""

import base64
import copy
import hashlib
import hmac
import json
import time
from pathlib import Path

PAYLOADS = Path(__file__).parent / "payloads"
GITHUB_DELIVERY = "72d3162e-cc78-11e3-81ab-4c9367dc0958"


def load(name):
    """The raw bytes of a published payload, as published."""
    return (PAYLOADS / name).read_bytes()


def published(name):
    """A published payload, parsed (a fresh copy: tests may change a field of it)."""
    return copy.deepcopy(json.loads(load(name)))


def encode(payload):
    """The bytes a provider would send for ``payload`` after a test changed a field of a
    published one."""
    return json.dumps(payload).encode()


def github_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def github_headers(secret, body, event, delivery=GITHUB_DELIVERY):
    return {
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_GITHUB_DELIVERY": delivery,
        "HTTP_X_GITHUB_HOOK_ID": "109948940",
        "HTTP_X_HUB_SIGNATURE_256": github_signature(secret, body),
        "HTTP_USER_AGENT": "GitHub-Hookshot/044aadd",
    }


GITLAB_EVENT_HEADERS = {
    "push": "Push Hook",
    "merge_request": "Merge Request Hook",
    "pipeline": "Pipeline Hook",
    "deployment": "Deployment Hook",
}


def gitlab_headers(secret, event, uuid):
    """The secret-token form: GitLab sends the token itself."""
    return {
        "HTTP_X_GITLAB_EVENT": GITLAB_EVENT_HEADERS[event],
        "HTTP_X_GITLAB_TOKEN": secret,
        "HTTP_X_GITLAB_EVENT_UUID": uuid,
        "HTTP_X_GITLAB_WEBHOOK_UUID": "2b4e47e1-ef2c-4ea5-a0bd-0a5e8e0e4c8a",
        "HTTP_IDEMPOTENCY_KEY": uuid,
        "HTTP_USER_AGENT": "GitLab/17.9.0",
    }


def standard_webhooks_signature(secret, msg_id, stamp, body):
    """``v1,<base64>`` over ``id.timestamp.body``; a ``whsec_`` secret is a base64 key."""
    key = (
        base64.b64decode(secret.removeprefix("whsec_"))
        if secret.startswith("whsec_")
        else secret.encode()
    )
    digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def gitlab_signed_headers(secret, body, event, msg_id, stamp=None):
    """The signing-token form (Standard Webhooks), stamped now unless ``stamp`` is given."""
    stamp = str(int(time.time())) if stamp is None else str(stamp)
    return {
        "HTTP_X_GITLAB_EVENT": GITLAB_EVENT_HEADERS[event],
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": stamp,
        "HTTP_WEBHOOK_SIGNATURE": standard_webhooks_signature(secret, msg_id, stamp, body),
        "HTTP_USER_AGENT": "GitLab/17.9.0",
    }


def pagerduty_signature(secrets, body):
    if isinstance(secrets, str):
        secrets = [secrets]
    return ",".join("v1=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)


def pagerduty_headers(secrets, body):
    return {
        "HTTP_X_PAGERDUTY_SIGNATURE": pagerduty_signature(secrets, body),
        "HTTP_X_WEBHOOK_ID": "c6c6b4f1-3b2e-4b9e-9d0e-5e4b6ab2a001",
        "HTTP_USER_AGENT": "PagerDuty-Webhook/V3.0",
    }


def opsgenie_headers(secret, header="X-Opsgenie-Secret"):
    return {"HTTP_" + header.upper().replace("-", "_"): secret}


def pagerduty_event(event_type, *, occurred_at=None, event_id=None, status=None):
    """PagerDuty's documented ``incident.priority_updated`` webhook with ``event.event_type``
    set to ``event_type`` (PagerDuty documents one example; every incident.* event carries
    the same ``incident`` object), and the event's id, time and incident status where a
    scenario needs them. Returns the bytes."""
    payload = published("pagerduty_incident_priority_updated.json")
    event = payload["event"]
    event["event_type"] = event_type
    if occurred_at is not None:
        event["occurred_at"] = occurred_at
    if event_id is not None:
        event["id"] = event_id
    if status is not None:
        event["data"]["status"] = status
    return encode(payload)

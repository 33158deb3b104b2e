"""Provider webhooks, the pure part: signature checks, delivery identity and the mapping of
provider payloads to ingest rows. No database here; ``webhook_services`` stores and processes.

Signatures are checked over the raw body exactly as each provider computes them:
- GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>``. The SHA-1 header
  (``X-Hub-Signature``) alone is refused.
- GitLab: ``X-Gitlab-Token: <secret>`` or, where a signing token is configured, the Standard
  Webhooks form: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`` (space-separated
  list); timestamps more than 5 minutes away from now are refused (replays).
- PagerDuty v3: ``X-PagerDuty-Signature: v1=<hex>,v1=<hex>``: any listed signature may match
  (PagerDuty lists one per active secret while one rotates).
- Opsgenie: a shared secret in a custom header (``X-Opsgenie-Secret`` unless the webhook's
  settings name another).
Every comparison is ``hmac.compare_digest``.
"""

import base64
import binascii
import fnmatch
import hashlib
import hmac
from datetime import UTC, datetime

GITHUB, GITLAB, PAGERDUTY, OPSGENIE = "github", "gitlab", "pagerduty", "opsgenie"
PROVIDERS = (GITHUB, GITLAB, PAGERDUTY, OPSGENIE)
SIGNED_TOLERANCE_SECONDS = 5 * 60
OPSGENIE_DEFAULT_HEADER = "x-opsgenie-secret"
MAX_DESCRIPTION = 10_000  # ingest.MAX_DESCRIPTION_LENGTH; this module stays free of Django

# Headers kept with a stored delivery (lower case): enough to re-derive events and to debug,
# never a signature or a token.
KEPT_HEADERS = (
    "content-type", "user-agent", "x-github-event", "x-github-delivery",
    "x-github-hook-id", "x-gitlab-event", "x-gitlab-event-uuid", "x-gitlab-webhook-uuid",
    "idempotency-key", "webhook-id", "webhook-timestamp", "x-webhook-id",
)  # fmt: skip


# --- signatures -------------------------------------------------------------------------------


def _hmac_sha256(key, message):
    return hmac.new(key, message, hashlib.sha256)


def verify_github(headers, body, secrets):
    header = headers.get("x-hub-signature-256", "")
    if not header.startswith("sha256="):
        return False
    given = header[len("sha256=") :].strip().lower()
    return any(
        hmac.compare_digest(_hmac_sha256(s.encode(), body).hexdigest(), given) for s in secrets
    )


def _standard_webhooks_key(secret):
    """Standard Webhooks secrets are ``whsec_<base64 key>``; any other secret is the key."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError):
            return secret.encode()
    return secret.encode()


def verify_gitlab(headers, body, secrets, now):
    token = headers.get("x-gitlab-token")
    if token is not None:
        return any(hmac.compare_digest(token.encode(), s.encode()) for s in secrets)
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (msg_id and stamp and signature):
        return False
    try:
        sent = int(stamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > SIGNED_TOLERANCE_SECONDS:
        return False
    message = f"{msg_id}.{stamp}.".encode() + body
    given = [part.split(",", 1)[1] for part in signature.split() if part.startswith("v1,")]
    for secret in secrets:
        expected = base64.b64encode(
            _hmac_sha256(_standard_webhooks_key(secret), message).digest()
        ).decode()
        if any(hmac.compare_digest(expected, g) for g in given):
            return True
    return False


def verify_pagerduty(headers, body, secrets):
    header = headers.get("x-pagerduty-signature", "")
    given = [p.strip()[3:] for p in header.split(",") if p.strip().startswith("v1=")]
    for secret in secrets:
        expected = _hmac_sha256(secret.encode(), body).hexdigest()
        if any(hmac.compare_digest(expected, g.lower()) for g in given):
            return True
    return False


def verify_opsgenie(headers, body, secrets, header_name=OPSGENIE_DEFAULT_HEADER):
    given = headers.get(header_name.lower())
    if given is None:
        return False
    return any(hmac.compare_digest(given.encode(), s.encode()) for s in secrets)


def verify(provider, headers, body, secrets, *, now, options=None):
    """True when the delivery is signed with one of ``secrets``. ``headers``: lower-case
    names."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return False
    if provider == GITHUB:
        return verify_github(headers, body, secrets)
    if provider == GITLAB:
        return verify_gitlab(headers, body, secrets, now)
    if provider == PAGERDUTY:
        return verify_pagerduty(headers, body, secrets)
    if provider == OPSGENIE:
        header = (options or {}).get("secret_header") or OPSGENIE_DEFAULT_HEADER
        return verify_opsgenie(headers, body, secrets, header)
    return False


# --- identity of a delivery -------------------------------------------------------------------


def delivery_identity(provider, headers, payload, body):
    """``(delivery_id, event_type)``: the provider's id for idempotency (a hash of the body
    where the provider sends none) and its event type."""
    body_hash = "sha256:" + hashlib.sha256(body).hexdigest()
    payload = payload if isinstance(payload, dict) else {}
    if provider == GITHUB:
        return headers.get("x-github-delivery") or body_hash, headers.get("x-github-event", "")
    if provider == GITLAB:
        delivery = (
            headers.get("idempotency-key")
            or headers.get("x-gitlab-event-uuid")
            or headers.get("webhook-id")
            or body_hash
        )
        kind = payload.get("object_kind") or headers.get("x-gitlab-event", "")
        return delivery, str(kind)
    if provider == PAGERDUTY:
        event = payload.get("event") if isinstance(payload.get("event"), dict) else {}
        return str(event.get("id") or body_hash), str(event.get("event_type") or "")
    if provider == OPSGENIE:
        alert = payload.get("alert") if isinstance(payload.get("alert"), dict) else {}
        action = str(payload.get("action") or "")
        if alert.get("alertId") and action:
            stamp = alert.get("updatedAt") or alert.get("createdAt") or ""
            return f"{alert['alertId']}:{action}:{stamp}", action
        return body_hash, action
    return body_hash, ""


def kept_headers(headers):
    return {name: headers[name][:500] for name in KEPT_HEADERS if name in headers}


# --- mapping payloads to ingest rows ----------------------------------------------------------


class PayloadError(ValueError):
    """The payload does not have the shape its event type promises."""


class Ignored(Exception):
    """The delivery is valid but carries nothing to record; the message says why."""


def _get(obj, *keys):
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            raise PayloadError(f"Missing {'.'.join(keys)} in the payload.")
        obj = obj[key]
    return obj


def _text(obj, *keys):
    value = _get(obj, *keys)
    if value is None or isinstance(value, dict | list):
        raise PayloadError(f"{'.'.join(keys)} must be a text or a number.")
    return str(value)


def parse_time(value):
    """ISO 8601 (GitHub, PagerDuty), GitLab's ``2021-04-28 21:50:00 +0200`` or ``... UTC``,
    or Unix milliseconds (Opsgenie's ``createdAt``; its ``updatedAt`` is in nanoseconds).
    Aware datetimes only."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        millis = value / 1_000_000 if value > 10**15 else value
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"Not a date-time: {value!r}.")
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    text = text.replace("Z", "+00:00")
    for parse in (
        datetime.fromisoformat,
        lambda t: datetime.strptime(t, "%Y-%m-%d %H:%M:%S %z"),
    ):
        try:
            parsed = parse(text)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            raise PayloadError(f"A date-time without a timezone: {value!r}.")
        return parsed
    raise PayloadError(f"Not a date-time: {value!r}.")


def _iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _environment_wanted(options, environment):
    wanted = (options or {}).get("environment")
    if wanted and environment != wanted:
        raise Ignored(f"Environment {environment!r} is not the webhook's {wanted!r}.")


def _deployment(external_id, service, environment, finished_at, succeeded):
    return {
        "external_id": external_id[:200],
        "service": service[:100],
        "environment": environment[:50],
        "finished_at": _iso(finished_at),
        "succeeded": succeeded,
    }


GITHUB_FINAL_STATES = {"success": True, "failure": False, "error": False}
GITLAB_FINAL_STATES = {"success": True, "failed": False}


def map_github(event_type, payload, options):
    if event_type == "ping":
        raise Ignored("ping")
    if event_type == "deployment_status":
        state = _text(payload, "deployment_status", "state")
        if state not in GITHUB_FINAL_STATES:
            raise Ignored(f"Deployment status {state!r} is not final.")
        environment = _text(payload, "deployment", "environment")
        _environment_wanted(options, environment)
        stamp = payload["deployment_status"].get("updated_at") or _get(
            payload, "deployment_status", "created_at"
        )
        row = _deployment(
            f"github:deployment:{_text(payload, 'deployment', 'id')}",
            _text(payload, "repository", "full_name"),
            environment,
            parse_time(stamp),
            GITHUB_FINAL_STATES[state],
        )
        return "deployments", [row]
    if event_type == "workflow_run":
        action = _text(payload, "action")
        if action != "completed":
            raise Ignored(f"workflow_run {action!r}: only completed runs are deployments.")
        names = _workflow_names(payload)
        pattern = (options or {}).get("deploy_workflow")
        if not pattern:
            raise Ignored("No deploy_workflow pattern is set for this webhook.")
        if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
            raise Ignored(f"Workflow {' / '.join(names)!r} does not match {pattern!r}.")
        conclusion = _get(payload, "workflow_run", "conclusion")
        if conclusion not in ("success", "failure"):
            raise Ignored(f"Workflow conclusion {conclusion!r} is neither success nor failure.")
        row = _deployment(
            f"github:workflow_run:{_text(payload, 'workflow_run', 'id')}",
            _text(payload, "repository", "full_name"),
            (options or {}).get("environment") or "production",
            parse_time(_get(payload, "workflow_run", "updated_at")),
            conclusion == "success",
        )
        return "deployments", [row]
    if event_type == "push":
        raise _push_kept(payload)
    if event_type == "pull_request":
        # Lead time is measured from commit times, which pushes carry; a pull request's own
        # payload has no first-commit time.
        raise Ignored("pull_request: changes are taken from the pushes' commits.")
    raise Ignored(f"GitHub event {event_type!r} is not used.")


def _workflow_names(payload):
    """The names a ``deploy_workflow`` pattern is matched against: the run's name, the
    workflow's name and its file path. GitHub sends an empty ``workflow_run.name`` for some
    runs (its published ``workflow_run`` examples have ``"name": ""`` beside a top-level
    ``workflow`` named ``test`` at ``.github/workflows/test.yml``)."""
    run = _get(payload, "workflow_run")
    if not isinstance(run, dict):
        raise PayloadError("workflow_run must be an object.")
    workflow = payload.get("workflow") if isinstance(payload.get("workflow"), dict) else {}
    names = [run.get("name"), workflow.get("name"), run.get("path") or workflow.get("path")]
    names = [n for n in names if isinstance(n, str) and n]
    if not names:
        raise PayloadError("Missing workflow_run.name in the payload.")
    return list(dict.fromkeys(names))


def _push_kept(payload) -> Ignored:
    """A push (GitHub and GitLab alike) derives no event of its own: the delivery is kept and
    its commits become the changes of the deployment of its head."""
    after = _text(payload, "after")
    return Ignored(f"push: kept; its commits become the changes of the deployment of {after[:12]}.")


# The event type of a deployment whose changes come from pushes, per provider.
DEPLOYMENT_EVENT = {GITHUB: "deployment_status", GITLAB: "deployment"}


def deployed_sha(provider, event_type, payload):
    """The commit a deployment event deployed, or "": GitHub's ``deployment.sha``; GitLab's
    deployment hook names it only at the end of ``commit_url``."""
    if not isinstance(payload, dict) or DEPLOYMENT_EVENT.get(provider) != event_type:
        return ""
    if provider == GITHUB:
        deployment = payload.get("deployment")
        if isinstance(deployment, dict) and isinstance(deployment.get("sha"), str):
            return deployment["sha"]
        return ""
    url = payload.get("commit_url")
    return url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) and url else ""


def changes_from_pushes(pushes, sha, limit=1000):
    """The changes (``{"id", "first_commit_at"}``) a deployment of ``sha`` shipped: the
    commits of the pushes whose head is ``sha``, each change timed by its commit. Pushes are
    payloads, newest first; a commit pushed twice counts once; malformed pushes are skipped."""
    changes, seen = [], set()
    for push in pushes:
        if not isinstance(push, dict) or push.get("after") != sha:
            continue
        commits = push.get("commits")
        for commit in commits if isinstance(commits, list) else ():
            if not isinstance(commit, dict) or commit.get("id") in seen:
                continue
            try:
                moment = parse_time(commit.get("timestamp"))
            except PayloadError:
                continue
            seen.add(commit.get("id"))
            changes.append({"id": str(commit["id"])[:200], "first_commit_at": _iso(moment)})
    changes.sort(key=lambda change: change["first_commit_at"])
    return changes[:limit]


def map_gitlab(event_type, payload, options):
    if event_type == "deployment":
        status = _text(payload, "status")
        if status not in GITLAB_FINAL_STATES:
            raise Ignored(f"Deployment status {status!r} is not final.")
        environment = _text(payload, "environment")
        _environment_wanted(options, environment)
        row = _deployment(
            f"gitlab:deployment:{_text(payload, 'deployment_id')}",
            _text(payload, "project", "path_with_namespace"),
            environment,
            parse_time(_get(payload, "status_changed_at")),
            GITLAB_FINAL_STATES[status],
        )
        return "deployments", [row]
    if event_type == "pipeline":
        status = _text(payload, "object_attributes", "status")
        name = str(payload["object_attributes"].get("name") or "")
        pattern = (options or {}).get("deploy_workflow")
        if not pattern:
            raise Ignored("No deploy_workflow pattern is set for this webhook.")
        if not fnmatch.fnmatchcase(name, pattern):
            raise Ignored(f"Pipeline {name!r} does not match {pattern!r}.")
        if status not in GITLAB_FINAL_STATES:
            raise Ignored(f"Pipeline status {status!r} is not final.")
        row = _deployment(
            f"gitlab:pipeline:{_text(payload, 'object_attributes', 'id')}",
            _text(payload, "project", "path_with_namespace"),
            (options or {}).get("environment") or "production",
            parse_time(_get(payload, "object_attributes", "finished_at")),
            GITLAB_FINAL_STATES[status],
        )
        return "deployments", [row]
    if event_type == "push":
        raise _push_kept(payload)
    if event_type == "merge_request":
        raise Ignored("merge_request: changes are taken from the pushes' commits.")
    raise Ignored(f"GitLab event {event_type!r} is not used.")


# An incident event: the state it reports at ``occurred_at``. Deliveries may arrive in any
# order; ``merge_incident`` keeps the state of the latest one.
INCIDENT_OPEN, INCIDENT_RESOLVED = "open", "resolved"


def map_pagerduty(event_type, payload, options):
    states = {
        "incident.triggered": INCIDENT_OPEN,
        "incident.reopened": INCIDENT_OPEN,
        "incident.resolved": INCIDENT_RESOLVED,
    }
    if event_type not in states:
        raise Ignored(f"PagerDuty event {event_type!r} is not used.")
    data = _get(payload, "event", "data")
    if not isinstance(data, dict):
        raise PayloadError("event.data must be an object.")
    service = data.get("service") if isinstance(data.get("service"), dict) else {}
    occurred = parse_time(_get(payload, "event", "occurred_at"))
    # ``data.created_at`` is documented, but not every v3 delivery carries it (ones captured in
    # June 2021 have none): the event's time stands in, and merge_incident keeps the earliest
    # start it has seen.
    created = data.get("created_at")
    return "incidents", [
        {
            "external_id": f"pagerduty:{_text(data, 'id')}"[:200],
            "started_at": parse_time(created) if created is not None else occurred,
            "state": states[event_type],
            "occurred_at": occurred,
            "service": str(service.get("summary") or "")[:200],
            "description": str(data.get("title") or "")[:MAX_DESCRIPTION],
        }
    ]


def map_opsgenie(event_type, payload, options):
    states = {"Create": INCIDENT_OPEN, "Close": INCIDENT_RESOLVED}
    if event_type not in states:
        raise Ignored(f"Opsgenie action {event_type!r} is not used.")
    alert = _get(payload, "alert")
    created = parse_time(_get(alert, "createdAt"))
    occurred = parse_time(alert.get("updatedAt") or _get(alert, "createdAt"))
    return "incidents", [
        {
            "external_id": f"opsgenie:{_text(alert, 'alertId')}"[:200],
            "started_at": created,
            "state": states[event_type],
            "occurred_at": occurred,
            "service": str(alert.get("entity") or "")[:200],
            "description": str(alert.get("message") or "")[:MAX_DESCRIPTION],
        }
    ]


MAPPERS = {GITHUB: map_github, GITLAB: map_gitlab, PAGERDUTY: map_pagerduty, OPSGENIE: map_opsgenie}


def map_event(provider, event_type, payload, options):
    """``(kind, rows)`` for ``ingest`` (incident rows still carry ``state``/``occurred_at``:
    see ``merge_incident``). Raises ``Ignored`` or ``PayloadError``."""
    if not isinstance(payload, dict):
        raise PayloadError("The payload is not a JSON object.")
    return MAPPERS[provider](event_type, payload, options or {})


def merge_incident(event, stored):
    """The ingest row for an incident event given what is stored (``None`` or a dict with
    ``started_at`` and ``resolved_at``). Deliveries may arrive out of order: a resolution
    stored at or after this event's time wins, so a ``triggered`` delivered after its
    ``resolved`` leaves the incident resolved, and a ``reopened`` after it opens it again."""
    started = event["started_at"]
    stored_resolved = stored["resolved_at"] if stored else None
    if stored and stored["started_at"] and stored["started_at"] < started:
        started = stored["started_at"]
    occurred = event["occurred_at"]
    if stored_resolved is not None and stored_resolved >= occurred:
        resolved = stored_resolved
    elif event["state"] == INCIDENT_RESOLVED:
        resolved = max(occurred, started)
    else:
        resolved = None
    row = {
        "external_id": event["external_id"],
        "started_at": _iso(started),
        "resolved_at": _iso(resolved) if resolved else None,
    }
    row.update({k: event[k] for k in ("service", "description") if event.get(k)})
    return row

"""Provider webhooks, the stateful part: create, rotate and revoke webhooks; receive a
delivery (verify, store the raw body, enqueue); process it into events; prune old ones.

A delivery's states: ``received`` (stored, not yet derived) -> ``processed`` (its events were
ingested), ``ignored`` (nothing to record; the reason says why) or ``failed`` (the payload
could not be used; the reason says why and nothing was written). ``reprocess`` puts
deliveries back to ``received`` and derives them again, after a mapping change.
"""

import base64
import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.urls import reverse
from django.utils import timezone

from assessments import permissions
from assessments.audit import trail as audit
from assessments.dora import attribution, ingest
from assessments.dora import services as dora_services
from assessments.dora import webhooks as wh
from assessments.models import Incident, Webhook, WebhookDelivery
from assessments.models.dora import UnroutedEvent
from assessments.models.webhooks import seal
from vsm_site import jsonbody
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 5 * 1024 * 1024  # GitHub caps its payloads at 25 MB; ours are far smaller
ROTATION_GRACE = dt.timedelta(hours=24)
ALLOWED_OPTIONS = {"environment", "deploy_workflow", "secret_header"}
MAX_OPTION_LENGTH = 200
PUSHES_SCANNED = 200


# --- who manages which webhooks ----------------------------------------------------------------
# An owner is ``{"team": team}`` or ``{"organization": organization}``: the keyword arguments of
# ``create_webhook`` and the filter of the owner's webhooks.


def team_webhook_owner(user, team_id):
    """A team's webhooks are managed (and read: their deliveries say what the team ships) by
    its leads and the organisation's admins. A team the user cannot see: Http404."""
    team = permissions.get_visible_team_or_404(user, team_id)
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's leads and the organisation's admins manage webhooks.")
    return {"team": team}


def organization_webhook_owner(user, slug):
    """An organisation's webhooks (events routed by ownership) are its admins'."""
    organization = permissions.member_organization(user, slug)
    if organization is None:
        raise NotFound("No such organisation.")
    if not permissions.can_administer(user, organization):
        raise NotAllowed("Only the organisation's admins manage its webhooks.")
    return {"organization": organization}


def receiver_path(hook):
    """The path providers post to; ``request.build_absolute_uri`` makes it the URL to give."""
    return reverse("webhook_receive", args=[hook.public_id])


def list_webhooks(owner, *, deliveries, revoked_since=None):
    """The owner's active webhooks, oldest first, then those revoked since ``revoked_since``
    (none when None), most recently revoked first. Each has ``recent_deliveries``: its last
    ``deliveries`` deliveries, newest first, without their bodies (one query for them all)."""
    recent = Prefetch(
        "deliveries",
        queryset=WebhookDelivery.objects.defer("body", "headers")[:deliveries],
        to_attr="recent_deliveries",
    )
    hooks = Webhook.objects.filter(**owner).select_related("created_by")
    active = list(hooks.filter(revoked_at__isnull=True).prefetch_related(recent))
    if revoked_since is None:
        return active
    revoked = hooks.filter(revoked_at__gte=revoked_since).order_by("-revoked_at", "-id")
    return active + list(revoked.prefetch_related(recent))


def get_active_webhook(owner, hook_id):
    hook = Webhook.objects.filter(revoked_at__isnull=True, pk=hook_id, **owner).first()
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def get_webhook_deliveries(owner, hook_id):
    """``(hook, deliveries)``: one of the owner's webhooks, revoked or not, and its deliveries
    newest first, without their bodies (a queryset, for a paginator)."""
    hook = Webhook.objects.filter(pk=hook_id, **owner).first()
    if hook is None:
        raise NotFound("No such webhook.")
    return hook, WebhookDelivery.objects.filter(webhook=hook).defer("body", "headers")


# --- managing webhooks ------------------------------------------------------------------------


def _new_secret(provider):
    """GitLab's signing token must be ``whsec_`` and a base64 32-byte key (Standard Webhooks);
    such a secret also works as its plain secret token, so a GitLab webhook can be set up
    either way. Other providers: a URL-safe random text."""
    if provider == wh.GITLAB:
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    return Webhook.new_secret()


def create_webhook(*, provider, team=None, organization=None, options=None, created_by=None):
    """A new webhook and its secret ``(webhook, secret)``; the secret is shown only now.
    Recorded in the audit trail (never the secret)."""
    if provider not in wh.PROVIDERS:
        raise Invalid(f"Unknown provider {provider!r}: use {', '.join(wh.PROVIDERS)}.")
    options = dict(options or {})
    unknown = set(options) - ALLOWED_OPTIONS
    if unknown:
        raise Invalid(f"Unknown settings {', '.join(sorted(unknown))}.", field="settings")
    for key, value in options.items():
        if not isinstance(value, str) or len(value) > MAX_OPTION_LENGTH:
            raise Invalid(
                f"{key} must be a text of at most {MAX_OPTION_LENGTH} characters.", field=key
            )
    secret = _new_secret(provider)
    hook = Webhook.objects.create(
        public_id=Webhook.new_public_id(),
        provider=provider,
        team=team,
        organization=organization,
        settings=options,
        secret_sealed=seal(secret),
        created_by=created_by,
    )
    audit.record_webhook(hook, "created", actor=created_by)
    return hook, secret


def rotate_webhook(hook, now=None, *, actor=None):
    """A new secret; the old one stays valid for ROTATION_GRACE (a secret still in its grace
    period from an earlier rotation stops being valid now)."""
    secret = _new_secret(hook.provider)
    _replace_secret(hook, secret, now, "rotated", actor)
    return secret


# Providers that make the signing secret themselves: PagerDuty shows a v3 webhook
# subscription's secret once, when the subscription is created, and offers no way to give it
# one. Such a webhook takes the provider's secret in place of the one it was created with.
SECRET_FROM_PROVIDER = {wh.PAGERDUTY}
MAX_SECRET_LENGTH = 200


def use_provider_secret(hook, secret, now=None, *, actor=None):
    """The provider's own signing secret becomes the webhook's; the replaced one stays valid
    for ROTATION_GRACE, as on a rotation. Only for SECRET_FROM_PROVIDER."""
    if hook.provider not in SECRET_FROM_PROVIDER:
        raise Invalid(
            f"{hook.get_provider_display()} is given this webhook's secret: rotate it for "
            "a new one.",
            field="secret",
        )
    secret = str(secret or "").strip()
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        raise Invalid(
            f"Paste the signing secret {hook.get_provider_display()} showed (at most "
            f"{MAX_SECRET_LENGTH} characters).",
            field="secret",
        )
    _replace_secret(hook, secret, now, "secret from provider", actor)


def _replace_secret(hook, secret, now, event, actor):
    now = now or timezone.now()
    hook.previous_secret_sealed = hook.secret_sealed
    hook.previous_secret_expires_at = now + ROTATION_GRACE
    hook.secret_sealed = seal(secret)
    hook.save(
        update_fields=["previous_secret_sealed", "previous_secret_expires_at", "secret_sealed"]
    )
    audit.record_webhook(hook, event, actor=actor)


def revoke_webhook(hook, now=None, *, actor=None):
    """Its URL stops accepting deliveries; a webhook already revoked is left as it was."""
    now = now or timezone.now()
    revoked = Webhook.objects.filter(pk=hook.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        hook.revoked_at = now
        audit.record_webhook(hook, "revoked", actor=actor)
    return bool(revoked)


# --- receiving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    status: int
    detail: str
    delivery_id: int | None = None


def receive_delivery(public_id, headers, body, now=None):
    """Verify and store one delivery; enqueue its processing after commit. ``headers``:
    lower-case names. Nothing is stored unless the signature is good; a replayed delivery id
    is answered 200 and changes nothing."""
    now = now or timezone.now()
    hook = Webhook.objects.filter(public_id=public_id, revoked_at__isnull=True).first()
    if hook is None:
        return Receipt(404, "No such webhook.")
    if len(body) > MAX_BODY_BYTES:
        return Receipt(413, f"The body may be at most {MAX_BODY_BYTES} bytes.")
    if not wh.verify(
        hook.provider, headers, body, hook.secrets_valid_at(now), now=now, options=hook.settings
    ):
        Webhook.objects.filter(pk=hook.pk).update(
            bad_signature_count=F("bad_signature_count") + 1, last_bad_signature_at=now
        )
        return Receipt(401, "Missing or bad signature.")
    try:
        payload = jsonbody.loads(body)
    except ValueError:
        payload = None
    delivery_id, event_type = wh.delivery_identity(hook.provider, headers, payload, body)
    fields = {
        "webhook": hook,
        "delivery_id": delivery_id[:200],
        "event_type": event_type[:100],
        "body": body,
        "headers": wh.kept_headers(headers),
    }
    try:
        # One INSERT is atomic by itself: outside a transaction it needs no BEGIN and COMMIT
        # (two round trips to PostgreSQL). Inside one, a savepoint keeps a replay's
        # IntegrityError from breaking it.
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(**fields)
        else:
            delivery = WebhookDelivery.objects.create(**fields)
    except IntegrityError:
        return Receipt(200, "Already received.")
    transaction.on_commit(lambda: enqueue_delivery(delivery.pk))
    return Receipt(202, "Accepted.", delivery.pk)


def enqueue_delivery(delivery_id):
    """Send the processing message. With the broker down the delivery stays ``received``;
    ``reprocess_deliveries --received`` (or the next run of it) picks it up. Its result is
    not kept (the delivery's status is): no result-backend work when sending (with Redis, a
    subscription to the task's result channel per delivery) nor in the worker."""
    try:
        task_process_delivery.apply_async(args=[delivery_id], retry=False, ignore_result=True)
    except Exception as exc:  # kombu raises several unrelated types for "broker down"
        log.warning("Delivery %s stays received: the broker is unreachable (%s)", delivery_id, exc)
        return False
    return True


# --- processing -------------------------------------------------------------------------------


def _finish(delivery, status, reason=""):
    delivery.status, delivery.reason = status, reason[:2000]
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "reason", "processed_at"])
    return status


def _target_team(delivery, row):
    """The team an event goes to: the webhook's own, or for an organisation webhook the team
    that owns the service or repository it names. An event no team owns is recorded for the
    CoE (one record per delivery) and the reason returned."""
    hook = delivery.webhook
    if hook.team_id is not None:
        return hook.team, ""
    service = row.get("service", "")
    event = {"service": service}
    if hook.provider in (wh.GITHUB, wh.GITLAB):
        event["repository"] = service  # the repository's full name stands for the service
    team, reason = attribution.route_event(hook.organization, event)
    if team is None:
        dora_services.record_unrouted_event(
            hook.organization,
            hook.provider,
            row.get("external_id", ""),
            reason,
            delivery=delivery,
            event_type=delivery.event_type,
            subject=service,
        )
        return None, f"No team owns it: {reason}"
    return team, reason


def _incident_rows(team, events):
    stored = {
        i.external_id: {"started_at": i.started_at, "resolved_at": i.resolved_at}
        for i in Incident.objects.filter(
            team=team, external_id__in=[e["external_id"] for e in events]
        )
    }
    return [wh.merge_incident(e, stored.get(e["external_id"])) for e in events]


def _recent_pushes(hook):
    """Payloads of the webhook's last pushes, newest first (bounded: a deployment ships what
    was pushed shortly before it)."""
    bodies = (
        WebhookDelivery.objects.filter(webhook=hook, event_type="push")
        .order_by("-received_at", "-pk")
        .values_list("body", flat=True)[:PUSHES_SCANNED]
    )
    pushes = []
    for body in bodies:
        try:
            pushes.append(jsonbody.loads(bytes(body)))
        except ValueError:
            continue
    return pushes


def process_delivery(delivery_id):
    """``received`` -> ``processed`` | ``ignored`` | ``failed``, under a row lock so that two
    workers (or a replayed message) derive a delivery once. Returns the new status, or None
    when the delivery was not waiting. Ingest is all-or-nothing: a refused batch leaves no
    event behind. A push that arrives after the deployment of its head derives that
    deployment again, so that it gains the push's commits whatever the order of delivery."""
    status = _derive(delivery_id)
    if status is not None:
        _rederive_deployments_of_push(delivery_id)
    return status


def _rederive_deployments_of_push(delivery_id):
    push = (
        WebhookDelivery.objects.select_related("webhook")
        .filter(pk=delivery_id, event_type="push", webhook__provider__in=wh.DEPLOYMENT_EVENT)
        .first()
    )
    if push is None:
        return
    provider = push.webhook.provider
    deployment_event = wh.DEPLOYMENT_EVENT[provider]
    try:
        after = jsonbody.loads(bytes(push.body)).get("after")
    except (ValueError, AttributeError):
        return
    earlier = (
        WebhookDelivery.objects.filter(
            webhook=push.webhook,
            event_type=deployment_event,
            status=WebhookDelivery.PROCESSED,
            received_at__lte=push.received_at,
        )
        .order_by("-received_at", "-pk")
        .values_list("pk", "body")[:PUSHES_SCANNED]
    )
    shipped = []
    for pk, body in earlier:
        try:
            payload = jsonbody.loads(bytes(body))
        except ValueError:
            continue
        if after and wh.deployed_sha(provider, deployment_event, payload) == after:
            shipped.append(pk)
    if shipped:
        reprocess(WebhookDelivery.objects.filter(pk__in=shipped))


def _derive(delivery_id):
    with transaction.atomic():
        delivery = (
            # Lock the delivery row only: PostgreSQL refuses FOR UPDATE on the nullable side of
            # the outer joins (a hook has a team or an organisation, not both).
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("webhook__team__organization", "webhook__organization")
            .filter(pk=delivery_id, status=WebhookDelivery.RECEIVED)
            .first()
        )
        if delivery is None:
            return None
        hook = delivery.webhook
        try:
            payload = jsonbody.loads(bytes(delivery.body))
        except jsonbody.TooDeep as exc:
            return _finish(delivery, WebhookDelivery.FAILED, f"The body is refused: {exc}.")
        except ValueError:
            return _finish(delivery, WebhookDelivery.FAILED, "The body is not JSON.")
        try:
            kind, rows = wh.map_event(hook.provider, delivery.event_type, payload, hook.settings)
        except wh.Ignored as exc:
            return _finish(delivery, WebhookDelivery.IGNORED, str(exc))
        except wh.PayloadError as exc:
            return _finish(delivery, WebhookDelivery.FAILED, str(exc))
        team, reason = _target_team(delivery, rows[0])
        if team is None:
            # A valid event for no team of ours: kept for the CoE as unrouted.
            return _finish(delivery, WebhookDelivery.IGNORED, reason)
        if kind == ingest.INCIDENTS:
            rows = _incident_rows(team, rows)
        sha = wh.deployed_sha(hook.provider, delivery.event_type, payload)
        if sha:
            rows[0]["changes"] = wh.changes_from_pushes(_recent_pushes(hook), sha)
        try:
            with transaction.atomic():
                ingest.ingest_rows(team, kind, rows)
        except Invalid as exc:
            details = "; ".join(e.get("message", "") for e in (exc.errors or [])[:3])
            return _finish(delivery, WebhookDelivery.FAILED, f"{exc.message} {details}".strip())
        return _finish(delivery, WebhookDelivery.PROCESSED)


def reprocess(queryset):
    """Derive the given deliveries again (after a mapping change, or those left ``received``
    while the broker was down). Returns how many were processed, by new status."""
    ids = list(queryset.values_list("pk", flat=True))
    # Derived again, a delivery no team owned is either routed now or recorded afresh.
    UnroutedEvent.objects.filter(delivery_id__in=ids).delete()
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.RECEIVED, reason="", processed_at=None
    )
    counts = {}
    for pk in ids:
        status = process_delivery(pk)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


def route_unrouted(user, team, kind, subject):
    """Give ``team`` what unrouted events of its organisation named (``add_ownership``'s rules:
    its lead or an organisation admin), then derive those events' deliveries again so that
    they reach the team. Returns ``(ownership, routed)``, ``routed`` being how many of those
    deliveries were processed for a team now."""
    subject = str(subject or "").strip()
    if not subject:
        raise Invalid("Choose what the events named.", field="subject")
    ownership, _ = dora_services.add_ownership(user, team, kind, subject)
    deliveries = WebhookDelivery.objects.filter(
        unrouted__organization_id=team.organization_id, unrouted__subject__iexact=subject
    )
    counts = reprocess(deliveries)
    return ownership, counts.get(WebhookDelivery.PROCESSED, 0)


# A delivery still "received" this long after it arrived was not picked up by a worker (the
# broker was down when it came in): the sweep derives it.
SWEEP_AFTER = dt.timedelta(minutes=5)


def sweep_received(now=None):
    """Derive the deliveries left ``received`` for longer than SWEEP_AFTER; returns how many
    were processed, by new status (``reprocess``)."""
    now = now or timezone.now()
    stuck = WebhookDelivery.objects.filter(
        status=WebhookDelivery.RECEIVED, received_at__lt=now - SWEEP_AFTER
    ).order_by("received_at")
    return reprocess(stuck)


def prune_deliveries(now=None):
    """Delete deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    return deleted


# --- Celery tasks (listed in assessments/tasks.py): thin, take ids ----------------------------


@shared_task(name="assessments.task_process_delivery", acks_late=True)
def task_process_delivery(delivery_id):
    """Derive one stored delivery (process_delivery has the state transitions)."""
    return process_delivery(delivery_id)


@shared_task(name="assessments.task_prune_deliveries")
def task_prune_deliveries():
    return prune_deliveries()


@shared_task(name="assessments.task_sweep_deliveries")
def task_sweep_deliveries():
    return sweep_received()

"""The pages through which a team's leads and the organisation's admins manage provider
webhooks: create (the URL and the secret shown once), the list with the last deliveries,
rotate, revoke, take the provider's own signing secret (PagerDuty), and every delivery of one
webhook. Thin: ``webhook_services`` finds the owner
and asks permissions, lists, creates, rotates and revokes, as it does for the API.

The secret is shown once: it is kept in the session from the POST that made it until the first
display of the list (popped there, shown or not), never in a URL."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments.dora import webhook_services
from assessments.models import Webhook
from vsm_site.domain_errors import DomainError
from vsm_site.http import raise_for_page, reported

LAST_DELIVERIES = 10
DELIVERIES_PER_PAGE = 50
REVEAL_KEY = "webhook_secret_once"


class WebhookForm(forms.Form):
    """What the API's WebhookIn takes, as a form; ``create_webhook`` checks it."""

    provider = forms.ChoiceField(choices=Webhook.PROVIDERS, initial=Webhook.GITHUB)
    environment = forms.CharField(
        required=False,
        max_length=webhook_services.MAX_OPTION_LENGTH,
        help_text="GitHub, GitLab: only deployments to this environment count "
        "(e.g. production). Empty: every environment.",
    )
    deploy_workflow = forms.CharField(
        required=False,
        max_length=webhook_services.MAX_OPTION_LENGTH,
        label="Deploy workflow or pipeline",
        help_text="GitHub workflow or GitLab pipeline names that are deployments, a pattern "
        "such as Deploy*. Empty: only deployment events count.",
    )
    secret_header = forms.CharField(
        required=False,
        max_length=webhook_services.MAX_OPTION_LENGTH,
        label="Secret header",
        help_text="Opsgenie: the header that carries the secret. Empty: X-Opsgenie-Secret.",
    )

    def options(self):
        """The settings given, as ``create_webhook`` takes them (empty ones left out)."""
        return {
            key: value.strip()
            for key, value in self.cleaned_data.items()
            if key != "provider" and value.strip()
        }


@dataclass(frozen=True)
class Scope:
    """Whose webhooks a page is about: a team's or an organisation's."""

    owner: dict
    prefix: str  # of the URL names: "team_" or "organization_"
    kwargs: dict

    @property
    def team(self):
        return self.owner.get("team")

    @property
    def organization(self):
        return self.owner.get("organization") or self.team.organization

    def url(self, name, hook=None):
        kwargs = dict(self.kwargs, **({"hook_id": hook.id} if hook else {}))
        return reverse(f"{self.prefix}{name}", kwargs=kwargs)


def _scope(request, team_id=None, slug=None):
    """The scope of a team's or an organisation's page, or the page's refusal: 404 for what
    the user cannot see, 403 for someone who may see it but not manage its webhooks."""
    try:
        if team_id is not None:
            owner = webhook_services.team_webhook_owner(request.user, team_id)
            return Scope(owner, "team_", {"team_id": team_id})
        owner = webhook_services.organization_webhook_owner(request.user, slug)
        return Scope(owner, "organization_", {"slug": slug})
    except DomainError as exc:
        raise_for_page(exc, not_found_404=True)
        raise


def _hook(scope, hook_id):
    try:
        return webhook_services.get_active_webhook(scope.owner, hook_id)
    except DomainError as exc:
        raise_for_page(exc, not_found_404=True)
        raise


def _keep_secret_once(request, hook, secret, event):
    """A provider that makes its own secret is never shown ours: only the URL is kept."""
    if hook.provider in webhook_services.SECRET_FROM_PROVIDER:
        secret = ""
    request.session[REVEAL_KEY] = {"hook_id": hook.id, "secret": secret, "event": event}


def _status(hook, now):
    if hook.revoked_at is not None:
        return "revoked"
    expires = hook.previous_secret_expires_at
    if hook.previous_secret_sealed and expires is not None and expires > now:
        return "rotating"
    return "active"


def _page(request, scope, form=None):
    reveal = request.session.pop(REVEAL_KEY, None)
    now = timezone.now()
    retention = dt.timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    hooks = webhook_services.list_webhooks(
        scope.owner, deliveries=LAST_DELIVERIES + 1, revoked_since=now - retention
    )
    rows = []
    for hook in hooks:
        rows.append(
            {
                "hook": hook,
                "url": request.build_absolute_uri(webhook_services.receiver_path(hook)),
                "status": _status(hook, now),
                "settings": sorted(hook.settings.items()),
                "deliveries": hook.recent_deliveries[:LAST_DELIVERIES],
                "more": len(hook.recent_deliveries) > LAST_DELIVERIES,
                "rotate_url": scope.url("webhook_rotate", hook),
                "revoke_url": scope.url("webhook_revoke", hook),
                "secret_url": scope.url("webhook_secret", hook),
                "secret_from_provider": hook.provider in webhook_services.SECRET_FROM_PROVIDER,
                "deliveries_url": scope.url("webhook_deliveries", hook),
            }
        )
    shown = None
    if reveal:
        shown = next((r for r in rows if r["hook"].id == reveal["hook_id"]), None)
        if shown is not None and shown["status"] != "revoked":
            shown = {**shown, "secret": reveal["secret"], "event": reveal["event"]}
        else:
            shown = None
    context = {
        "scope": scope,
        "team": scope.team,
        "organization": scope.organization,
        "rows": rows,
        "form": form or WebhookForm(),
        "revealed": shown,
        "grace_hours": int(webhook_services.ROTATION_GRACE.total_seconds() // 3600),
        "retention_days": settings.WEBHOOK_DELIVERY_RETENTION_DAYS,
        "last_deliveries": LAST_DELIVERIES,
    }
    status = 200 if form is None else 400  # a refused form
    return render(request, "assessments/webhooks.html", context, status=status)


def _list_or_create(request, scope):
    if request.method != "POST":
        return _page(request, scope)
    form = WebhookForm(request.POST)
    if form.is_valid():

        def field_error(exc):
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)

        with reported(request, on_error=field_error):
            hook, secret = webhook_services.create_webhook(
                provider=form.cleaned_data["provider"],
                options=form.options(),
                created_by=request.user,
                **scope.owner,
            )
            _keep_secret_once(request, hook, secret, "created")
            messages.success(request, f"{hook.get_provider_display()} webhook created.")
            return redirect(scope.url("webhooks") + "#revealed")
    return _page(request, scope, form)


def _rotate(request, scope, hook_id):
    hook = _hook(scope, hook_id)
    with reported(request):
        secret = webhook_services.rotate_webhook(hook, actor=request.user)
        _keep_secret_once(request, hook, secret, "rotated")
        messages.success(request, f"New secret for the {hook.get_provider_display()} webhook.")
    return redirect(scope.url("webhooks") + "#revealed")


def _provider_secret(request, scope, hook_id):
    hook = _hook(scope, hook_id)
    with reported(request):
        webhook_services.use_provider_secret(hook, request.POST.get("secret"), actor=request.user)
        messages.success(
            request,
            f"Deliveries are now checked with {hook.get_provider_display()}'s signing secret "
            f"(the previous one stays valid until "
            f"{timezone.localtime(hook.previous_secret_expires_at):%Y-%m-%d %H:%M}).",
        )
    return redirect(scope.url("webhooks") + f"#hook-{hook.id}")


def _revoke(request, scope, hook_id):
    hook = _hook(scope, hook_id)
    with reported(request):
        webhook_services.revoke_webhook(hook, actor=request.user)
        messages.success(
            request,
            f"{hook.get_provider_display()} webhook revoked: its URL no longer accepts deliveries.",
        )
    return redirect(scope.url("webhooks"))


def _deliveries(request, scope, hook_id):
    try:
        hook, deliveries = webhook_services.get_webhook_deliveries(scope.owner, hook_id)
    except DomainError as exc:
        raise_for_page(exc, not_found_404=True)
        raise
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "scope": scope,
        "team": scope.team,
        "organization": scope.organization,
        "scope_url": scope.url("webhooks"),
        "hook": hook,
        "status": _status(hook, timezone.now()),
        "page": page,
        "retention_days": settings.WEBHOOK_DELIVERY_RETENTION_DAYS,
    }
    return render(request, "assessments/webhook_deliveries.html", context)


# --- a team's webhooks --------------------------------------------------------------------------


@login_required
def team_webhooks(request, team_id):
    return _list_or_create(request, _scope(request, team_id=team_id))


@login_required
@require_POST
def team_webhook_rotate(request, team_id, hook_id):
    return _rotate(request, _scope(request, team_id=team_id), hook_id)


@login_required
@require_POST
def team_webhook_revoke(request, team_id, hook_id):
    return _revoke(request, _scope(request, team_id=team_id), hook_id)


@login_required
@require_POST
def team_webhook_secret(request, team_id, hook_id):
    return _provider_secret(request, _scope(request, team_id=team_id), hook_id)


@login_required
def team_webhook_deliveries(request, team_id, hook_id):
    return _deliveries(request, _scope(request, team_id=team_id), hook_id)


# --- an organisation's webhooks (events routed by ownership) -----------------------------------


@login_required
def organization_webhooks(request, slug):
    return _list_or_create(request, _scope(request, slug=slug))


@login_required
@require_POST
def organization_webhook_rotate(request, slug, hook_id):
    return _rotate(request, _scope(request, slug=slug), hook_id)


@login_required
@require_POST
def organization_webhook_revoke(request, slug, hook_id):
    return _revoke(request, _scope(request, slug=slug), hook_id)


@login_required
@require_POST
def organization_webhook_secret(request, slug, hook_id):
    return _provider_secret(request, _scope(request, slug=slug), hook_id)


@login_required
def organization_webhook_deliveries(request, slug, hook_id):
    return _deliveries(request, _scope(request, slug=slug), hook_id)

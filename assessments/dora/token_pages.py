"""The team's API tokens page: everyone who sees the team sees the list (name, prefix, scope,
who created it and when, expiry, last use); its lead and the organisation's admins create
tokens, seeing each key exactly once, and revoke them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.dora import token_services
from assessments.models import TeamApiToken
from vsm_site import shown_once
from vsm_site.domain_errors import Invalid
from vsm_site.http import reported

# The key of a token just created waits here for the one page view that shows it: the POST
# redirects (a reload does not create a second token), the GET pops it. It never reaches a URL.
NEW_KEY_SESSION = "team_token_new_key"


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=token_services.MAX_NAME_LENGTH,
        help_text="What uses it, e.g. GitHub Actions or the CoE dashboard.",
    )
    scope = forms.ChoiceField(
        choices=TeamApiToken.SCOPE_CHOICES,
        initial=TeamApiToken.EVENTS,
        widget=forms.RadioSelect,
        help_text="Send events: POST the team's deployments and incidents (a CI/CD pipeline). "
        "Read DORA metrics: GET the team's metrics, read-only (a dashboard).",
    )
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=token_services.MAX_EXPIRY_DAYS,
        label="Expires after (days)",
    )
    expires_on = forms.DateField(
        required=False,
        label="or expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=f"Stops working at 00:00 that day. At most {token_services.MAX_EXPIRY_DAYS} "
        "days ahead; leave both empty for a token that never expires.",
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["expires_at"] = token_services.expiry(
                days=data.get("expires_in_days"), on=data.get("expires_on")
            )
        except Invalid as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


def _example(request, team, scope, key):
    """The curl command that uses a new key for what its scope allows."""
    if scope == TeamApiToken.METRICS:
        url = request.build_absolute_uri(reverse("api_team_dora", args=[team.id]))
        return f'curl -H "Authorization: Bearer {key}" {url}'
    url = request.build_absolute_uri(reverse("api_team_deployments", args=[team.id]))
    return (
        f'curl -H "Authorization: Bearer {key}" -H "Content-Type: text/csv" \\\n'
        f"     --data-binary @deployments.csv {url}"
    )


def _new_key(request, team):
    """The key created just before, popped: shown on this page view and never again."""
    shown = shown_once.take(request, NEW_KEY_SESSION, team.id)
    if shown is None:
        return None
    token_id, key = shown
    token = TeamApiToken.objects.filter(team=team, pk=token_id).first()
    if token is None:
        return None
    return {"token": token, "key": key, "example": _example(request, team, token.scope, key)}


@login_required
def team_tokens(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    can_manage = permissions.can_lead_team(request.user, team)
    form = TokenForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the team's lead or an organisation admin creates tokens.")
        form = TokenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def field_error(exc):
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)

            with reported(request, on_error=field_error):
                token, key = token_services.create_token(
                    request.user, team, data["name"], data["scope"], data["expires_at"]
                )
                shown_once.keep(request, NEW_KEY_SESSION, team.id, token.id, key)
                messages.success(request, f"Token {token.name!r} created.")
                return redirect("team_tokens", team_id=team.id)
    context = {
        "team": team,
        "tokens": token_services.team_tokens(team),
        "can_manage": can_manage,
        "form": form if can_manage else None,
        "new": _new_key(request, team) if request.method == "GET" else None,
        "max_expiry_days": token_services.MAX_EXPIRY_DAYS,
    }
    return render(
        request, "assessments/team_tokens.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def team_token_revoke(request, team_id, token_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    with reported(request, not_found_404=True):
        token = token_services.revoke_token(request.user, team, token_id)
        messages.success(request, f"Token {token.name!r} revoked: it no longer works.")
    return redirect("team_tokens", team_id=team.id)

"""The organisation admin's "Provisioning (SCIM)" page: the SCIM tokens its identity provider
sends (created here, each key shown once, and revoked) and the SCIM groups the provider pushed,
each mapped to a team or to none. Thin: tokens go to ``tokens``, mappings to
``groups.map_to_team``, the functions the command and the Django admin use."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assessments import permissions
from assessments.models import ScimToken, Team
from assessments.people.scim import groups, tokens
from vsm_site import shown_once
from vsm_site.http import reported

REFUSAL = "Only organisation admins manage how its identity provider provisions people."
# The key of a token just created waits here for the one page view that shows it: the POST
# redirects (a reload does not create a second token), the GET pops it. It never reaches a URL.
NEW_KEY_SESSION = "scim_token_new_key"


class GroupTeamForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="No team"
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


def _organization(request, org_id):
    return permissions.get_administered_organization(request.user, org_id, REFUSAL)


def _new_key(request, organization):
    """The key created just before, popped: shown on this page view and never again."""
    shown = shown_once.take(request, NEW_KEY_SESSION, organization.id)
    if shown is None:
        return None
    token_id, key = shown
    token = ScimToken.objects.filter(organization=organization, pk=token_id).first()
    return {"token": token, "key": key} if token is not None else None


@login_required
@require_GET
def organization_provisioning(request, org_id):
    organization = _organization(request, org_id)
    teams = list(Team.objects.filter(organization=organization).order_by("name"))
    return render(
        request,
        "assessments/organization_provisioning.html",
        {
            "organization": organization,
            "base_url": settings.SITE_URL + "/scim/v2/",
            "new": _new_key(request, organization),
            "tokens": tokens.organization_tokens(organization),
            "groups": groups.group_rows(organization),
            "teams": teams,
            "by_external_id": groups.BY_EXTERNAL_ID,
        },
    )


@login_required
@require_POST
def organization_scim_token_create(request, org_id):
    organization = _organization(request, org_id)
    token, key = tokens.issue_token(organization, actor=request.user)
    shown_once.keep(request, NEW_KEY_SESSION, organization.id, token.id, key)
    messages.success(request, f"SCIM token vsms_{token.prefix}… created.")
    return redirect("organization_provisioning", org_id=organization.id)


@login_required
@require_POST
def organization_scim_token_revoke(request, org_id, token_id):
    organization = _organization(request, org_id)
    with reported(request, not_found_404=True):
        token = tokens.revoke_token_of(organization, token_id, actor=request.user)
        messages.success(request, f"SCIM token vsms_{token.prefix}… revoked: it no longer works.")
    return redirect("organization_provisioning", org_id=organization.id)


@login_required
@require_POST
def organization_scim_group_map(request, org_id, group_id):
    organization = _organization(request, org_id)
    with reported(request, not_found_404=True):
        group = groups.find_organization_group(organization, group_id)
        form = GroupTeamForm(request.POST, teams=Team.objects.filter(organization=organization))
        if not form.is_valid():
            messages.error(request, "Pick one of the organisation's teams, or no team.")
            return redirect("organization_provisioning", org_id=organization.id)
        team = form.cleaned_data["team"]
        groups.map_to_team(group, team, actor=request.user)
        if team is None:
            messages.success(request, f"Group {group.display_name!r} maps to no team now.")
        else:
            messages.success(request, f"Group {group.display_name!r} maps to {team.name}: its "
                             "members are members of the team.")  # fmt: skip
    return redirect("organization_provisioning", org_id=organization.id)

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.levels import LEVEL_NAMES
from assessments.maturity import selectors, services
from assessments.maturity.forms import OpenAssessmentForm
from assessments.people.forms import AddMemberForm, OrganizationSettingsForm
from vsm_site.http import reported


@login_required
def home(request):
    access = permissions.access_for(request.user)
    my_teams = list(
        permissions.visible_teams(request.user)
        .filter(id__in=access.member_team_ids)
        .order_by("organization__name", "name")
    )
    org_teams = []
    if access.is_superuser or access.org_ids:
        org_teams = list(
            permissions.visible_teams(request.user)
            .exclude(id__in=access.member_team_ids)
            .order_by("organization__name", "group__name", "name")
        )
    return render(
        request,
        "assessments/home.html",
        {
            "my_teams": my_teams,
            "org_teams": org_teams,
            "led_team_ids": access.led_team_ids,
            # Admins and analysts see the organisation's teams without being members: their
            # empty state must not send them to an admin.
            "is_admin": access.is_superuser or bool(access.admin_org_ids),
            "is_analyst": bool(access.analyst_org_ids),
        },
    )


@login_required
def team_detail(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    can_administer = permissions.can_administer(request.user, team.organization)
    can_lead = permissions.can_lead_team(request.user, team)
    memberships = list(team.memberships.select_related("user").order_by("role", "user__username"))
    assessments = list(
        team.assessments.select_related("questionnaire", "result").order_by("-period")
    )
    counts = selectors.assessment_counts([a.id for a in assessments])
    rows = [
        {
            "assessment": a,
            "result": getattr(a, "result", None),
            "submitted": counts.get(a.id, {}).get("submitted", 0),
        }
        for a in assessments
    ]
    return render(
        request,
        "assessments/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "can_administer": can_administer,
            "can_lead": can_lead,
            "is_member": permissions.is_team_member(request.user, team),
            "assessment_rows": rows,
            "member_count": len(memberships),
            "open_form": OpenAssessmentForm(organization=team.organization) if can_lead else None,
            "add_member_form": AddMemberForm() if can_administer else None,
            "member_undo": _pop_member_undo(request, team) if can_administer else None,
            "level_names": LEVEL_NAMES,
        },
    )


def _pop_member_undo(request, team):
    """The removal this page may offer to undo: the caller's last one, on this team, once."""
    undo = request.session.get(MEMBER_UNDO_KEY)
    if not undo or undo.get("team") != team.id:
        return None
    del request.session[MEMBER_UNDO_KEY]
    return undo


@login_required
@require_POST
def team_member_add(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_administer(request.user, team.organization):
        raise PermissionDenied("Only organisation admins manage team membership.")
    form = AddMemberForm(request.POST)
    if form.is_valid():
        with reported(request):
            membership, created = services.add_member(
                team, form.cleaned_data["username"], form.cleaned_data["role"]
            )
            verb = "added to" if created else "updated in"
            messages.success(
                request, f"{membership.user.username} {verb} {team.name} as {membership.role}."
            )
    else:
        messages.error(request, "Enter a username and a role.")
    return redirect("team_detail", team_id=team.id)


@login_required
@require_POST
def team_member_remove(request, team_id, username):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_administer(request.user, team.organization):
        raise PermissionDenied("Only organisation admins manage team membership.")
    with reported(request):
        token = services.remove_member(team, username)
        messages.success(request, f"{username} removed from {team.name}.")
        # The team page offers "Undo" once, beside the members list (shown, then dropped).
        request.session[MEMBER_UNDO_KEY] = {"team": team.id, "username": username, "token": token}
    return redirect("team_detail", team_id=team.id)


MEMBER_UNDO_KEY = "member_undo"


@login_required
@require_POST
def team_member_undo_remove(request, team_id):
    """Put back the member just removed, with the role they had (a signed, short-lived token
    from ``team_member_remove``)."""
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_administer(request.user, team.organization):
        raise PermissionDenied("Only organisation admins manage team membership.")
    with reported(request):
        membership = services.restore_member(team, request.POST.get("token", ""))
        messages.success(
            request,
            f"Undone: {membership.user.username} is back in {team.name} as {membership.role}.",
        )
    return redirect("team_detail", team_id=team.id)


@login_required
def organization_settings(request, org_id):
    """Organisation admins choose the default DORA benchmark and the confidence threshold."""
    organization = permissions.get_administered_organization(
        request.user, org_id, "Only organisation admins change these settings."
    )
    form = OrganizationSettingsForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Organisation settings saved.")
        return redirect("organization_settings", org_id=organization.id)
    return render(
        request,
        "assessments/organization_settings.html",
        {"organization": organization, "form": form},
    )

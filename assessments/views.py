from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import permissions, services
from .forms import AddMemberForm


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
        },
    )


@login_required
def team_detail(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    can_administer = permissions.can_administer(request.user, team.organization)
    memberships = list(team.memberships.select_related("user").order_by("role", "user__username"))
    return render(
        request,
        "assessments/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "can_administer": can_administer,
            "can_lead": permissions.can_lead_team(request.user, team),
            "add_member_form": AddMemberForm() if can_administer else None,
        },
    )


@login_required
@require_POST
def team_member_add(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if not permissions.can_administer(request.user, team.organization):
        raise PermissionDenied("Only organisation admins manage team membership.")
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            membership, created = services.add_member(
                team, form.cleaned_data["username"], form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
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
    try:
        services.remove_member(team, username)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{username} removed from {team.name}.")
    return redirect("team_detail", team_id=team.id)

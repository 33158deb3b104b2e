"""Pages: an organisation's people (admins invite, withdraw invitations, remove people) and
the invitation link (accepted by a logged-in person, or with a new account)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments import permissions
from assessments.models import Invitation, Membership, OrganizationMember
from assessments.people import services
from vsm_site.http import reported


class InviteForm(forms.Form):
    email = forms.EmailField(help_text="The person receives a link to join; it is valid for "
                             f"{services.INVITATION_DAYS} days.")  # fmt: skip
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="No team yet")
    role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = organization.teams.order_by("name")


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{1,150}$",
        max_length=150,
        help_text="Letters, digits and . @ + - _ only.",
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif data.get("password1"):
            try:
                validate_password(data["password1"])
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


def _administered(user, org_id):
    return permissions.get_administered_organization(
        user, org_id, "Only organisation admins manage the organisation's people."
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_people(request, org_id):
    organization = _administered(request.user, org_id)
    form = InviteForm(request.POST or None, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with reported(request, on_error=lambda exc: form.add_error(exc.field, exc.message)):
                services.invite(
                    request.user, organization, data["email"], team=data["team"],
                    role=data["role"],
                )  # fmt: skip
                messages.success(request, f"Invitation sent to {data['email']}.")
                return redirect("organization_people", org_id=organization.id)
        status = 400  # the form is invalid, or the service refused it
    members = list(
        OrganizationMember.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username")
    )
    teams = {}
    for username, team in Membership.objects.filter(team__organization=organization).values_list(
        "user__username", "team__name"
    ):
        teams.setdefault(username, []).append(team)
    invitations = [
        i
        for i in Invitation.objects.filter(organization=organization, accepted_at=None)
        .select_related("team", "invited_by")
        .order_by("-created_at")[:100]
        if i.is_pending
    ]
    return render(
        request,
        "assessments/people/organization_people.html",
        {
            "organization": organization,
            "members": [(m, sorted(teams.get(m.user.username, []))) for m in members],
            "invitations": invitations,
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request, org_id, invitation_id):
    organization = _administered(request.user, org_id)
    invitation = Invitation.objects.filter(organization=organization, pk=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    with reported(request):
        services.revoke_invitation(request.user, invitation)
        messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect("organization_people", org_id=organization.id)


@login_required
@require_POST
def organization_person_remove(request, org_id, username):
    organization = _administered(request.user, org_id)
    with reported(request, not_found_404=True):
        services.remove_person(request.user, organization, username)
        messages.success(request, f"{username} was removed from {organization.name}.")
    return redirect("organization_people", org_id=organization.id)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Open to anyone holding the link: a logged-in person joins with their account; someone
    without one creates it here, with the invited address."""
    invitation = services.pending_invitation(token)
    if invitation is None:
        return render(
            request, "assessments/people/invitation.html", {"invalid": services.INVALID},
            status=404,
        )  # fmt: skip
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            services.accept_invitation(token, request.user)
            messages.success(request, f"You joined {invitation.organization.name}.")
            return redirect("home")
    else:
        form = NewAccountForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with reported(request, on_error=lambda exc: form.add_error(exc.field, exc.message)):
                user = services.create_account_and_accept(
                    token, data["username"], data["password1"], data["first_name"],
                    data["last_name"],
                )  # fmt: skip
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to {invitation.organization.name}.")
                return redirect("home")
    return render(
        request,
        "assessments/people/invitation.html",
        {"invitation": invitation, "form": form, "organization": invitation.organization},
    )

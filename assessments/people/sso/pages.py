"""The organisation admin's "Sign-in and single sign-on" page: the identity provider, the
rules for password sign-in and the mapping of the provider's groups. Thin: each form is
handed to ``configuration`` or ``mapping``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.models import SingleSignOn, Team
from assessments.people.sso import configuration, mapping
from assessments.people.sso.forms import MappingForm, OidcForm, PolicyForm, SamlForm
from vsm_site.http import reported

REFUSAL = "Only organisation admins change how its people sign in."


def _organization(request, org_id):
    return permissions.get_administered_organization(request.user, org_id, REFUSAL)


def _field_error(form):
    def show(exc):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)

    return show


@login_required
def organization_sign_in(request, org_id):
    """GET: the page. POST: connect (or change) the provider, ``protocol`` oidc or saml."""
    organization = _organization(request, org_id)
    sso = configuration.sign_in_settings(organization)
    protocol = request.POST.get("protocol") if request.method == "POST" else None
    initial = {
        "email_domains": ", ".join(organization.sso_domains.values_list("domain", flat=True)),
        "groups_claim": sso.groups_claim,
        "default_role": sso.default_role,
    }
    oidc_initial = {**initial}
    if sso.protocol == SingleSignOn.OIDC:
        oidc_initial |= {"issuer": configuration.oidc_issuer(sso),
                         "client_id": sso.social_app.client_id}  # fmt: skip
    oidc = OidcForm(request.POST if protocol == "oidc" else None, initial=oidc_initial)
    saml = SamlForm(
        request.POST if protocol == "saml" else None,
        request.FILES if protocol == "saml" else None,
        initial=initial,
    )
    if protocol == "oidc" and oidc.is_valid():
        with reported(request, on_error=_field_error(oidc)):
            configuration.configure_oidc(request.user, organization, **oidc.cleaned_data)
            messages.success(request, f"{organization.name} signs in through OpenID Connect.")
            return redirect("organization_sign_in", org_id=organization.id)
    elif protocol == "saml" and saml.is_valid():
        with reported(request, on_error=_field_error(saml)):
            data = dict(saml.cleaned_data)
            data.pop("metadata_file")
            data["metadata_xml"] = saml.metadata_xml()
            data["metadata_url"] = data["metadata_url"] or None
            configuration.configure_saml(request.user, organization, **data)
            messages.success(request, f"{organization.name} signs in through SAML 2.0.")
            return redirect("organization_sign_in", org_id=organization.id)
    elif protocol == "disconnect":
        with reported(request):
            configuration.disconnect(request.user, organization)
            messages.success(request, "The identity provider is disconnected.")
            return redirect("organization_sign_in", org_id=organization.id)
    teams = list(Team.objects.filter(organization=organization).order_by("name"))
    policy = PolicyForm(
        initial={
            "require_sso": sso.require_sso,
            "require_mfa": sso.require_mfa,
            "break_glass_username": getattr(sso.break_glass_user, "username", ""),
        }
    )
    return render(
        request,
        "assessments/organization_sign_in.html",
        {
            "organization": organization,
            "sso": sso,
            "oidc": oidc,
            "saml": saml,
            "policy": policy,
            "mapping_form": MappingForm(teams=teams),
            "mappings": mapping.mappings(organization),
            "return_addresses": configuration.return_addresses(sso),
            "addresses": configuration.addresses_for(organization),
        },
        status=400 if protocol in ("oidc", "saml") else 200,
    )


@login_required
@require_POST
def organization_sign_in_policy(request, org_id):
    organization = _organization(request, org_id)
    form = PolicyForm(request.POST)
    if form.is_valid():
        with reported(request):
            configuration.set_policy(request.user, organization, **form.cleaned_data)
            messages.success(request, "Sign-in rules saved.")
    return redirect("organization_sign_in", org_id=organization.id)


@login_required
@require_POST
def organization_sso_mapping_add(request, org_id):
    organization = _organization(request, org_id)
    teams = list(Team.objects.filter(organization=organization))
    form = MappingForm(request.POST, teams=teams)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("organization_sign_in", org_id=organization.id)
    kind, _, value = form.cleaned_data["target"].partition(":")
    target = {"org_role": value}
    if kind == "team":
        target = {"team": next(t for t in teams if str(t.id) == value),
                  "team_role": form.cleaned_data["team_role"]}  # fmt: skip
    with reported(request):
        mapping.add_mapping(request.user, organization, group=form.cleaned_data["group"], **target)
        messages.success(request, f"Group {form.cleaned_data['group']!r} mapped.")
    return redirect("organization_sign_in", org_id=organization.id)


@login_required
@require_POST
def organization_sso_mapping_remove(request, org_id, mapping_id):
    organization = _organization(request, org_id)
    with reported(request):
        mapping.remove_mapping(request.user, organization, mapping_id)
        messages.success(request, "Mapping removed; it stops applying at each person's next "
                         "sign-in.")  # fmt: skip
    return redirect("organization_sign_in", org_id=organization.id)

"""An organisation's identity provider and sign-in rules, written by its admin's settings page
and by ``manage.py sso_configure`` (``actor=None``: the site operator).

Each organisation has one allauth ``SocialApp`` (provider ``openid_connect`` or ``saml``)
whose ``provider_id`` is ``org-<slug>``: allauth routes the provider's answer to that app
alone, so an identity is always known as one organisation's (``provisioning``)."""

from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from assessments import permissions
from assessments.audit import trail as audit
from assessments.models import Membership, OrgRole, SingleSignOn, SsoDomain
from assessments.people.sso import mfa
from assessments.people.sso.domains import parse_domains
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound

OIDC_PROVIDER = "openid_connect"
SAML_PROVIDER = "saml"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def provider_id(organization):
    """The allauth provider id of the organisation's app (also the SAML URLs' segment)."""
    return f"org-{organization.slug}"


def check_admin(actor, organization):
    """``actor=None`` is the site operator (the command)."""
    if actor is None or permissions.can_administer(actor, organization):
        return
    if organization.id in permissions.member_organization_ids(actor):
        raise NotAllowed("Only organisation admins change how its people sign in.")
    raise NotFound("No such organisation.")


def sign_in_settings(organization):
    """The organisation's SingleSignOn, unsaved (no provider, nothing required) when it has
    set nothing yet."""
    sso = (
        SingleSignOn.objects.select_related("social_app", "break_glass_user")
        .filter(organization=organization)
        .first()
    )
    return sso or SingleSignOn(organization=organization)


def sign_in_row(organization):
    """The organisation's SingleSignOn, saved (audit entries are about it)."""
    sso, _ = SingleSignOn.objects.get_or_create(organization=organization)
    return sso


def _describe_connection(sso, domains):
    app = sso.social_app
    where = oidc_issuer(sso) or app.settings.get("idp", {}).get("entity_id", "")
    return (
        f"{sso.get_protocol_display()} {where} (client {app.client_id}); domains "
        f"{', '.join(domains)}; groups claim {sso.groups_claim}; default role {sso.default_role}"
    )


def _check_url(url, field):
    """An https address; plain http only on this machine (development and the tests)."""
    parts = urlsplit((url or "").strip())
    if parts.scheme == "https" and parts.hostname:
        return url.strip()
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return url.strip()
    raise Invalid(f"{url!r} is not an https address.", field=field)


def _check_role(role):
    if role not in (Membership.MEMBER, Membership.LEAD):
        raise Invalid(
            f"The default role is 'member' or 'lead', not {role!r}.", field="default_role"
        )
    return role


def _save(actor, organization, protocol, app_fields, email_domains, groups_claim, default_role):
    """Write the app, the SingleSignOn and the domains (replacing the previous ones)."""
    domains = parse_domains(email_domains)
    taken = (
        SsoDomain.objects.filter(domain__in=domains)
        .exclude(organization=organization)
        .values_list("domain", flat=True)
    )
    if taken:
        raise Conflict(
            f"{', '.join(sorted(taken))} already signs in through another organisation's "
            "identity provider.",
            field="email_domains",
        )
    sso = sign_in_settings(organization)
    app = sso.social_app or SocialApp(provider_id=provider_id(organization))
    if sso.social_app and app.provider != protocol_provider(protocol):
        app.settings = {}  # another protocol: nothing of the old one carries over
    app.provider = protocol_provider(protocol)
    app.provider_id = provider_id(organization)
    app.name = organization.name
    for name, value in app_fields.items():
        setattr(app, name, value)
    app.save()
    sso.social_app = app
    sso.protocol = protocol
    if groups_claim is not None:
        sso.groups_claim = (groups_claim or "").strip() or "groups"
    if default_role is not None:
        sso.default_role = _check_role(default_role)
    sso.save()
    SsoDomain.objects.filter(organization=organization).exclude(domain__in=domains).delete()
    try:
        with transaction.atomic():
            for domain in domains:
                SsoDomain.objects.get_or_create(organization=organization, domain=domain)
    except IntegrityError:  # another organisation claimed it a moment ago
        raise Conflict(
            "One of these domains was just taken by another organisation.", field="email_domains"
        ) from None
    audit.record_sign_in(sso, "connected", _describe_connection(sso, domains), actor=actor)
    return sso


def protocol_provider(protocol):
    return {SingleSignOn.OIDC: OIDC_PROVIDER, SingleSignOn.SAML: SAML_PROVIDER}[protocol]


@transaction.atomic
def configure_oidc(
    actor, organization, *, issuer, client_id, client_secret="", email_domains,
    groups_claim=None, default_role=None,
):  # fmt: skip
    """Connect the organisation to an OpenID Connect provider (authorisation code flow with
    PKCE). ``issuer`` is the provider's issuer exactly as its discovery document states it:
    ID tokens are accepted only with that ``iss`` and the client id as audience. An empty
    ``client_secret`` keeps the one stored (the settings page never shows it)."""
    check_admin(actor, organization)
    issuer = _check_url(issuer, "issuer")
    client_id = (client_id or "").strip()
    if not client_id or len(client_id) > 191:
        raise Invalid("Give the client id the provider issued.", field="client_id")
    current = sign_in_settings(organization).social_app
    secret = (client_secret or "").strip()
    if not secret:
        if current is None or current.provider != OIDC_PROVIDER or not current.secret:
            raise Invalid("Give the client secret the provider issued.", field="client_secret")
        secret = current.secret
    fields = {
        "client_id": client_id,
        "secret": secret,
        "key": "",
        "settings": {
            "server_url": issuer.rstrip("/"),
            "oauth_pkce_enabled": True,
            # The issuer the admin gave, not whatever the discovery document says: a
            # multi-tenant endpoint's tokens (another tenant's) are refused.
            "openid_configuration_overrides": {"issuer": issuer},
        },
    }
    return _save(
        actor, organization, SingleSignOn.OIDC, fields, email_domains, groups_claim, default_role
    )


def oidc_issuer(sso):
    app = sso.social_app
    if app is None or app.provider != OIDC_PROVIDER:
        return ""
    return app.settings.get("openid_configuration_overrides", {}).get("issuer", "")


@transaction.atomic
def set_policy(actor, organization, *, require_sso, break_glass_username="", require_mfa):
    """The organisation's rules for password sign-in. SSO can be required only with a
    provider; the break-glass admin must be one of the organisation's admins."""
    check_admin(actor, organization)
    sso = sign_in_settings(organization)
    if require_sso and not sso.protocol:
        raise Invalid("Connect an identity provider before requiring it.", field="require_sso")
    user = None
    username = (break_glass_username or "").strip()
    if username:
        user = (
            get_user_model()
            .objects.filter(
                username=username,
                is_active=True,
                org_roles__organization=organization,
                org_roles__role=OrgRole.ORG_ADMIN,
            )
            .first()
        )
        if user is None:
            raise Invalid(
                f"{organization.name} has no organisation admin named {username!r}.",
                field="break_glass_username",
            )
    if require_sso and user is not None and not mfa.has_mfa(user):
        raise Invalid(
            f"{user.username} has no MFA yet: a break-glass sign-in always needs it. They set "
            "it up under Two-factor authentication first.",
            field="break_glass_username",
        )
    sso.require_sso = bool(require_sso)
    sso.break_glass_user = user
    sso.require_mfa = bool(require_mfa)
    sso.save()
    details = (
        f"require SSO {'yes' if sso.require_sso else 'no'}; break-glass admin "
        f"{user.username if user else 'none'}; require MFA {'yes' if sso.require_mfa else 'no'}"
    )
    audit.record_sign_in(sso, "rules", details, actor=actor)
    return sso


@transaction.atomic
def disconnect(actor, organization):
    """Remove the provider (identities linked to it stay, unusable, until it returns)."""
    check_admin(actor, organization)
    sso = sign_in_settings(organization)
    if sso.pk is None:
        return sso
    app = sso.social_app
    sso.protocol = ""
    sso.require_sso = False
    sso.social_app = None
    sso.save()
    SsoDomain.objects.filter(organization=organization).delete()
    if app is not None:
        app.delete()
    audit.record_sign_in(sso, "disconnected", "", actor=actor)
    return sso


SAML_ATTRIBUTES = {
    "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],  # else the NameID
    "email": [
        "email",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ],
    "first_name": [
        "firstName",
        "given_name",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ],
    "last_name": [
        "lastName",
        "family_name",
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ],
}


def _saml_idp(metadata_url, metadata_xml, entity_id):
    """The IdP settings allauth reads: the metadata URL (fetched and cached by allauth) with
    its entity id, or the entity id, sign-in URL and certificate read from a metadata file."""
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        if metadata_url:
            metadata_url = _check_url(metadata_url, "metadata_url")
            if entity_id:
                return {"entity_id": entity_id.strip(), "metadata_url": metadata_url}
            parsed = OneLogin_Saml2_IdPMetadataParser.parse_remote(metadata_url, timeout=10)
            return {"entity_id": parsed["idp"]["entityId"], "metadata_url": metadata_url}
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            metadata_xml, entity_id=(entity_id or "").strip() or None
        )
        idp = parsed["idp"]
        cert = idp.get("x509cert") or (idp.get("x509certMulti", {}).get("signing") or [""])[0]
        if not cert:
            raise Invalid("The metadata holds no signing certificate.", field="metadata")
        return {
            "entity_id": idp["entityId"],
            "sso_url": idp["singleSignOnService"]["url"],
            "x509cert": cert,
        }
    except (KeyError, ValueError, OSError, Exception) as exc:
        if isinstance(exc, Invalid):
            raise
        raise Invalid(f"The IdP metadata could not be read: {exc}", field="metadata") from None


@transaction.atomic
def configure_saml(
    actor, organization, *, metadata_url=None, metadata_xml=None, entity_id=None,
    email_domains, groups_claim=None, default_role=None,
):  # fmt: skip
    """Connect the organisation to a SAML 2.0 identity provider, from its metadata (URL or
    XML). Assertions must be signed; sign-ins the IdP starts on its own are refused (each
    response must answer a request of ours: no replay, no unsolicited assertion)."""
    check_admin(actor, organization)
    if bool(metadata_url) == bool(metadata_xml):
        raise Invalid("Give the IdP's metadata URL or its metadata file.", field="metadata")
    idp = _saml_idp(metadata_url, metadata_xml, entity_id)
    fields = {
        "client_id": provider_id(organization),  # allauth finds a SAML app by this
        "secret": "",
        "key": "",
        "settings": {
            "idp": idp,
            "attribute_mapping": SAML_ATTRIBUTES,
            "advanced": {
                "strict": True,
                "want_assertion_signed": True,
                "reject_idp_initiated_sso": True,
                "reject_deprecated_algorithm": True,
            },
        },
    }
    return _save(
        actor, organization, SingleSignOn.SAML, fields, email_domains, groups_claim, default_role
    )


def return_addresses(sso):
    """What the provider's administrator registers for the organisation's configured protocol:
    the redirect URI (OIDC), or the ACS URL and entity id (SAML), on SITE_URL."""
    if sso.social_app is None:
        return []
    return addresses_for(sso.organization)[sso.protocol]


def addresses_for(organization):
    """Both protocols' addresses for the organisation, known before anything is configured
    (the provider's administrator needs them to create the client or application first):
    ``{protocol: [(label, url), ...]}``."""
    from django.conf import settings
    from django.urls import reverse

    site = settings.SITE_URL
    oidc = reverse("openid_connect_callback", kwargs={"provider_id": provider_id(organization)})
    slug = {"organization_slug": provider_id(organization)}
    return {
        SingleSignOn.OIDC: [("Redirect URI", site + oidc)],
        SingleSignOn.SAML: [
            ("ACS URL", site + reverse("saml_acs", kwargs=slug)),
            ("Entity ID (SP metadata)", site + reverse("saml_metadata", kwargs=slug)),
        ],
    }

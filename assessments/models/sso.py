"""How an organisation's people sign in: its identity provider (OpenID Connect or SAML 2.0,
through one django-allauth ``SocialApp``), the e-mail domains that go to it, how the
provider's groups map to teams and roles, and its rules for password sign-in (SSO required,
a break-glass admin, MFA). The rules themselves are in ``assessments.people.sso``."""

from django.conf import settings
from django.db import models

from assessments.models.people import Membership, Organization, OrgRole, Team


class SingleSignOn(models.Model):
    """One per organisation that has set anything about sign-in. ``protocol`` empty: no
    identity provider (the row then only holds the MFA rule for password sign-in)."""

    OIDC = "oidc"
    SAML = "saml"
    PROTOCOL_CHOICES = [(OIDC, "OpenID Connect"), (SAML, "SAML 2.0")]

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    protocol = models.CharField(max_length=4, choices=PROTOCOL_CHOICES, blank=True)
    # The allauth app holding the provider's address, client id and secret (or SAML metadata);
    # its provider_id is derived from the organisation's slug (sso.configuration).
    social_app = models.OneToOneField(
        "socialaccount.SocialApp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="single_sign_on",
    )
    groups_claim = models.CharField(
        max_length=100,
        default="groups",
        help_text="The ID token claim (or SAML attribute) that lists the person's groups.",
    )
    default_role = models.CharField(
        max_length=10,
        choices=Membership.ROLE_CHOICES,
        default=Membership.MEMBER,
        help_text="Team role given by a group mapping that names a team but no role.",
    )
    require_sso = models.BooleanField(
        default=False,
        help_text="Members sign in through the identity provider only; the break-glass admin "
        "may still use a password, with MFA. API tokens keep working until revoked.",
    )
    break_glass_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="An organisation admin who may sign in with a password (and MFA) when SSO "
        "is required, e.g. while the identity provider is down.",
    )
    require_mfa = models.BooleanField(
        default=False,
        help_text="Password sign-in needs a second factor (an authenticator app code or a "
        "recovery code); people without one set it up at their next sign-in.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(protocol__in=["", "oidc", "saml"]),
                name="sso_protocol_valid",
            ),
            # SSO cannot be required without a provider to sign in with.
            models.CheckConstraint(
                condition=models.Q(require_sso=False) | ~models.Q(protocol=""),
                name="sso_required_needs_provider",
            ),
        ]

    def __str__(self):
        return f"Sign-in of {self.organization}"


class SsoDomain(models.Model):
    """An e-mail domain whose addresses sign in through the organisation's provider. A domain
    belongs to one organisation at most (the constraint): the email-first login must never
    have to choose."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_domains"
    )
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=models.functions.Lower("domain")),
                name="sso_domain_lower_case",
            )
        ]

    def __str__(self):
        return self.domain


class SsoGroupMapping(models.Model):
    """A group of the identity provider, mapped to a team (with a team role) or to an
    organisation role. Applied at every sign-in: what the groups no longer give is taken
    away (only what mappings give; memberships set by hand on unmapped teams stay)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_group_mappings"
    )
    group = models.CharField(max_length=200)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="sso_group_mappings"
    )
    team_role = models.CharField(max_length=10, choices=Membership.ROLE_CHOICES, blank=True)
    org_role = models.CharField(max_length=20, choices=OrgRole.ROLE_CHOICES, blank=True)

    class Meta:
        ordering = ["group", "team__name", "org_role"]
        constraints = [
            # Exactly one target: a team, or an organisation role.
            models.CheckConstraint(
                condition=(
                    models.Q(team__isnull=False, org_role="")
                    | models.Q(
                        team__isnull=True, team_role="", org_role__in=["coe_analyst", "org_admin"]
                    )
                ),
                name="sso_mapping_one_target",
            ),
            models.UniqueConstraint(
                fields=["organization", "group", "team"],
                condition=models.Q(team__isnull=False),
                name="uniq_sso_mapping_team",
            ),
            models.UniqueConstraint(
                fields=["organization", "group", "org_role"],
                condition=models.Q(team__isnull=True),
                name="uniq_sso_mapping_org_role",
            ),
        ]

    def __str__(self):
        if self.team_id:
            role = self.get_team_role_display().lower() if self.team_role else "default role"
            return f"{self.group} -> {self.team.name} ({role})"
        return f"{self.group} -> {self.get_org_role_display()}"

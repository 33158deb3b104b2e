"""SCIM 2.0 provisioning (RFC 7643/7644): an organisation's identity provider creates, updates
and deactivates its people and puts them in groups that map to teams. The rules are in
assessments/people/scim/; docs/scim.md says what is supported."""

import hashlib
import secrets

from django.conf import settings
from django.db import models

from assessments.models.people import Organization, Team

KEY_PREFIX = "vsms_"


def hash_key(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ScimToken(models.Model):
    """The bearer token an organisation's identity provider sends to /scim/v2/. It sees and
    changes that organisation's people and groups only. Only a hash of the key is stored; the
    key is shown once, by ``manage.py scim_token`` or on the organisation's provisioning page.
    Revoked on that page, in the Django admin or with ``scim_token --revoke PREFIX``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    # Empty for a token issued on the command line (there is no user behind it).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at"]
        verbose_name = "SCIM token"

    def __str__(self):
        return f"SCIM token {self.prefix}… of {self.organization}"

    @classmethod
    def issue(cls, organization, created_by=None):
        """Create a token; returns ``(token, key)``. The key is not stored."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            organization=organization,
            key_hash=hash_key(key),
            prefix=key[5:13],
            created_by=created_by,
        )
        return token, key

    @classmethod
    def find(cls, key):
        """The working (not revoked) token whose key this is, or None."""
        return (
            cls.objects.select_related("organization")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )


class ScimUser(models.Model):
    """What an organisation's identity provider holds about one of its people: its own id
    for them (``externalId``) and whether it has them active. One row per organisation and
    person, so that a person of two organisations is deactivated in one without the other."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_users"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identities"
    )
    external_id = models.CharField(max_length=255, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "user__username"]
        verbose_name = "SCIM user"
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_scim_user"),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_scim_user_external_id",
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization} (SCIM)"


class ScimGroup(models.Model):
    """A group of the organisation's identity provider. Its members are members of ``team``
    (with the member role) while it maps to one: set on creation when ``externalId`` is a
    team's slug, or by an organisation admin on the provisioning page (or the site operator in
    the Django admin)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_groups"
    )
    display_name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=255, blank=True, default="")
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scim_groups",
        help_text="The group's members are members of this team. Empty: the group maps to no team.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ScimGroupMember", related_name="scim_groups"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "display_name"]
        verbose_name = "SCIM group"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "display_name"], name="uniq_scim_group_name"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.organization}, SCIM)"


class ScimGroupMember(models.Model):
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_group_memberships"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="uniq_scim_group_member")
        ]

    def __str__(self):
        return f"{self.user} in group {self.group}"

"""Who is assessed and who may look: organisations, groups of teams, teams, memberships and
organisation-wide roles. What each user may see and do is decided in assessments/permissions.py."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    low_confidence_threshold = models.PositiveSmallIntegerField(
        default=3,
        # Never below 3: with two respondents each one can read the other's answers off the
        # spread (scoring.MIN_CONFIDENCE_THRESHOLD).
        validators=[MinValueValidator(3), MaxValueValidator(50)],
        help_text="Results, and dimensions, scored by fewer respondents are marked "
        "low-confidence and hide their spread. At least 3.",
    )
    default_benchmark = models.CharField(
        max_length=20,
        default="2024",
        help_text="DORA benchmark set used unless a page chooses another.",
    )
    # DORA's 2025 comparison (assessments.dora.quickcheck): which published segment the teams
    # are compared with, "industry:<key>" or "org_size:<key>", and which view of delivery
    # performance pages open with: the 2025 comparison or the tiers of default_benchmark.
    DORA_VIEW_COMPARISON = "comparison"
    DORA_VIEW_TIERS = "tiers"
    DORA_VIEW_CHOICES = [
        (DORA_VIEW_COMPARISON, "DORA 2025 comparison"),
        (DORA_VIEW_TIERS, "Tiers against a benchmark year"),
    ]
    # What the organisation is, in the terms of the DORA Quick Check 2025 benchmarks (keys of
    # quickcheck.segment_keys("industry") / ("org_size"); "all": not said). Pages offer these
    # two segments first; dora_segment says which one (or another) teams are compared with.
    industry = models.CharField(max_length=40, default="all")
    org_size = models.CharField(max_length=20, default="all")
    dora_segment = models.CharField(
        max_length=40,
        default="industry:all",
        help_text="Compare with this industry or organisation size (DORA Quick Check 2025 "
        "benchmarks).",
    )
    dora_view = models.CharField(
        max_length=12, choices=DORA_VIEW_CHOICES, default=DORA_VIEW_COMPARISON
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moved on by every change to what comparisons read (assessments/data_version.py).
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(low_confidence_threshold__gte=3),
                name="organization_confidence_threshold_at_least_3",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A settings form holding an older copy must never move the version back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname != "data_version"
            ]
        super().save(*args, **kwargs)


class TeamGroup(models.Model):
    """A group of teams inside an organisation: a value stream, a department, a tribe."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_group_name_per_org")
        ]

    def __str__(self):
        return self.name


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    group = models.ForeignKey(
        TeamGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="teams"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="uniq_team_slug_per_org")
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    MEMBER = "member"
    LEAD = "lead"
    ROLE_CHOICES = [(MEMBER, "Member"), (LEAD, "Team lead")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=ROLE_CHOICES, default=MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="uniq_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=["member", "lead"]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.team} ({self.role})"


class OrgRole(models.Model):
    """An organisation-wide role. CoE analysts compare and steer; organisation admins also
    manage teams and memberships and may read individual answers."""

    COE_ANALYST = "coe_analyst"
    ORG_ADMIN = "org_admin"
    ROLE_CHOICES = [(COE_ANALYST, "CoE analyst"), (ORG_ADMIN, "Organisation admin")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_roles"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="org_roles"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="uniq_org_role"),
            models.CheckConstraint(
                condition=models.Q(role__in=["coe_analyst", "org_admin"]),
                name="org_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.get_role_display()} of {self.organization}"


class OrganizationMember(models.Model):
    """A person of the organisation. Only its people can be put in its teams, own its roadmap
    items, be reminded by it or be shown on its pages. A person joins by accepting an
    invitation from the organisation's admin (or through single sign-on, or the site operator
    adds them); nobody outside the organisation learns whether an account exists."""

    INVITATION = "invitation"
    OPERATOR = "operator"
    MIGRATION = "migration"
    IMPORT = "import"
    SCIM = "scim"
    SSO = "sso"
    SOURCE_CHOICES = [
        (INVITATION, "Accepted an invitation"),
        (OPERATOR, "Added by the site operator"),
        (MIGRATION, "Had a team or role when organisations got members"),
        (IMPORT, "Imported with the organisation"),
        (SCIM, "Provisioned by the organisation's identity provider (SCIM)"),
        (SSO, "Signed in through the organisation's identity provider (single sign-on)"),
    ]

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships"
    )
    source = models.CharField(max_length=20, choices=SOURCE_CHOICES, default=OPERATOR)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_org_member")
        ]

    def __str__(self):
        return f"{self.user} in {self.organization}"


class Invitation(models.Model):
    """An organisation admin's invitation to an e-mail address, accepted through the link in
    the e-mail (the token is stored only as its hash). It may name a team to join too."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(
        max_length=10, choices=Membership.ROLE_CHOICES, default=Membership.MEMBER
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation of {self.email} to {self.organization}"

    @property
    def is_pending(self):
        from django.utils import timezone

        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

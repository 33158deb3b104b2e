"""Single sign-on (issue 21): each organisation's identity provider, its e-mail domains, the
mapping of its groups to teams and roles, and its rules for password sign-in."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0020_scim"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SingleSignOn",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "protocol",
                    models.CharField(
                        blank=True,
                        choices=[("oidc", "OpenID Connect"), ("saml", "SAML 2.0")],
                        max_length=4,
                    ),
                ),
                (
                    "groups_claim",
                    models.CharField(
                        default="groups",
                        help_text="The ID token claim (or SAML attribute) that lists the person's groups.",
                        max_length=100,
                    ),
                ),
                (
                    "default_role",
                    models.CharField(
                        choices=[("member", "Member"), ("lead", "Team lead")],
                        default="member",
                        help_text="Team role given by a group mapping that names a team but no role.",
                        max_length=10,
                    ),
                ),
                (
                    "require_sso",
                    models.BooleanField(
                        default=False,
                        help_text="Members sign in through the identity provider only; the break-glass admin may still use a password, with MFA. API tokens keep working until revoked.",
                    ),
                ),
                (
                    "require_mfa",
                    models.BooleanField(
                        default=False,
                        help_text="Password sign-in needs a second factor (an authenticator app code or a recovery code); people without one set it up at their next sign-in.",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "break_glass_user",
                    models.ForeignKey(
                        blank=True,
                        help_text="An organisation admin who may sign in with a password (and MFA) when SSO is required, e.g. while the identity provider is down.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="single_sign_on",
                        to="assessments.organization",
                    ),
                ),
                (
                    "social_app",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="single_sign_on",
                        to="socialaccount.socialapp",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("protocol__in", ["", "oidc", "saml"])),
                        name="sso_protocol_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("require_sso", False),
                            models.Q(("protocol", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="sso_required_needs_provider",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="SsoDomain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("domain", models.CharField(max_length=253, unique=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sso_domains",
                        to="assessments.organization",
                    ),
                ),
            ],
            options={
                "ordering": ["domain"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("domain", django.db.models.functions.text.Lower("domain"))
                        ),
                        name="sso_domain_lower_case",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="SsoGroupMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group", models.CharField(max_length=200)),
                (
                    "team_role",
                    models.CharField(
                        blank=True,
                        choices=[("member", "Member"), ("lead", "Team lead")],
                        max_length=10,
                    ),
                ),
                (
                    "org_role",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("coe_analyst", "CoE analyst"),
                            ("org_admin", "Organisation admin"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sso_group_mappings",
                        to="assessments.organization",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sso_group_mappings",
                        to="assessments.team",
                    ),
                ),
            ],
            options={
                "ordering": ["group", "team__name", "org_role"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("org_role", ""), ("team__isnull", False)),
                            models.Q(
                                ("org_role__in", ["coe_analyst", "org_admin"]),
                                ("team__isnull", True),
                                ("team_role", ""),
                            ),
                            _connector="OR",
                        ),
                        name="sso_mapping_one_target",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("team__isnull", False)),
                        fields=("organization", "group", "team"),
                        name="uniq_sso_mapping_team",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("team__isnull", True)),
                        fields=("organization", "group", "org_role"),
                        name="uniq_sso_mapping_org_role",
                    ),
                ],
            },
        ),
        # People an organisation's provider signs in are recorded as such (choices only: no
        # change to the table).
        migrations.AlterField(
            model_name="organizationmember",
            name="source",
            field=models.CharField(
                choices=[
                    ("invitation", "Accepted an invitation"),
                    ("operator", "Added by the site operator"),
                    ("migration", "Had a team or role when organisations got members"),
                    ("import", "Imported with the organisation"),
                    ("scim", "Provisioned by the organisation's identity provider (SCIM)"),
                    (
                        "sso",
                        "Signed in through the organisation's identity provider (single sign-on)",
                    ),
                ],
                default="operator",
                max_length=20,
            ),
        ),
    ]

"""SCIM 2.0 provisioning: per-organisation tokens, what the identity provider holds about each
person (externalId, active) and its groups (mapped to teams); people may join by SCIM."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0019_unrouted_event_identity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
                ],
                default="operator",
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="ScimGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("display_name", models.CharField(max_length=200)),
                ("external_id", models.CharField(blank=True, default="", max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_groups",
                        to="assessments.organization",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        help_text="The group's members are members of this team. Empty: the group maps to no team.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="scim_groups",
                        to="assessments.team",
                    ),
                ),
            ],
            options={
                "verbose_name": "SCIM group",
                "ordering": ["organization", "display_name"],
            },
        ),
        migrations.CreateModel(
            name="ScimGroupMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="assessments.scimgroup",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_group_memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="scimgroup",
            name="members",
            field=models.ManyToManyField(
                related_name="scim_groups",
                through="assessments.ScimGroupMember",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="ScimToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("prefix", models.CharField(max_length=8)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_tokens",
                        to="assessments.organization",
                    ),
                ),
            ],
            options={
                "verbose_name": "SCIM token",
                "ordering": ["organization", "-created_at"],
            },
        ),
        migrations.CreateModel(
            name="ScimUser",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("external_id", models.CharField(blank=True, default="", max_length=255)),
                ("active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_users",
                        to="assessments.organization",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scim_identities",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "SCIM user",
                "ordering": ["organization", "user__username"],
            },
        ),
        migrations.AddConstraint(
            model_name="scimgroupmember",
            constraint=models.UniqueConstraint(
                fields=("group", "user"), name="uniq_scim_group_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="scimgroup",
            constraint=models.UniqueConstraint(
                fields=("organization", "display_name"), name="uniq_scim_group_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="scimuser",
            constraint=models.UniqueConstraint(
                fields=("organization", "user"), name="uniq_scim_user"
            ),
        ),
        migrations.AddConstraint(
            model_name="scimuser",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("organization", "external_id"),
                name="uniq_scim_user_external_id",
            ),
        ),
    ]

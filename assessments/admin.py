from django import forms
from django.contrib import admin
from django.db.models import Q

from assessments import permissions
from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    Dimension,
    DimensionTarget,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    Incident,
    Membership,
    Organization,
    OrgRole,
    Question,
    Questionnaire,
    Response,
    Result,
    ScimGroup,
    ScimToken,
    ScimUser,
    Team,
    TeamApiToken,
    TeamGroup,
    ValueStreamMap,
)
from assessments.people.scim import groups as scim_groups
from assessments.people.scim import tokens as scim_tokens


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "low_confidence_threshold", "default_benchmark"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(TeamGroup)
class TeamGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization"]
    list_filter = ["organization"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "group"]
    list_filter = ["organization", "group"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team__organization"]
    search_fields = ["user__username", "team__name"]
    autocomplete_fields = ["user", "team"]


@admin.register(OrgRole)
class OrgRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Frozen or versioned data: change it through the services (load_questionnaire, closing an
    assessment), never by editing rows, so history cannot be rewritten by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuestionnaireOwnerFilter(admin.SimpleListFilter):
    """Owner: the library, or one of the organisations the staff user may see."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        orgs = permissions.analysable_organizations(request.user).order_by("name")
        return [("library", "Library"), *((str(o.id), o.name) for o in orgs)]

    def queryset(self, request, queryset):
        if self.value() == "library":
            return queryset.filter(organization__isnull=True)
        if self.value():
            return queryset.filter(organization_id=self.value())
        return queryset


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "title", "status", "organization", "loaded_at"]
    list_filter = [QuestionnaireOwnerFilter, "status"]
    list_select_related = ["organization"]

    def get_queryset(self, request):
        """A staff user who is not a superuser sees the library's versions and those of the
        organisations they analyse, never another organisation's."""
        rows = super().get_queryset(request)
        access = permissions.access_for(request.user)
        if access.is_superuser:
            return rows
        return rows.filter(Q(organization__isnull=True) | Q(organization_id__in=access.org_ids))


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["team", "period", "questionnaire", "status", "opened_at", "closed_at"]
    list_filter = ["status", "period", "team__organization"]
    search_fields = ["team__name"]
    readonly_fields = ["questionnaire", "questionnaire_key", "team", "period", "status"]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "respondent", "status", "submitted_at"]
    list_filter = ["status"]


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ["team", "period", "questionnaire", "overall_score", "respondents"]
    list_filter = ["questionnaire_key", "period"]


@admin.register(ValueStreamMap)
class ValueStreamMapAdmin(ReadOnlyAdmin):
    list_display = ["team", "kind", "version", "created_at", "created_by"]
    list_filter = ["kind", "team__organization"]


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ["name", "key", "questionnaire", "weight", "lineage"]
    list_filter = ["questionnaire"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["key", "questionnaire", "dimension", "weight", "lineage"]
    list_filter = ["questionnaire"]
    search_fields = ["key", "text"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    """Individual answers: read-only, and only for superusers (the admin site)."""

    list_display = ["response", "question", "level", "updated_at"]
    list_select_related = ["response__respondent", "response__assessment__team", "question"]


@admin.register(DimensionTarget)
class DimensionTargetAdmin(admin.ModelAdmin):
    list_display = ["assessment", "dimension", "level"]


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "team", "environment", "finished_at", "succeeded"]
    list_filter = ["environment", "succeeded", "team__organization"]
    search_fields = ["external_id", "service"]
    date_hierarchy = "finished_at"


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["external_id", "team", "started_at", "resolved_at", "deployment_external_id"]
    list_filter = ["team__organization"]
    search_fields = ["external_id"]


@admin.register(DoraEntry)
class DoraEntryAdmin(admin.ModelAdmin):
    list_display = ["team", "period", "deployment_frequency", "lead_time", "entered_by"]
    list_filter = ["period"]


@admin.register(DoraSurveyAnswer)
class DoraSurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = ["response", "deployment_frequency", "lead_time", "time_to_restore"]


@admin.register(DoraSnapshot)
class DoraSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["team", "period", "source", "benchmark", "overall_tier", "computed_at"]
    list_filter = ["source", "period", "benchmark"]


@admin.register(TeamApiToken)
class TeamApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the team's tokens page or with `manage.py issue_team_token` (the
    key is shown once); here they can be inspected and revoked."""

    list_display = [
        "name", "team", "prefix", "scope", "created_at", "expires_at", "last_used_at",
        "revoked_at",
    ]  # fmt: skip
    list_filter = ["scope"]
    readonly_fields = [
        "key_hash", "prefix", "scope", "created_by", "created_at", "last_used_at",
    ]  # fmt: skip

    def has_add_permission(self, request, obj=None):
        return False


# --- SCIM provisioning (assessments/people/scim/, docs/scim.md) ----------------------------


@admin.register(ScimToken)
class ScimTokenAdmin(admin.ModelAdmin):
    """Tokens are issued on the organisation's provisioning page or with `manage.py scim_token
    ORG_SLUG` (the key is shown once); here they can be inspected and revoked."""

    list_display = ["prefix", "organization", "created_by", "created_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["organization"]
    readonly_fields = ["organization", "key_hash", "prefix", "created_by", "created_at",
                       "last_used_at"]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected SCIM tokens")
    def revoke(self, request, queryset):
        revoked = sum(
            scim_tokens.revoke_token(token.organization, token_id=token.pk, actor=request.user)
            for token in queryset.select_related("organization")
        )
        self.message_user(request, f"Revoked {revoked} SCIM token(s).")


class ScimGroupForm(forms.ModelForm):
    class Meta:
        model = ScimGroup
        fields = ["team"]

    def clean_team(self):
        team = self.cleaned_data["team"]
        if team is not None and team.organization_id != self.instance.organization_id:
            raise forms.ValidationError("Pick a team of the group's organisation.")
        return team


@admin.register(ScimGroup)
class ScimGroupAdmin(admin.ModelAdmin):
    """Groups are created by the identity provider; an organisation admin maps one to a team
    on the provisioning page, the site operator here, and its members join that team (and
    leave the one it mapped to before)."""

    form = ScimGroupForm
    list_display = ["display_name", "organization", "external_id", "team"]
    list_filter = ["organization"]
    search_fields = ["display_name", "external_id"]
    readonly_fields = ["organization", "display_name", "external_id"]
    fields = ["organization", "display_name", "external_id", "team"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:  # only the teams of the group's organisation are offered
            form.base_fields["team"].queryset = Team.objects.filter(
                organization_id=obj.organization_id
            )
        return form

    def save_model(self, request, obj, form, change):
        new_team = form.cleaned_data["team"]
        scim_groups.map_to_team(ScimGroup.objects.get(pk=obj.pk), new_team, actor=request.user)


@admin.register(ScimUser)
class ScimUserAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "external_id", "active", "updated_at"]
    list_filter = ["organization", "active"]
    search_fields = ["user__username", "external_id"]

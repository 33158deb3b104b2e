from django.contrib import admin

from .models import (
    Assessment,
    Membership,
    Organization,
    OrgRole,
    Questionnaire,
    Response,
    Result,
    Team,
    TeamGroup,
    ValueStreamMap,
)


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


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "title", "status", "loaded_at"]
    list_filter = ["key", "status"]


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

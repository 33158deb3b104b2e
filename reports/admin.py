from django.contrib import admin

from reports.models import Campaign, CampaignTeam, ReminderLog, Roadmap, RoadmapItem, RoadmapReport


class RoadmapItemInline(admin.TabularInline):
    model = RoadmapItem
    extra = 0
    fields = ["position", "key", "title", "phase", "owner", "due_date", "done"]
    readonly_fields = ["key", "title"]


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["team", "result", "next_assessment", "created_at"]
    list_filter = ["team__organization"]
    inlines = [RoadmapItemInline]


@admin.register(RoadmapReport)
class RoadmapReportAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "team", "period", "status", "attempts", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["file", "checksum", "size_bytes", "duration_seconds", "error"]


class CampaignTeamInline(admin.TabularInline):
    model = CampaignTeam
    extra = 0
    raw_id_fields = ["assessment"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "period", "due_date", "status"]
    list_filter = ["status", "organization"]
    inlines = [CampaignTeamInline]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "sent_on", "sent_at"]
    date_hierarchy = "sent_on"

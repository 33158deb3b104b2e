"""The reports app's models, one module per subdomain: roadmaps and their PDF reports,
campaigns (assessment rounds), notifications. Import them from here."""

from reports.models.campaigns import Campaign, CampaignTeam, ReminderLog
from reports.models.notifications import Notice, NotificationOptOut
from reports.models.roadmaps import Roadmap, RoadmapItem, RoadmapReport

__all__ = [
    "Campaign",
    "CampaignTeam",
    "Notice",
    "NotificationOptOut",
    "ReminderLog",
    "Roadmap",
    "RoadmapItem",
    "RoadmapReport",
]

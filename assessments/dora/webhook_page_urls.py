"""Pages through which leads and organisation admins manage webhooks (create, list, rotate,
revoke, last deliveries)."""

from django.urls import path

from assessments.dora import webhook_pages as pages

TEAM = "teams/<int:team_id>/dora/webhooks/"
ORGANIZATION = "organizations/<slug:slug>/webhooks/"

urlpatterns = [
    path(TEAM, pages.team_webhooks, name="team_webhooks"),
    path(f"{TEAM}<int:hook_id>/rotate/", pages.team_webhook_rotate, name="team_webhook_rotate"),
    path(f"{TEAM}<int:hook_id>/revoke/", pages.team_webhook_revoke, name="team_webhook_revoke"),
    path(f"{TEAM}<int:hook_id>/secret/", pages.team_webhook_secret, name="team_webhook_secret"),
    path(
        f"{TEAM}<int:hook_id>/deliveries/",
        pages.team_webhook_deliveries,
        name="team_webhook_deliveries",
    ),
    path(ORGANIZATION, pages.organization_webhooks, name="organization_webhooks"),
    path(
        f"{ORGANIZATION}<int:hook_id>/rotate/",
        pages.organization_webhook_rotate,
        name="organization_webhook_rotate",
    ),
    path(
        f"{ORGANIZATION}<int:hook_id>/revoke/",
        pages.organization_webhook_revoke,
        name="organization_webhook_revoke",
    ),
    path(
        f"{ORGANIZATION}<int:hook_id>/secret/",
        pages.organization_webhook_secret,
        name="organization_webhook_secret",
    ),
    path(
        f"{ORGANIZATION}<int:hook_id>/deliveries/",
        pages.organization_webhook_deliveries,
        name="organization_webhook_deliveries",
    ),
]

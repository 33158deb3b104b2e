"""Every page URL of the reports app, by subdomain; the views live in the subdomain packages
(roadmap, pdf, coe, campaigns, notifications, results)."""

from django.urls import path

from reports.campaigns import views as campaign_views
from reports.coe import views as coe_views
from reports.notifications import views as notification_views
from reports.pdf import views as pdf_views
from reports.results import views as result_views
from reports.roadmap import views as roadmap_views

urlpatterns = [
    path(
        "assessments/<int:assessment_id>/result/",
        result_views.result_page,
        name="result_page",
    ),
    path("teams/<int:team_id>/roadmap/", roadmap_views.team_roadmap, name="team_roadmap"),
    path(
        "teams/<int:team_id>/roadmap/pdf/",
        pdf_views.roadmap_report_request,
        name="roadmap_report_request",
    ),
    path(
        "roadmap-items/<int:item_id>/",
        roadmap_views.roadmap_item_update,
        name="roadmap_item_update",
    ),
    path(
        "roadmaps/<int:roadmap_id>/items/", roadmap_views.roadmap_item_add, name="roadmap_item_add"
    ),
    path("portfolio/", pdf_views.portfolio, name="portfolio"),
    path("coe/", coe_views.dashboard, name="coe_dashboard"),
    path("coe/export/<str:what>.<str:fmt>", coe_views.export, name="coe_export"),
    path("results/<int:result_id>/review/", coe_views.review_result, name="review_result"),
    path("teams/<int:team_id>/history/", coe_views.team_history, name="team_history"),
    path("reports/<int:report_id>/status/", pdf_views.report_status, name="report_status"),
    path("reports/<int:report_id>/download/", pdf_views.report_download, name="report_download"),
    path("notices/", notification_views.notice_list, name="notice_list"),
    path("notices/read/", notification_views.notices_mark_read, name="notices_mark_read"),
    path(
        "notices/settings/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "assessments/<int:assessment_id>/invite/",
        notification_views.assessment_invite,
        name="assessment_invite",
    ),
    path("campaigns/", campaign_views.campaign_list, name="campaign_list"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/remind/",
        campaign_views.campaign_remind,
        name="campaign_remind",
    ),
    path(
        "campaigns/<int:campaign_id>/close/", campaign_views.campaign_close, name="campaign_close"
    ),
]

from django.urls import path

from . import views, views_coe, views_notifications

urlpatterns = [
    path("teams/<int:team_id>/roadmap/", views.team_roadmap, name="team_roadmap"),
    path(
        "teams/<int:team_id>/roadmap/pdf/",
        views.roadmap_report_request,
        name="roadmap_report_request",
    ),
    path("roadmap-items/<int:item_id>/", views.roadmap_item_update, name="roadmap_item_update"),
    path("roadmaps/<int:roadmap_id>/items/", views.roadmap_item_add, name="roadmap_item_add"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("coe/", views_coe.dashboard, name="coe_dashboard"),
    path("coe/export/<str:what>.<str:fmt>", views_coe.export, name="coe_export"),
    path("results/<int:result_id>/review/", views_coe.review_result, name="review_result"),
    path("teams/<int:team_id>/history/", views_coe.team_history, name="team_history"),
    path("reports/<int:report_id>/status/", views.report_status, name="report_status"),
    path("reports/<int:report_id>/download/", views.report_download, name="report_download"),
    path("notices/", views_notifications.notice_list, name="notice_list"),
    path("notices/read/", views_notifications.notices_mark_read, name="notices_mark_read"),
    path(
        "notices/settings/",
        views_notifications.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "assessments/<int:assessment_id>/invite/",
        views_notifications.assessment_invite,
        name="assessment_invite",
    ),
]

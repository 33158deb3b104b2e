from django.urls import path

from . import views_campaigns

urlpatterns = [
    path("campaigns/", views_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/<int:campaign_id>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/remind/",
        views_campaigns.campaign_remind,
        name="campaign_remind",
    ),
    path(
        "campaigns/<int:campaign_id>/close/", views_campaigns.campaign_close, name="campaign_close"
    ),
]

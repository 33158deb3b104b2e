from django.urls import path

from . import api

urlpatterns = [
    path("teams/", api.TeamListView.as_view(), name="api_teams"),
    path("teams/<int:team_id>/members/", api.TeamMembersView.as_view(), name="api_team_members"),
    path(
        "teams/<int:team_id>/members/<str:username>/",
        api.TeamMemberDetailView.as_view(),
        name="api_team_member",
    ),
]

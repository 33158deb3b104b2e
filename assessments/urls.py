from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/members/add/", views.team_member_add, name="team_member_add"),
    path(
        "teams/<int:team_id>/members/<str:username>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
]

from django.urls import path

from . import api

urlpatterns = [
    path("organizations/<slug:slug>/people/", api.PeopleView.as_view(), name="api_org_people"),
    path(
        "organizations/<slug:slug>/invitations/",
        api.InvitationsView.as_view(),
        name="api_org_invitations",
    ),
]

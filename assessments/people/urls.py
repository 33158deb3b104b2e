from django.urls import path

from . import views

urlpatterns = [
    path(
        "organizations/<int:org_id>/people/",
        views.organization_people,
        name="organization_people",
    ),
    path(
        "organizations/<int:org_id>/people/<str:username>/remove/",
        views.organization_person_remove,
        name="organization_person_remove",
    ),
    path(
        "organizations/<int:org_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

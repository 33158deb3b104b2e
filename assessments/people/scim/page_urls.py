"""The organisation admin's provisioning page (scim.pages); /scim/v2/ itself is in urls."""

from django.urls import path

from assessments.people.scim import pages

ORG = "organizations/<int:org_id>/provisioning/"

urlpatterns = [
    path(ORG, pages.organization_provisioning, name="organization_provisioning"),
    path(ORG + "tokens/", pages.organization_scim_token_create,
         name="organization_scim_token_create"),
    path(ORG + "tokens/<int:token_id>/revoke/", pages.organization_scim_token_revoke,
         name="organization_scim_token_revoke"),
    path(ORG + "groups/<int:group_id>/team/", pages.organization_scim_group_map,
         name="organization_scim_group_map"),
]  # fmt: skip

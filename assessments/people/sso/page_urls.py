"""The organisation admin's sign-in settings pages (sso.pages)."""

from django.urls import path

from assessments.people.sso import pages

ORG = "organizations/<int:org_id>/sign-in/"

urlpatterns = [
    path(ORG, pages.organization_sign_in, name="organization_sign_in"),
    path(ORG + "rules/", pages.organization_sign_in_policy, name="organization_sign_in_policy"),
    path(
        ORG + "mappings/", pages.organization_sso_mapping_add, name="organization_sso_mapping_add"
    ),
    path(
        ORG + "mappings/<int:mapping_id>/remove/",
        pages.organization_sso_mapping_remove,
        name="organization_sso_mapping_remove",
    ),
]

"""/scim/v2/ (included from vsm_site/urls.py). Resource names are SCIM's, capitalised."""

from django.urls import path

from assessments.people.scim import views

urlpatterns = [
    path("ServiceProviderConfig", views.ServiceProviderConfigView.as_view(),
         name="scim_service_provider_config"),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="scim_resource_types"),
    path("ResourceTypes/<str:name>", views.ResourceTypeView.as_view(), name="scim_resource_type"),
    path("Schemas", views.SchemasView.as_view(), name="scim_schemas"),
    path("Schemas/<str:urn>", views.SchemaView.as_view(), name="scim_schema"),
    path("Users", views.UsersView.as_view(), name="scim_users"),
    path("Users/<str:user_id>", views.UserView.as_view(), name="scim_user"),
    path("Groups", views.GroupsView.as_view(), name="scim_groups"),
    path("Groups/<str:group_id>", views.GroupView.as_view(), name="scim_group"),
]  # fmt: skip

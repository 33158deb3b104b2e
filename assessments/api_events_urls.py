"""Event endpoints, included under api/v1/."""

from django.urls import path

from . import api_events

urlpatterns = [
    path(
        "teams/<int:team_id>/deployments/",
        api_events.DeploymentEventsView.as_view(),
        name="api_team_deployments",
    ),
    path(
        "teams/<int:team_id>/incidents/",
        api_events.IncidentEventsView.as_view(),
        name="api_team_incidents",
    ),
]

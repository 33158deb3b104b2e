"""Pages through which leads manage their team's API tokens (scope, expiry, last use)."""

from django.urls import path

from assessments.dora import token_pages

urlpatterns = [
    path("teams/<int:team_id>/dora/tokens/", token_pages.team_tokens, name="team_tokens"),
    path(
        "teams/<int:team_id>/dora/tokens/<int:token_id>/revoke/",
        token_pages.team_token_revoke,
        name="team_token_revoke",
    ),
]

"""Every REST API URL of the assessments app (under api/v1/), by subdomain; the views live in
the subdomain packages."""

from django.urls import path

from assessments.dora import api as dora_api
from assessments.dora import events_api, ownership_api, webhooks_api
from assessments.maturity import api as maturity_api
from assessments.people import api as people_api
from assessments.people import team_api
from assessments.questionnaires import api as questionnaire_api
from assessments.valuestream import api as valuestream_api

ORG_QUESTIONNAIRES = "organizations/<slug:slug>/questionnaires/"
TEAM_WEBHOOKS = "teams/<int:team_id>/webhooks/"
ORG_WEBHOOKS = "organizations/<slug:slug>/webhooks/"

urlpatterns = [
    path(TEAM_WEBHOOKS, webhooks_api.TeamWebhooksView.as_view(), name="api_team_webhooks"),
    path(
        TEAM_WEBHOOKS + "<int:hook_id>/",
        webhooks_api.TeamWebhookView.as_view(),
        name="api_team_webhook",
    ),
    path(
        TEAM_WEBHOOKS + "<int:hook_id>/rotate/",
        webhooks_api.TeamWebhookRotateView.as_view(),
        name="api_team_webhook_rotate",
    ),
    path(ORG_WEBHOOKS, webhooks_api.OrganizationWebhooksView.as_view(), name="api_org_webhooks"),
    path(
        ORG_WEBHOOKS + "<int:hook_id>/",
        webhooks_api.OrganizationWebhookView.as_view(),
        name="api_org_webhook",
    ),
    path(
        ORG_WEBHOOKS + "<int:hook_id>/rotate/",
        webhooks_api.OrganizationWebhookRotateView.as_view(),
        name="api_org_webhook_rotate",
    ),
    path(
        TEAM_WEBHOOKS + "<int:hook_id>/secret/",
        webhooks_api.TeamWebhookSecretView.as_view(),
        name="api_team_webhook_secret",
    ),
    path(
        ORG_WEBHOOKS + "<int:hook_id>/secret/",
        webhooks_api.OrganizationWebhookSecretView.as_view(),
        name="api_org_webhook_secret",
    ),
    path(
        "teams/<int:team_id>/ownership/",
        ownership_api.TeamOwnershipView.as_view(),
        name="api_team_ownership",
    ),
    path(
        "teams/<int:team_id>/ownership/<int:ownership_id>/",
        ownership_api.TeamOwnershipDetailView.as_view(),
        name="api_team_ownership_item",
    ),
    path("teams/", team_api.TeamListView.as_view(), name="api_teams"),
    path(
        "teams/<int:team_id>/members/", team_api.TeamMembersView.as_view(), name="api_team_members"
    ),
    path(
        "teams/<int:team_id>/members/<str:username>/",
        team_api.TeamMemberDetailView.as_view(),
        name="api_team_member",
    ),
    path("assessments/", maturity_api.AssessmentListView.as_view(), name="api_assessments"),
    path(
        "assessments/<int:assessment_id>/",
        maturity_api.AssessmentDetailView.as_view(),
        name="api_assessment",
    ),
    path(
        "assessments/<int:assessment_id>/responses/me/",
        maturity_api.MyResponseView.as_view(),
        name="api_my_response",
    ),
    path(
        "assessments/<int:assessment_id>/responses/me/submit/",
        maturity_api.MyResponseSubmitView.as_view(),
        name="api_my_response_submit",
    ),
    path(
        "assessments/<int:assessment_id>/close/",
        maturity_api.AssessmentCloseView.as_view(),
        name="api_assessment_close",
    ),
    path(
        "assessments/<int:assessment_id>/targets/",
        maturity_api.AssessmentTargetsView.as_view(),
        name="api_assessment_targets",
    ),
    path("dora/benchmarks/", dora_api.BenchmarkListView.as_view(), name="api_dora_benchmarks"),
    path("dora/classify/", dora_api.ClassifyView.as_view(), name="api_dora_classify"),
    path("dora/quick-check/", dora_api.QuickCheckView.as_view(), name="api_dora_quick_check"),
    path("teams/<int:team_id>/dora/", dora_api.TeamDoraView.as_view(), name="api_team_dora"),
    path(
        "teams/<int:team_id>/dora/entries/<str:period>/",
        dora_api.TeamDoraEntryView.as_view(),
        name="api_team_dora_entry",
    ),
    path(
        "assessments/<int:assessment_id>/result/",
        maturity_api.AssessmentResultView.as_view(),
        name="api_assessment_result",
    ),
    path(
        "teams/<int:team_id>/deployments/",
        events_api.DeploymentEventsView.as_view(),
        name="api_team_deployments",
    ),
    path(
        "teams/<int:team_id>/incidents/",
        events_api.IncidentEventsView.as_view(),
        name="api_team_incidents",
    ),
    path(
        "questionnaires/",
        questionnaire_api.QuestionnaireListView.as_view(),
        name="api_questionnaires",
    ),
    path(
        "questionnaires/<slug:key>/<int:version>/",
        questionnaire_api.QuestionnaireDetailView.as_view(),
        name="api_questionnaire",
    ),
    path(
        ORG_QUESTIONNAIRES,
        questionnaire_api.OrganizationQuestionnairesView.as_view(),
        name="api_org_questionnaires",
    ),
    path(
        ORG_QUESTIONNAIRES + "<slug:key>/diff/",
        questionnaire_api.OrganizationQuestionnaireDiffView.as_view(),
        name="api_org_questionnaire_diff",
    ),
    path(
        ORG_QUESTIONNAIRES + "<slug:key>/<int:version>/",
        questionnaire_api.OrganizationQuestionnaireView.as_view(),
        name="api_org_questionnaire",
    ),
    path(
        ORG_QUESTIONNAIRES + "<slug:key>/<int:version>/publish/",
        questionnaire_api.OrganizationQuestionnairePublishView.as_view(),
        name="api_org_questionnaire_publish",
    ),
    path(
        "organizations/<slug:slug>/people/", people_api.PeopleView.as_view(), name="api_org_people"
    ),
    path(
        "organizations/<slug:slug>/invitations/",
        people_api.InvitationsView.as_view(),
        name="api_org_invitations",
    ),
    path(
        "teams/<int:team_id>/value-stream-maps/current/",
        valuestream_api.CurrentMapView.as_view(),
        name="api_value_stream_current",
    ),
    path(
        "teams/<int:team_id>/value-stream-maps/future/",
        valuestream_api.FutureMapView.as_view(),
        name="api_value_stream_future",
    ),
    path(
        "teams/<int:team_id>/value-stream-maps/history/",
        valuestream_api.MapHistoryView.as_view(),
        name="api_value_stream_history",
    ),
]

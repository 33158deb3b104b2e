from django.urls import path

from . import api

ORG = "organizations/<slug:slug>/questionnaires/"

urlpatterns = [
    path("questionnaires/", api.QuestionnaireListView.as_view(), name="api_questionnaires"),
    path(
        "questionnaires/<slug:key>/<int:version>/",
        api.QuestionnaireDetailView.as_view(),
        name="api_questionnaire",
    ),
    path(ORG, api.OrganizationQuestionnairesView.as_view(), name="api_org_questionnaires"),
    path(
        ORG + "<slug:key>/diff/",
        api.OrganizationQuestionnaireDiffView.as_view(),
        name="api_org_questionnaire_diff",
    ),
    path(
        ORG + "<slug:key>/<int:version>/",
        api.OrganizationQuestionnaireView.as_view(),
        name="api_org_questionnaire",
    ),
    path(
        ORG + "<slug:key>/<int:version>/publish/",
        api.OrganizationQuestionnairePublishView.as_view(),
        name="api_org_questionnaire_publish",
    ),
]

from django.urls import include, path

from . import api, api_answering, api_dora

urlpatterns = [
    path("teams/", api.TeamListView.as_view(), name="api_teams"),
    path("teams/<int:team_id>/members/", api.TeamMembersView.as_view(), name="api_team_members"),
    path(
        "teams/<int:team_id>/members/<str:username>/",
        api.TeamMemberDetailView.as_view(),
        name="api_team_member",
    ),
    path("assessments/", api_answering.AssessmentListView.as_view(), name="api_assessments"),
    path(
        "assessments/<int:assessment_id>/",
        api_answering.AssessmentDetailView.as_view(),
        name="api_assessment",
    ),
    path(
        "assessments/<int:assessment_id>/responses/me/",
        api_answering.MyResponseView.as_view(),
        name="api_my_response",
    ),
    path(
        "assessments/<int:assessment_id>/responses/me/submit/",
        api_answering.MyResponseSubmitView.as_view(),
        name="api_my_response_submit",
    ),
    path(
        "assessments/<int:assessment_id>/close/",
        api_answering.AssessmentCloseView.as_view(),
        name="api_assessment_close",
    ),
    path(
        "assessments/<int:assessment_id>/targets/",
        api_answering.AssessmentTargetsView.as_view(),
        name="api_assessment_targets",
    ),
    path("dora/benchmarks/", api_dora.BenchmarkListView.as_view(), name="api_dora_benchmarks"),
    path("dora/classify/", api_dora.ClassifyView.as_view(), name="api_dora_classify"),
    path("teams/<int:team_id>/dora/", api_dora.TeamDoraView.as_view(), name="api_team_dora"),
    path(
        "teams/<int:team_id>/dora/entries/<str:period>/",
        api_dora.TeamDoraEntryView.as_view(),
        name="api_team_dora_entry",
    ),
    path(
        "assessments/<int:assessment_id>/result/",
        api_answering.AssessmentResultView.as_view(),
        name="api_assessment_result",
    ),
]
urlpatterns += [path("", include("assessments.api_events_urls"))]
urlpatterns += [path("", include("assessments.questionnaires.api_urls"))]
urlpatterns += [path("", include("assessments.people.api_urls"))]
urlpatterns += [path("", include("assessments.api_valuestream_urls"))]

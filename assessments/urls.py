from django.urls import include, path

from . import views, views_answering, views_dora

urlpatterns = [
    path("", views.home, name="home"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path(
        "organizations/<int:org_id>/settings/",
        views.organization_settings,
        name="organization_settings",
    ),
    path("teams/<int:team_id>/members/add/", views.team_member_add, name="team_member_add"),
    path(
        "teams/<int:team_id>/members/<str:username>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
    path(
        "teams/<int:team_id>/members/undo-remove/",
        views.team_member_undo_remove,
        name="team_member_undo_remove",
    ),
]

urlpatterns += [
    path(
        "teams/<int:team_id>/assessments/open/",
        views_answering.assessment_open,
        name="assessment_open",
    ),
    path(
        "assessments/<int:assessment_id>/",
        views_answering.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "assessments/<int:assessment_id>/answer/",
        views_answering.answer_page,
        name="answer_page",
    ),
    path(
        "assessments/<int:assessment_id>/answer/copy-previous/",
        views_answering.answer_copy_previous,
        name="answer_copy_previous",
    ),
    path(
        "assessments/<int:assessment_id>/answer/submit/",
        views_answering.answer_submit,
        name="answer_submit",
    ),
    path(
        "assessments/<int:assessment_id>/answer/unsubmit/",
        views_answering.answer_unsubmit,
        name="answer_unsubmit",
    ),
    path(
        "assessments/<int:assessment_id>/answer/dora/",
        views_dora.survey_dora_save,
        name="survey_dora_save",
    ),
    path(
        "assessments/<int:assessment_id>/answer/<slug:question_key>/",
        views_answering.answer_save,
        name="answer_save",
    ),
    path(
        "assessments/<int:assessment_id>/close/",
        views_answering.assessment_close,
        name="assessment_close",
    ),
    path(
        "assessments/<int:assessment_id>/targets/",
        views_answering.assessment_targets,
        name="assessment_targets",
    ),
    path(
        "assessments/<int:assessment_id>/result/",
        views_answering.result_page,
        name="result_page",
    ),
    path("teams/<int:team_id>/dora/", views_dora.team_dora, name="team_dora"),
    path("teams/<int:team_id>/dora/entry/", views_dora.team_dora_entry, name="team_dora_entry"),
    path("teams/<int:team_id>/dora/upload/", views_dora.team_dora_upload, name="team_dora_upload"),
    path(
        "teams/<int:team_id>/dora/entry/delete/",
        views_dora.team_dora_entry_delete,
        name="team_dora_entry_delete",
    ),
    path(
        "teams/<int:team_id>/dora/batches/<int:batch_id>/delete/",
        views_dora.team_dora_batch_delete,
        name="team_dora_batch_delete",
    ),
]
urlpatterns += [path("", include("assessments.urls_valuestream"))]
urlpatterns += [path("", include("assessments.questionnaires.urls"))]
urlpatterns += [path("", include("assessments.people.urls"))]

from django.urls import path

from . import views

ORG = "organizations/<slug:slug>/questionnaires/<slug:key>/"
VERSION = ORG + "<int:version>/"

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path(
        "questionnaires/library/<slug:key>/<int:version>/",
        views.library_questionnaire_detail,
        name="library_questionnaire_detail",
    ),
    path(
        "questionnaires/<slug:key>/<int:version>/",
        views.questionnaire_detail,
        name="questionnaire_detail",
    ),
    path(ORG + "adopt/", views.questionnaire_adopt, name="questionnaire_adopt"),
    path(ORG + "draft/", views.questionnaire_start_draft, name="questionnaire_start_draft"),
    path(VERSION, views.org_questionnaire_detail, name="org_questionnaire_detail"),
    path(VERSION + "edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path(VERSION + "review/", views.questionnaire_review, name="questionnaire_review"),
    path(VERSION + "publish/", views.questionnaire_publish, name="questionnaire_publish"),
    path(VERSION + "discard/", views.questionnaire_discard, name="questionnaire_discard"),
]

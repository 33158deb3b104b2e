"""Every page URL of the assessments app, by subdomain; the views live in the subdomain
packages (people, maturity, dora, valuestream, questionnaires, audit)."""

from django.urls import path

from assessments.audit import views as audit_views
from assessments.dora import token_urls, webhook_page_urls, webhook_views
from assessments.dora import views as dora_views
from assessments.maturity import views as maturity_views
from assessments.people import team_views
from assessments.people import views as people_views
from assessments.people.scim import page_urls as scim_page_urls
from assessments.people.sso import page_urls as sso_page_urls
from assessments.questionnaires import views as questionnaire_views
from assessments.valuestream import views as valuestream_views

QUESTIONNAIRE = "organizations/<slug:slug>/questionnaires/<slug:key>/"
QUESTIONNAIRE_VERSION = QUESTIONNAIRE + "<int:version>/"

people = [
    path("", team_views.home, name="home"),
    path("teams/<int:team_id>/", team_views.team_detail, name="team_detail"),
    path(
        "organizations/<int:org_id>/settings/",
        team_views.organization_settings,
        name="organization_settings",
    ),
    path("teams/<int:team_id>/members/add/", team_views.team_member_add, name="team_member_add"),
    path(
        "teams/<int:team_id>/members/<str:username>/remove/",
        team_views.team_member_remove,
        name="team_member_remove",
    ),
    path(
        "teams/<int:team_id>/members/undo-remove/",
        team_views.team_member_undo_remove,
        name="team_member_undo_remove",
    ),
    path(
        "organizations/<int:org_id>/people/",
        people_views.organization_people,
        name="organization_people",
    ),
    path(
        "organizations/<int:org_id>/people/<str:username>/remove/",
        people_views.organization_person_remove,
        name="organization_person_remove",
    ),
    path(
        "organizations/<int:org_id>/invitations/<int:invitation_id>/revoke/",
        people_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", people_views.invitation_accept, name="invitation_accept"),
]

maturity = [
    path(
        "teams/<int:team_id>/assessments/open/",
        maturity_views.assessment_open,
        name="assessment_open",
    ),
    path(
        "assessments/<int:assessment_id>/",
        maturity_views.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "assessments/<int:assessment_id>/answer/",
        maturity_views.answer_page,
        name="answer_page",
    ),
    path(
        "assessments/<int:assessment_id>/answer/copy-previous/",
        maturity_views.answer_copy_previous,
        name="answer_copy_previous",
    ),
    path(
        "assessments/<int:assessment_id>/answer/submit/",
        maturity_views.answer_submit,
        name="answer_submit",
    ),
    path(
        "assessments/<int:assessment_id>/answer/unsubmit/",
        maturity_views.answer_unsubmit,
        name="answer_unsubmit",
    ),
    path(
        "assessments/<int:assessment_id>/answer/dora/",
        maturity_views.survey_dora_save,
        name="survey_dora_save",
    ),
    path(
        "assessments/<int:assessment_id>/answer/<slug:question_key>/",
        maturity_views.answer_save,
        name="answer_save",
    ),
    path(
        "assessments/<int:assessment_id>/close/",
        maturity_views.assessment_close,
        name="assessment_close",
    ),
    path(
        "assessments/<int:assessment_id>/targets/",
        maturity_views.assessment_targets,
        name="assessment_targets",
    ),
    path("teams/<int:team_id>/dora/", dora_views.team_dora, name="team_dora"),
    path("teams/<int:team_id>/dora/entry/", dora_views.team_dora_entry, name="team_dora_entry"),
    path("teams/<int:team_id>/dora/upload/", dora_views.team_dora_upload, name="team_dora_upload"),
    path(
        "teams/<int:team_id>/dora/ownership/",
        dora_views.team_dora_ownership,
        name="team_dora_ownership",
    ),
    path(
        "teams/<int:team_id>/dora/ownership/<int:ownership_id>/delete/",
        dora_views.team_dora_ownership_delete,
        name="team_dora_ownership_delete",
    ),
    path(
        "teams/<int:team_id>/dora/entry/delete/",
        dora_views.team_dora_entry_delete,
        name="team_dora_entry_delete",
    ),
    path(
        "teams/<int:team_id>/dora/batches/<int:batch_id>/delete/",
        dora_views.team_dora_batch_delete,
        name="team_dora_batch_delete",
    ),
]

valuestream = [
    path(
        "teams/<int:team_id>/value-stream/",
        valuestream_views.team_value_stream,
        name="team_value_stream",
    ),
    path(
        "teams/<int:team_id>/value-stream/edit/<str:kind>/",
        valuestream_views.value_stream_edit,
        name="value_stream_edit",
    ),
]

questionnaires = [
    path("questionnaires/", questionnaire_views.questionnaire_list, name="questionnaire_list"),
    path(
        "questionnaires/library/<slug:key>/<int:version>/",
        questionnaire_views.library_questionnaire_detail,
        name="library_questionnaire_detail",
    ),
    path(
        "questionnaires/<slug:key>/<int:version>/",
        questionnaire_views.questionnaire_detail,
        name="questionnaire_detail",
    ),
    path(
        QUESTIONNAIRE + "adopt/",
        questionnaire_views.questionnaire_adopt,
        name="questionnaire_adopt",
    ),
    path(
        QUESTIONNAIRE + "draft/",
        questionnaire_views.questionnaire_start_draft,
        name="questionnaire_start_draft",
    ),
    path(
        QUESTIONNAIRE_VERSION,
        questionnaire_views.org_questionnaire_detail,
        name="org_questionnaire_detail",
    ),
    path(
        QUESTIONNAIRE_VERSION + "edit/",
        questionnaire_views.questionnaire_edit,
        name="questionnaire_edit",
    ),
    path(
        QUESTIONNAIRE_VERSION + "review/",
        questionnaire_views.questionnaire_review,
        name="questionnaire_review",
    ),
    path(
        QUESTIONNAIRE_VERSION + "publish/",
        questionnaire_views.questionnaire_publish,
        name="questionnaire_publish",
    ),
    path(
        QUESTIONNAIRE_VERSION + "discard/",
        questionnaire_views.questionnaire_discard,
        name="questionnaire_discard",
    ),
    path(
        "practices/",
        questionnaire_views.organization_practices_home,
        name="organization_practices_home",
    ),
    path(
        "organizations/<slug:slug>/practices/",
        questionnaire_views.organization_practices,
        name="organization_practices",
    ),
]

audit = [
    path("audit/", audit_views.audit_log, name="audit_log"),
]

webhooks = [
    path("hooks/<str:public_id>/", webhook_views.receive, name="webhook_receive"),
    path(
        "organizations/<slug:slug>/dora/unrouted/",
        dora_views.organization_unrouted_events,
        name="organization_unrouted_events",
    ),
]

urlpatterns = (
    people
    + maturity
    + valuestream
    + questionnaires
    + audit
    + webhooks
    + webhook_page_urls.urlpatterns
    + token_urls.urlpatterns
    + sso_page_urls.urlpatterns
    + scim_page_urls.urlpatterns
)

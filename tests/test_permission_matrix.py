"""The permission matrix (issue "Trust"): every URL pattern and every API operation, for every
role, on team A's (Acme's) objects and on Other Corp's.

The rules are ``assessments/permissions.py``'s: members see their team; leads lead it; CoE
analysts see and compare every team of their organisation; organisation admins also manage
memberships and read individual answers. An object the caller may not see is a 404 that cannot
be told from a missing one; a visible object the role may not change is a 403; an anonymous
visitor is sent to the login page (pages) or gets a 401 (API).

``EXPECTED`` holds, per route and method, the status each role gets when the objects in the
URL are team A's / Acme's. ``test_every_route_is_in_the_matrix`` fails when the URL resolver or
the OpenAPI schema has a route the table does not, so a new route cannot be forgotten. The same
requests made with Other Corp's objects (IDOR) must be 404 for every Acme role, except the
CoE-only pages, which refuse a member before looking at the organisation (403).

Speed: one data set (tests/matrix_data.py) is built once for the module inside a transaction
that is rolled back at the end; each test runs in a savepoint of it (pytest-django's ``db``),
so a write one test makes is gone for the next.
"""

import csv
import inspect
import io
import json
import re
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import Model
from django.test.utils import override_settings
from django.urls import URLResolver, get_resolver, reverse

from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    DimensionTarget,
    DoraEntry,
    DoraSnapshot,
    DoraSurveyAnswer,
    Incident,
    Membership,
    Organization,
    OrganizationMember,
    Questionnaire,
    Response,
    Result,
    ScimGroup,
    ScimToken,
    ScimUser,
    SingleSignOn,
    SsoDomain,
    SsoGroupMapping,
    TeamApiToken,
    ValueStreamMap,
    Webhook,
)
from reports.models import Campaign, CampaignTeam, ReminderLog, Roadmap, RoadmapItem, RoadmapReport
from reports.transfer.organization import export_organization
from tests import matrix_data

ROLES = ("anonymous", "member_a", "lead_a", "member_b", "analyst", "org_admin", "other_admin")
ACME_ROLES = ("member_a", "lead_a", "member_b", "analyst", "org_admin")
LOGIN = "302 to login"  # a page sends an anonymous visitor to /accounts/login/?next=...
LOGIN_URL = "/accounts/login/"
DENIED = {LOGIN, 401, 403, 404}
MISSING_ID = 2_147_483_000  # an id no row has
User = get_user_model()
# What only one side's pages may mention: Acme's names on Other Corp's screens, or the reverse,
# would be a leak.
MARKERS = {"acme": ("Other Corp", "Other Team"), "other": ("Acme", "Team A", "Team B")}
TEXT_TYPES = ("text/", "application/json", "application/pdf", "application/yaml")


@dataclass(frozen=True)
class Ref:
    """An object of the side a request is about (team A's or Other Corp's), as an attribute
    path on that side; a model instance stands for its id. ``missing`` replaces it when the
    request is made again about objects that do not exist."""

    path: str
    missing: object = MISSING_ID


@dataclass(frozen=True)
class Case:
    """One route and method: URL kwargs, query and body (with ``Ref``s), the status per role in
    ``ROLES`` order on Acme's objects, and per role in ``ACME_ROLES`` order on Other Corp's."""

    name: str
    method: str
    expected: tuple
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    body: object = None
    variant: str = ""
    idor: tuple = (404, 404, 404, 404, 404)
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"  # of an API body; a str body is sent as it is

    @property
    def key(self):
        name = f"{self.name}[{self.variant}]" if self.variant else self.name
        return f"{name}:{self.method}"

    @property
    def writes(self):
        return self.method != "GET"

    @property
    def names_objects(self):
        return _has_ref((self.kwargs, self.query, self.body))


def _has_ref(value):
    if isinstance(value, Ref):
        return True
    if isinstance(value, dict):
        return any(_has_ref(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_ref(v) for v in value)
    return False


TEAM = {"team_id": Ref("team")}
OPEN = {"assessment_id": Ref("open_assessment")}
CLOSED = {"assessment_id": Ref("closed_assessment")}
MEMBER = {"team_id": Ref("team"), "username": Ref("member.username", missing="nobody")}
REPORT = {"report_id": Ref("report")}
PORTFOLIO = {"report_id": Ref("portfolio_report")}
CAMPAIGN = {"campaign_id": Ref("campaign")}
ORG = {"org": Ref("org")}
MINI = {"key": "mini", "version": 1}
DRAFT = {"key": "mini", "version": 2}  # a draft of the library: nobody's but the operator's
SLUG = {"slug": Ref("org.slug", missing="nobody")}
OWN = {**SLUG, "key": Ref("own.key", missing="nothing"), "version": Ref("own.version")}
OWN_DRAFT = {**SLUG, "key": Ref("own_draft.key", missing="nothing"),
             "version": Ref("own_draft.version")}  # fmt: skip
NEW_MEMBER = {"username": "member_b", "role": "member"}  # a person of Acme, not in team A
FOREIGN_MEMBER = {"username": "other_member", "role": "member"}  # Other Corp's
INVITE = {"email": "invitee@example.com", "role": "member"}
NEW_WEBHOOK = {"provider": "github", "environment": "production"}
TEAM_HOOK = {"team_id": Ref("team"), "hook_id": Ref("team_webhook")}
OWNERSHIP = {"team_id": Ref("team"), "ownership_id": Ref("ownership")}
TOKEN = {"team_id": Ref("team"), "token_id": Ref("token")}
ORG_HOOK = {**SLUG, "hook_id": Ref("org_webhook")}
STAGES = {"stages": matrix_data.STAGES}
CSV = {"what": "comparison", "fmt": "csv"}
HTMX = {"HTTP_HX_REQUEST": "true"}
# SCIM (docs/scim.md): the organisation's identity provider only, with its SCIM token; no
# session role reaches it (401 for everyone, nothing changed). What a SCIM token reaches is
# tested below (test_scim_token_*) and in tests/assessments/people/scim/.
SCIM_JSON = "application/scim+json"
SCIM_ID = {"user_id": Ref("member")}
SCIM_GROUP = {"group_id": Ref("scim_group")}
SCIM_USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "scimuser"}
SCIM_PATCH = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "value": {"active": False}}]}  # fmt: skip
SCIM_GROUP_PATCH = {**SCIM_PATCH, "Operations": [{"op": "replace",
                                                 "value": {"displayName": "Matrix"}}]}  # fmt: skip
SCIM_GROUP_BODY = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                   "displayName": "Matrix", "externalId": "team-a"}  # fmt: skip
NO_SCIM = (401,) * 7
NO_SCIM_IDOR = (401,) * 5
# CoE pages refuse members whatever the organisation; analysts of Acme get 404 for Other Corp.
GATED = (403, 403, 403, 404, 404)

# Where a role may see the object but not change it, the answer is 403, pages included: a page
# that flashes the refusal and redirects (302) answers a refused write like an accepted one. An
# organisation is visible to the people of its teams (the campaign pages answer them 403 too).
L, U = LOGIN, 401
# fmt: off
EXPECTED = {case.key: case for case in (
    # --- pages ---------------------------  anon member_a lead_a member_b analyst admin other
    Case("home", "GET",                       (L, 200, 200, 200, 200, 200, 200)),
    Case("team_detail", "GET",                (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("team_member_add", "POST",           (L, 403, 403, 404, 403, 302, 404), TEAM,
         body=NEW_MEMBER),
    Case("team_member_remove", "POST",        (L, 403, 403, 404, 403, 302, 404), MEMBER),
    # Undo of a removal (issue 16): an admin's only; a bad token is a message, not an error.
    Case("team_member_undo_remove", "POST",   (L, 403, 403, 404, 403, 302, 404), TEAM,
         body={"token": "not-a-token"}),
    # The people directory: an organisation's people only, managed by its admins.
    Case("organization_people", "GET",        (L, 403, 403, 403, 403, 200, 404),
         {"org_id": Ref("org")}),
    Case("organization_people", "POST",       (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}, body=INVITE),
    Case("organization_person_remove", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org"), "username": Ref("member.username", missing="nobody")}),
    Case("invitation_revoke", "POST",         (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org"), "invitation_id": Ref("invitation")}),
    Case("assessment_open", "POST",           (L, 403, 302, 404, 403, 302, 404), TEAM,
         body={"questionnaire": Ref("questionnaire"), "period": matrix_data.NEW_PERIOD}),
    Case("assessment_detail", "GET",          (L, 200, 200, 404, 200, 200, 404), OPEN),
    Case("answer_page", "GET",                (L, 200, 200, 404, 403, 403, 404), OPEN),
    Case("answer_copy_previous", "POST",      (L, 302, 302, 404, 403, 403, 404), OPEN),
    Case("answer_submit", "POST",             (L, 302, 302, 404, 403, 403, 404), OPEN),
    Case("answer_unsubmit", "POST",           (L, 302, 302, 404, 403, 403, 404), OPEN),
    Case("survey_dora_save", "POST",          (L, 302, 302, 404, 403, 403, 404), OPEN,
         body={"deployment_frequency": "daily_to_weekly"}),
    Case("answer_save", "POST",               (L, 302, 302, 404, 403, 403, 404),
         {**OPEN, "question_key": "flow-wip"}, body={"level": "3"}),
    # The autosave of the answering page (htmx) answers in place rather than redirecting.
    Case("answer_save", "POST",               (L, 200, 200, 404, 403, 403, 404),
         {**OPEN, "question_key": "flow-wip"}, body={"level": "3"}, headers=HTMX,
         variant="htmx"),
    Case("survey_dora_save", "POST",          (L, 200, 200, 404, 403, 403, 404), OPEN,
         body={"deployment_frequency": "daily_to_weekly"}, headers=HTMX, variant="htmx"),
    Case("assessment_close", "POST",          (L, 403, 302, 404, 403, 302, 404), OPEN),
    Case("assessment_invite", "POST",         (L, 403, 302, 404, 403, 302, 404), OPEN),
    # The caller's own notices and notification settings: every signed-in person has them.
    Case("notice_list", "GET",                (L, 200, 200, 200, 200, 200, 200)),
    Case("notices_mark_read", "POST",         (L, 302, 302, 302, 302, 302, 302), body={}),
    Case("notification_preferences", "GET",   (L, 200, 200, 200, 200, 200, 200)),
    Case("notification_preferences", "POST",  (L, 302, 302, 302, 302, 302, 302),
         body={"kind": ["result_ready"]}),
    Case("assessment_targets", "POST",        (L, 403, 302, 404, 403, 302, 404), OPEN,
         body={"target-flow": "4"}),
    Case("result_page", "GET",                (L, 200, 200, 404, 200, 200, 404), CLOSED),
    Case("questionnaire_list", "GET",         (L, 403, 403, 403, 200, 200, 200)),
    Case("questionnaire_list", "POST",        (L, 403, 403, 403, 200, 200, 200), body={}),
    # Questionnaires: the library's are everybody's to read and nobody's to change; an
    # organisation's are read by its people and managed by its analysts and admins.
    Case("questionnaire_detail", "GET",       (L, 302, 302, 302, 302, 302, 302), MINI),
    Case("questionnaire_detail", "GET",       (L, 404, 404, 404, 404, 404, 404), DRAFT,
         variant="draft"),
    Case("library_questionnaire_detail", "GET", (L, 200, 200, 200, 200, 200, 200), MINI),
    Case("library_questionnaire_detail", "GET", (L, 404, 404, 404, 404, 404, 404), DRAFT,
         variant="draft"),
    Case("org_questionnaire_detail", "GET",   (L, 200, 200, 200, 200, 200, 404), OWN),
    Case("org_questionnaire_detail", "GET",   (L, 404, 404, 404, 200, 200, 404), OWN_DRAFT,
         variant="draft"),
    Case("org_questionnaire_detail", "GET",   (L, 200, 200, 200, 200, 200, 404), OWN,
         query={"format": "yaml"}, variant="yaml"),
    Case("questionnaire_adopt", "POST",       (L, 403, 403, 403, 302, 302, 404),
         {**SLUG, "key": "mini"}),
    Case("questionnaire_start_draft", "POST", (L, 403, 403, 403, 302, 302, 404),
         {**SLUG, "key": Ref("own.key", missing="nothing")}),
    Case("questionnaire_edit", "GET",         (L, 403, 403, 403, 200, 200, 404), OWN_DRAFT),
    Case("questionnaire_edit", "POST",        (L, 403, 403, 403, 302, 302, 404), OWN_DRAFT,
         body={"path": "title", "value": "Edited in the matrix"}),
    Case("questionnaire_review", "GET",       (L, 403, 403, 403, 200, 200, 404), OWN_DRAFT),
    Case("questionnaire_publish", "POST",     (L, 403, 403, 403, 302, 302, 404), OWN_DRAFT),
    Case("questionnaire_discard", "POST",     (L, 403, 403, 403, 302, 302, 404), OWN_DRAFT),
    # The organisation section's answers: the organisation's CoE analysts and admins only.
    Case("organization_practices", "GET",     (L, 403, 403, 403, 200, 200, 404), SLUG),
    Case("organization_practices", "POST",    (L, 403, 403, 403, 200, 200, 404), SLUG,
         body={"period": matrix_data.OPEN_PERIOD}),
    Case("organization_practices_home", "GET", (L, 403, 403, 403, 302, 302, 302)),
    Case("team_dora", "GET",                  (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("team_dora_entry", "POST",           (L, 403, 302, 404, 403, 302, 404), TEAM,
         body={"period": matrix_data.CLOSED_PERIOD, "deployment_frequency": "2",
               "deployment_frequency_unit": "week", "lead_time_unit": "hours",
               "time_to_restore_unit": "hours"}),
    Case("team_dora_upload", "POST",          (L, 403, 302, 404, 403, 302, 404), TEAM, body={}),
    # Issue 16: deleting entered figures and removing an uploaded file, the lead's (or admin's).
    Case("team_dora_entry_delete", "POST",    (L, 403, 302, 404, 403, 302, 404), TEAM,
         body={"period": matrix_data.CLOSED_PERIOD}),
    Case("team_dora_batch_delete", "POST",    (L, 403, 302, 404, 403, 302, 404),
         {**TEAM, "batch_id": Ref("batch")}),
    Case("team_dora_ownership", "GET",        (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("team_dora_ownership", "POST",       (L, 403, 302, 404, 403, 302, 404), TEAM,
         body={"kind": "path", "value": "services/matrix"}),
    Case("team_dora_ownership_delete", "POST", (L, 403, 302, 404, 403, 302, 404), OWNERSHIP),
    # Issue 20: a team's API tokens, listed (never a key) to whoever sees the team; created
    # and revoked by its lead and the organisation's admins.
    Case("team_tokens", "GET",                (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("team_tokens", "POST",               (L, 403, 302, 404, 403, 302, 404), TEAM,
         body={"name": "matrix", "scope": "metrics", "expires_in_days": "30"}),
    Case("team_token_revoke", "POST",         (L, 403, 302, 404, 403, 302, 404), TOKEN),
    # Issue 20: events no team owns, for the CoE; admins route them to a team.
    Case("organization_unrouted_events", "GET",  (L, 403, 403, 403, 200, 200, 404), SLUG),
    Case("organization_unrouted_events", "POST", (L, 403, 403, 403, 403, 302, 404), SLUG,
         body={"team": Ref("team"), "kind": "service", "subject": "matrix-unrouted"}),
    # Issue 20: the webhook pages answer as the webhook API: a team's webhooks are its leads'
    # and the organisation's admins', an organisation's its admins'.
    Case("team_webhooks", "GET",              (L, 403, 200, 404, 403, 200, 404), TEAM),
    Case("team_webhooks", "POST",             (L, 403, 302, 404, 403, 302, 404), TEAM,
         body=NEW_WEBHOOK),
    Case("team_webhook_rotate", "POST",       (L, 403, 302, 404, 403, 302, 404), TEAM_HOOK),
    Case("team_webhook_revoke", "POST",       (L, 403, 302, 404, 403, 302, 404), TEAM_HOOK),
    # The provider's own signing secret (PagerDuty's): team A's webhook is GitHub's, which
    # is refused with a message.
    Case("team_webhook_secret", "POST",       (L, 403, 302, 404, 403, 302, 404), TEAM_HOOK,
         body={"secret": "from-the-provider"}),
    Case("team_webhook_deliveries", "GET",    (L, 403, 200, 404, 403, 200, 404), TEAM_HOOK),
    Case("organization_webhooks", "GET",      (L, 403, 403, 403, 403, 200, 404), SLUG),
    Case("organization_webhooks", "POST",     (L, 403, 403, 403, 403, 302, 404), SLUG,
         body=NEW_WEBHOOK),
    Case("organization_webhook_rotate", "POST", (L, 403, 403, 403, 403, 302, 404), ORG_HOOK),
    Case("organization_webhook_revoke", "POST", (L, 403, 403, 403, 403, 302, 404), ORG_HOOK),
    Case("organization_webhook_secret", "POST", (L, 403, 403, 403, 403, 302, 404), ORG_HOOK,
         body={"secret": "from-pagerduty"}),
    Case("organization_webhook_deliveries", "GET", (L, 403, 403, 403, 403, 200, 404), ORG_HOOK),
    Case("team_value_stream", "GET",          (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("value_stream_edit", "GET",          (L, 403, 200, 404, 403, 200, 404),
         {**TEAM, "kind": "current"}),
    Case("value_stream_edit", "POST",         (L, 403, 200, 404, 403, 200, 404),
         {**TEAM, "kind": "current"}, body={}),
    Case("team_roadmap", "GET",               (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("team_roadmap", "POST",              (L, 302, 302, 404, 302, 302, 404), TEAM),
    Case("roadmap_report_request", "POST",    (L, 302, 302, 404, 302, 302, 404), TEAM),
    Case("roadmap_item_update", "POST",       (L, 403, 302, 404, 403, 302, 404),
         {"item_id": Ref("item")}, body={"phase": "now"}),
    # The roadmap page's autosave (roadmap.js) asks for JSON and is answered in place.
    Case("roadmap_item_update", "POST",       (L, 403, 200, 404, 403, 200, 404),
         {"item_id": Ref("item")}, body={"phase": "now"},
         headers={"HTTP_ACCEPT": "application/json"}, variant="json"),
    # Another organisation's person as owner: refused like an unknown name (the page says
    # so; tests/assessments/people/test_services.py checks nothing changed).
    Case("roadmap_item_update", "POST",       (L, 403, 302, 404, 403, 302, 404),
         {"item_id": Ref("item")}, body={"phase": "now", "owner": "other_member"},
         variant="foreign-owner"),
    Case("roadmap_item_add", "POST",          (L, 403, 302, 404, 403, 302, 404),
         {"roadmap_id": Ref("roadmap")}, body={"title": "Matrix item"}),
    Case("portfolio", "GET",                  (L, 403, 403, 403, 200, 200, 404), query=ORG,
         idor=GATED),
    Case("portfolio", "POST",                 (L, 403, 403, 403, 302, 302, 404), body=ORG,
         idor=GATED),
    Case("coe_dashboard", "GET",              (L, 403, 403, 403, 200, 200, 404), query=ORG,
         idor=GATED),
    Case("coe_export", "GET",                 (L, 403, 403, 403, 200, 200, 404), CSV,
         query=ORG, idor=GATED, variant="comparison.csv"),
    Case("coe_export", "GET",                 (L, 403, 403, 403, 200, 200, 404),
         {"what": "answers", "fmt": "csv"}, query=ORG, idor=GATED, variant="answers.csv"),
    Case("coe_export", "GET",                 (L, 403, 403, 403, 200, 200, 404),
         {"what": "answers", "fmt": "xlsx"}, query=ORG, idor=GATED, variant="answers.xlsx"),
    Case("review_result", "POST",             (L, 403, 403, 404, 302, 302, 404),
         {"result_id": Ref("result")}, body={"note": "Looked at it."}),
    Case("team_history", "GET",               (L, 200, 200, 404, 200, 200, 404), TEAM),
    Case("report_status", "GET",              (L, 200, 200, 404, 200, 200, 404), REPORT,
         variant="roadmap"),
    Case("report_status", "GET",              (L, 404, 404, 404, 200, 200, 404), PORTFOLIO,
         variant="portfolio"),
    Case("report_download", "GET",            (L, 200, 200, 404, 200, 200, 404), REPORT,
         variant="roadmap"),
    Case("report_download", "GET",            (L, 404, 404, 404, 200, 200, 404), PORTFOLIO,
         variant="portfolio"),
    Case("campaign_list", "GET",              (L, 403, 403, 403, 200, 200, 404), query=ORG,
         idor=GATED),
    Case("campaign_list", "POST",             (L, 403, 403, 403, 400, 400, 404), body=ORG,
         idor=GATED),
    Case("campaign_detail", "GET",            (L, 403, 403, 403, 200, 200, 404), CAMPAIGN),
    Case("campaign_remind", "POST",           (L, 403, 403, 403, 302, 302, 404), CAMPAIGN),
    Case("campaign_close", "GET",             (L, 403, 403, 403, 200, 200, 404), CAMPAIGN),
    Case("campaign_close", "POST",            (L, 403, 403, 403, 302, 302, 404), CAMPAIGN),
    Case("organization_settings", "GET",      (L, 403, 403, 403, 403, 200, 404),
         {"org_id": Ref("org")}),
    Case("organization_settings", "POST",     (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}, body={"default_benchmark": "2024",
                                       "low_confidence_threshold": "7",
                                       "industry": "retail", "org_size": "500-999",
                                       "dora_view": "comparison",
                                       "dora_segment": "industry:retail"}),
    # Issue 21: the organisation's identity provider, sign-in rules and group mapping, its
    # admins' alone.
    Case("organization_sign_in", "GET",       (L, 403, 403, 403, 403, 200, 404),
         {"org_id": Ref("org")}),
    Case("organization_sign_in", "POST",      (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}, body={"protocol": "oidc",
                                       "issuer": "https://idp.example.org/tenant/v2.0",
                                       "client_id": "vsm", "client_secret": "s",
                                       "email_domains": "matrix.example",
                                       "groups_claim": "groups", "default_role": "member"}),
    Case("organization_sign_in_policy", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}, body={"require_mfa": "on"}),
    Case("organization_sso_mapping_add", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}, body={"group": "new-group", "target": "org:coe_analyst"}),
    Case("organization_sso_mapping_remove", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org"), "mapping_id": Ref("sso_mapping")}),
    # Issue 21: SCIM provisioning, its admins' alone: tokens created and revoked, the
    # provider's groups mapped to a team.
    Case("organization_provisioning", "GET",  (L, 403, 403, 403, 403, 200, 404),
         {"org_id": Ref("org")}),
    Case("organization_scim_token_create", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org")}),
    Case("organization_scim_token_revoke", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org"), "token_id": Ref("scim_token")}),
    Case("organization_scim_group_map", "POST", (L, 403, 403, 403, 403, 302, 404),
         {"org_id": Ref("org"), "group_id": Ref("scim_group")}, body={"team": Ref("team")}),
    # A team the caller may not read is ignored as a filter: the caller's own entries are
    # listed (and the markers show none of the other side's).
    Case("audit_log", "GET",                  (L, 403, 403, 403, 403, 200, 200),
         query={"team": Ref("team")}, idor=(403, 403, 403, 403, 200)),
    Case("healthz", "GET",                    (200, 200, 200, 200, 200, 200, 200)),
    Case("ping", "GET",                       (200, 200, 200, 200, 200, 200, 200)),
    # --- API -----------------------------  anon member_a lead_a member_b analyst admin other
    Case("api_teams", "GET",                  (U, 200, 200, 200, 200, 200, 200)),
    Case("api_team_members", "GET",           (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_team_members", "POST",          (U, 403, 403, 404, 403, 201, 404), TEAM,
         body=NEW_MEMBER),
    Case("api_team_members", "POST",          (U, 403, 403, 404, 403, 400, 404), TEAM,
         body=FOREIGN_MEMBER, variant="foreign"),
    Case("api_org_people", "GET",             (U, 403, 200, 403, 200, 200, 404), SLUG,
         query={"search": "a"}),
    Case("api_org_invitations", "POST",       (U, 403, 403, 403, 403, 202, 404), SLUG,
         body=INVITE),
    Case("api_team_member", "DELETE",         (U, 403, 403, 404, 403, 204, 404), MEMBER),
    # Issue 20: what a team owns (organisation webhooks route by it); its lead or an admin.
    Case("api_team_ownership", "GET",         (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_team_ownership", "POST",        (U, 403, 201, 404, 403, 201, 404), TEAM,
         body={"kind": "repository", "value": "acme/matrix"}),
    Case("api_team_ownership_item", "DELETE", (U, 403, 204, 404, 403, 204, 404), OWNERSHIP),
    Case("api_team_webhooks", "GET",          (U, 403, 200, 404, 403, 200, 404), TEAM),
    Case("api_team_webhooks", "POST",         (U, 403, 201, 404, 403, 201, 404), TEAM,
         body=NEW_WEBHOOK),
    Case("api_team_webhook", "DELETE",        (U, 403, 204, 404, 403, 204, 404), TEAM_HOOK),
    Case("api_team_webhook_rotate", "POST",   (U, 403, 200, 404, 403, 200, 404), TEAM_HOOK),
    Case("api_org_webhooks", "GET",           (U, 403, 403, 403, 403, 200, 404), SLUG),
    Case("api_org_webhooks", "POST",          (U, 403, 403, 403, 403, 201, 404), SLUG,
         body=NEW_WEBHOOK),
    Case("api_org_webhook", "DELETE",         (U, 403, 403, 403, 403, 204, 404), ORG_HOOK),
    Case("api_org_webhook_rotate", "POST",    (U, 403, 403, 403, 403, 200, 404), ORG_HOOK),
    # Team A's webhook is GitHub's, which takes no provider secret (400); the organisation's is
    # PagerDuty's.
    Case("api_team_webhook_secret", "PUT",    (U, 403, 400, 404, 403, 400, 404), TEAM_HOOK,
         body={"secret": "from-the-provider"}),
    Case("api_org_webhook_secret", "PUT",     (U, 403, 403, 403, 403, 200, 404), ORG_HOOK,
         body={"secret": "from-pagerduty"}),
    Case("api_questionnaires", "GET",         (U, 200, 200, 200, 200, 200, 200)),
    Case("api_questionnaire", "GET",          (U, 200, 200, 200, 200, 200, 200), MINI),
    Case("api_questionnaire", "GET",          (U, 404, 404, 404, 404, 404, 404), DRAFT,
         variant="draft"),
    Case("api_org_questionnaires", "GET",     (U, 200, 200, 200, 200, 200, 404), SLUG),
    Case("api_org_questionnaires", "POST",    (U, 403, 403, 403, 201, 201, 404), SLUG,
         body=matrix_data.OWN_V3, content_type="application/yaml"),
    Case("api_org_questionnaire", "GET",      (U, 200, 200, 200, 200, 200, 404), OWN),
    Case("api_org_questionnaire", "GET",      (U, 404, 404, 404, 200, 200, 404), OWN_DRAFT,
         variant="draft"),
    Case("api_org_questionnaire_publish", "POST", (U, 403, 403, 403, 200, 200, 404), OWN_DRAFT),
    Case("api_org_questionnaire_diff", "GET", (U, 403, 403, 403, 200, 200, 404),
         {**SLUG, "key": Ref("own.key", missing="nothing")}, query={"from": 1, "to": 2}),
    Case("api_assessments", "POST",           (U, 403, 201, 404, 403, 201, 404),
         body={"team": Ref("team"), "questionnaire": "mini",
               "period": matrix_data.NEW_PERIOD}),
    Case("api_assessment", "GET",             (U, 200, 200, 404, 200, 200, 404), OPEN),
    Case("api_my_response", "GET",            (U, 200, 200, 404, 403, 403, 404), OPEN),
    # lead_a has submitted already (409): past the permission check all the same.
    Case("api_my_response", "PUT",            (U, 200, 409, 404, 403, 403, 404), OPEN,
         body={"answers": {"flow-wip": 3}}),
    # member_a's draft is incomplete (400), lead_a's submitted (409).
    Case("api_my_response_submit", "POST",    (U, 400, 409, 404, 403, 403, 404), OPEN),
    Case("api_assessment_close", "POST",      (U, 403, 200, 404, 403, 200, 404), OPEN),
    Case("api_assessment_targets", "PUT",     (U, 403, 200, 404, 403, 200, 404), OPEN,
         body={"targets": {"flow": 4}}),
    Case("api_assessment_result", "GET",      (U, 200, 200, 404, 200, 200, 404), CLOSED),
    Case("api_dora_benchmarks", "GET",        (U, 200, 200, 200, 200, 200, 200)),
    Case("api_dora_classify", "GET",          (U, 200, 200, 200, 200, 200, 200),
         query={"lead_time": "30"}),
    Case("api_dora_quick_check", "GET",       (U, 200, 200, 200, 200, 200, 200),
         query={"lead_time": "30", "industry": "retail"}),
    Case("api_team_dora", "GET",              (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_team_dora_entry", "PUT",        (U, 403, 200, 404, 403, 200, 404),
         {**TEAM, "period": matrix_data.CLOSED_PERIOD}, body={"deployment_frequency": 2}),
    Case("api_team_deployments", "POST",      (U, 403, 200, 404, 403, 200, 404), TEAM,
         body=[]),
    Case("api_team_incidents", "POST",        (U, 403, 200, 404, 403, 200, 404), TEAM,
         body=[]),
    Case("api_value_stream_current", "GET",   (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_value_stream_current", "PUT",   (U, 403, 201, 404, 403, 201, 404), TEAM,
         body=STAGES),
    Case("api_value_stream_future", "GET",    (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_value_stream_future", "PUT",    (U, 403, 201, 404, 403, 201, 404), TEAM,
         body=STAGES),
    Case("api_value_stream_history", "GET",   (U, 200, 200, 404, 200, 200, 404), TEAM),
    Case("api_comparison", "GET",             (U, 403, 403, 403, 200, 200, 404),
         query={"organization": Ref("org.slug", missing="nobody")}, idor=GATED),
    Case("api_assessment_roadmap_reports", "POST", (U, 202, 202, 404, 202, 202, 404), CLOSED),
    Case("api_roadmap_report", "GET",         (U, 200, 200, 404, 200, 200, 404), REPORT,
         variant="roadmap"),
    Case("api_roadmap_report", "GET",         (U, 404, 404, 404, 200, 200, 404), PORTFOLIO,
         variant="portfolio"),
    Case("api_roadmap_report_pdf", "GET",     (U, 200, 200, 404, 200, 200, 404), REPORT,
         variant="roadmap"),
    Case("api_roadmap_report_pdf", "GET",     (U, 404, 404, 404, 200, 200, 404), PORTFOLIO,
         variant="portfolio"),
    # --- SCIM ----------------------------  every role: 401 (a SCIM token only)
    Case("scim_service_provider_config", "GET", NO_SCIM),
    Case("scim_resource_types", "GET",        NO_SCIM),
    Case("scim_resource_type", "GET",         NO_SCIM, {"name": "User"}),
    Case("scim_schemas", "GET",               NO_SCIM),
    Case("scim_schema", "GET",                NO_SCIM,
         {"urn": "urn:ietf:params:scim:schemas:core:2.0:User"}),
    Case("scim_users", "GET",                 NO_SCIM, query={"filter": 'userName eq "member_a"'}),
    Case("scim_users", "POST",                NO_SCIM, body=SCIM_USER, content_type=SCIM_JSON),
    Case("scim_user", "GET",                  NO_SCIM, SCIM_ID, idor=NO_SCIM_IDOR),
    Case("scim_user", "PUT",                  NO_SCIM, SCIM_ID, idor=NO_SCIM_IDOR,
         body={**SCIM_USER, "active": False}, content_type=SCIM_JSON),
    Case("scim_user", "PATCH",                NO_SCIM, SCIM_ID, idor=NO_SCIM_IDOR,
         body=SCIM_PATCH, content_type=SCIM_JSON),
    Case("scim_user", "DELETE",               NO_SCIM, SCIM_ID, idor=NO_SCIM_IDOR),
    Case("scim_groups", "GET",                NO_SCIM),
    Case("scim_groups", "POST",               NO_SCIM, body=SCIM_GROUP_BODY,
         content_type=SCIM_JSON),
    Case("scim_group", "GET",                 NO_SCIM, SCIM_GROUP, idor=NO_SCIM_IDOR),
    Case("scim_group", "PUT",                 NO_SCIM, SCIM_GROUP, idor=NO_SCIM_IDOR,
         body=SCIM_GROUP_BODY, content_type=SCIM_JSON),
    Case("scim_group", "PATCH",               NO_SCIM, SCIM_GROUP, idor=NO_SCIM_IDOR,
         body=SCIM_GROUP_PATCH, content_type=SCIM_JSON),
    Case("scim_group", "DELETE",              NO_SCIM, SCIM_GROUP, idor=NO_SCIM_IDOR),
)}
# fmt: on

# Left out of the matrix, each for a reason.
EXEMPT_PREFIXES = {
    "admin/": "Django admin: staff only, guarded by the admin site's own permission system",
}
EXEMPT = {
    "login": "Django auth view: public by design",
    "logout": "Django auth view: ends the caller's own session",
    "password_change": "Django auth view: the caller's own password",
    "password_change_done": "Django auth view: a confirmation page",
    "password_reset": "Django auth view: public by design",
    "password_reset_done": "Django auth view: a confirmation page",
    "password_reset_confirm": "Django auth view: guarded by the signed token in the URL",
    "password_reset_complete": "Django auth view: a confirmation page",
    "api_schema": "OpenAPI schema: describes the API, holds no data",
    "api_docs": "Swagger UI over the schema: no data",
    "invitation_accept": "public by design: guarded by the unguessable token in its URL, "
    "like password_reset_confirm (tests/assessments/people/test_services.py)",
    "webhook_receive": "public by design: providers post to it; guarded by the unguessable id "
    "in its URL and the delivery's signature (tests/assessments/dora/test_webhooks_receiver.py)",
    # Single sign-on: the steps of signing in, before anyone is signed in; each provider's
    # answer is checked by allauth (state, PKCE, issuer, audience, signature, expiry) and the
    # identity kept to its organisation (tests/assessments/people/sso/).
    "sso_start": "public by design: sends an address to its organisation's provider",
    "login_code": "public by design: the code step of the caller's own password sign-in",
    "mfa_setup": "the caller's own second factor, like password_change",
    "openid_connect_login": "public by design: starts an OpenID Connect sign-in",
    "openid_connect_callback": "public by design: the provider's answer, checked (state, PKCE)",
    "saml_login": "public by design: starts a SAML sign-in",
    "saml_acs": "public by design: the IdP posts its signed assertion here",
    "saml_finish_acs": "public by design: checks the assertion the ACS received",
    "saml_sls": "public by design: the IdP's single logout, signed",
    "saml_metadata": "public by design: the service provider's metadata for the IdP",
    "socialaccount_login_cancelled": "public by design: a page saying sign-in was cancelled",
    "socialaccount_login_error": "public by design: a page saying sign-in failed",
}
# Static files are served by WhiteNoise's middleware, not by a URL pattern; media files have no
# URL at all (test_report_files_are_not_served_from_media).


# --- the data set -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """tests/matrix_data.py's data set, built once for the module (report files in a temporary
    MEDIA_ROOT) and rolled back after its last test."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        data = matrix_data.build()
        yield data
        transaction.set_rollback(True)


MISSING = object()  # the side of objects that do not exist


def fill(value, side):
    """``value`` with every Ref replaced by the id (or text) it names on ``side``."""
    if isinstance(value, Ref):
        if side is MISSING:
            return value.missing
        found = attrgetter(value.path)(side)
        return found.pk if isinstance(found, Model) else found
    if isinstance(value, dict):
        return {k: fill(v, side) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, side) for v in value]
    return value


def send(web, case, side, **extra):
    extra = {**case.headers, **extra}
    url = reverse(case.name, kwargs=fill(case.kwargs, side))
    query = fill(case.query, side)
    if query:
        url = f"{url}?{urlencode(query)}"
    method = getattr(web, case.method.lower())
    if case.method == "GET":
        return method(url, **extra)
    body = fill(case.body, side)
    if url.startswith(("/api/", "/scim/")):
        payload = body if isinstance(body, str) else "" if body is None else json.dumps(body)
        return method(url, payload, content_type=case.content_type, **extra)
    return method(url, body or {}, **extra)


def log_in(web, data, role):
    if role != "anonymous":
        web.force_login(getattr(data.world, role))


def status_of(response):
    """The status, with a redirect to the login page shown as LOGIN."""
    if response.status_code == 302 and response["Location"].startswith(LOGIN_URL):
        return LOGIN
    return response.status_code


def footprint():
    """Every row a write could add, remove or change (counts and mutable fields), and the
    emails sent: equal before and after a refused write means nothing was written."""
    return {
        "organizations": sorted(
            Organization.objects.values_list("id", "default_benchmark", "low_confidence_threshold")
        ),
        "memberships": sorted(Membership.objects.values_list("team_id", "user_id", "role")),
        "assessments": sorted(Assessment.objects.values_list("id", "status", "due_date")),
        "responses": sorted(Response.objects.values_list("id", "status")),
        "answers": sorted(Answer.objects.values_list("id", "level", "comment", "evidence_url")),
        "dora_survey": DoraSurveyAnswer.objects.count(),
        "targets": sorted(DimensionTarget.objects.values_list("id", "level")),
        "results": sorted(Result.objects.values_list("id", "reviewed_at", "review_note")),
        "dora_entries": sorted(DoraEntry.objects.values_list("id", "updated_at")),
        "dora_snapshots": DoraSnapshot.objects.count(),
        "events": (Deployment.objects.count(), Incident.objects.count()),
        "maps": ValueStreamMap.objects.count(),
        # People (SCIM adds, deactivates and removes them) and SCIM's own records.
        "people": sorted(OrganizationMember.objects.values_list("organization_id", "user_id")),
        "active_accounts": sorted(User.objects.filter(is_active=True).values_list("id", flat=True)),
        "scim": (
            sorted(ScimUser.objects.values_list("organization_id", "user_id", "active")),
            sorted(ScimGroup.objects.values_list("id", "display_name", "team_id")),
            sorted(ScimToken.objects.values_list("id", "revoked_at")),
        ),
        "roadmaps": Roadmap.objects.count(),
        "roadmap_items": sorted(
            RoadmapItem.objects.values_list("id", "phase", "done", "due_date", "owner_id")
        ),
        "reports": RoadmapReport.objects.count(),
        "campaigns": sorted(Campaign.objects.values_list("id", "status")),
        "campaign_teams": CampaignTeam.objects.count(),
        "reminders": ReminderLog.objects.count(),
        "questionnaires": sorted(
            Questionnaire.objects.values_list("id", "organization_id", "status", "content_hash")
        ),
        # Everything an organisation holds, as its export document (assessments/org_transfer.py).
        "organisation_exports": {
            org.slug: export_organization(org) for org in Organization.objects.order_by("slug")
        },
        # Webhooks: created, rotated (a new secret) or revoked.
        "webhooks": sorted(Webhook.objects.values_list("id", "secret_sealed", "revoked_at")),
        # Team API tokens: created or revoked.
        "team_tokens": sorted(
            TeamApiToken.objects.values_list("id", "name", "scope", "expires_at", "revoked_at")
        ),
        # Single sign-on: the provider, the rules for password sign-in, domains, group mapping.
        "sign_in": (
            sorted(
                SingleSignOn.objects.values_list(
                    "organization_id",
                    "protocol",
                    "social_app_id",
                    "require_sso",
                    "break_glass_user_id",
                    "require_mfa",
                )
            ),
            sorted(SsoDomain.objects.values_list("organization_id", "domain")),
            sorted(SsoGroupMapping.objects.values_list("id", "group", "team_id", "org_role")),
        ),
        "emails": len(mail.outbox),
    }


def changes(before):
    """What a write changed since ``before`` (None: not a refused write, not checked)."""
    if before is None:
        return {}
    after = footprint()
    return {key: (before[key], after[key]) for key in before if before[key] != after[key]}


def body_text(response):
    content_type = response.get("Content-Type", "")
    if not content_type.startswith(TEXT_TYPES):
        return ""
    if response.streaming:
        # Reading to the end closes the file. Not response.close() again: with Django's
        # close_old_connections listening it would close the connection, and the module's
        # transaction with it.
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def foreign_markers(response, role):
    """Names of the other side found in a response the role was allowed to read."""
    text = body_text(response)
    markers = MARKERS["other" if role == "other_admin" else "acme"]
    return [marker for marker in markers if marker in text]


def fingerprint_404(response, case, side):
    """What a 404 shows: for the API its JSON with the ids and names asked for blanked out
    (an echo of the caller's own input tells nothing), for pages the templates rendered."""
    if not reverse(case.name, kwargs=fill(case.kwargs, MISSING)).startswith("/api/"):
        return response.status_code, [t.name for t in response.templates]
    text = response.content.decode()
    for value in _ref_values((case.kwargs, case.query, case.body), side):
        text = text.replace(str(value), "<asked>")
    return response.status_code, text


def _ref_values(value, side):
    if isinstance(value, Ref):
        return [fill(value, side)]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [found for v in value for found in _ref_values(v, side)]
    return []


def assert_like_missing(web, case, side, response):
    """A hidden object's 404 is the same as the 404 for an id nobody has."""
    missing = send(web, case, MISSING)
    assert fingerprint_404(response, case, side) == fingerprint_404(missing, case, MISSING)


# --- every route is in the matrix ---------------------------------------------------------


def url_patterns(patterns=None, prefix=""):
    """(route, name, view) of every URL pattern, include prefixes joined."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name, pattern.callback


def view_methods(view):
    """The HTTP methods a view answers, where the code says: an API view's handlers, or the
    list of ``require_http_methods`` (``require_POST``) under ``login_required``. None when the
    view is a plain function that takes any method."""
    cls = getattr(view, "cls", None)
    if cls is not None:
        return {
            m.upper() for m in cls.http_method_names if m not in ("options", "head")
            and hasattr(cls, m)
        }  # fmt: skip
    func = view
    while func is not None:
        methods = inspect.getclosurevars(func).nonlocals.get("request_method_list")
        if methods is not None:
            return set(methods)
        func = getattr(func, "__wrapped__", None)
    return None


def exempt(route, name):
    return route.startswith(tuple(EXEMPT_PREFIXES)) or name in EXEMPT


def openapi_template(route):
    """``api/v1/teams/<int:team_id>/`` -> ``/api/v1/teams/{team_id}/``, as the schema says."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_route_is_in_the_matrix(matrix, web):
    covered = {(case.name, case.method) for case in EXPECTED.values()}
    names = {name for name, _ in covered}
    missing = []
    for route, name, view in url_patterns():
        if exempt(route, name):
            continue
        methods = view_methods(view)
        if methods is None and name not in names:
            missing.append(f"{route} ({name}): any method")
        for method in sorted(methods or ()):
            if (name, method) not in covered:
                missing.append(f"{route} ({name}): {method}")
    web.force_login(matrix.world.member_a)
    response = web.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    by_template = {openapi_template(route): name for route, name, _ in url_patterns()}
    for path, item in schema["paths"].items():
        for method in sorted(set(item) & {"get", "post", "put", "patch", "delete"}):
            name = by_template.get(path)
            if (name, method.upper()) not in covered:
                missing.append(f"{path} ({name}): {method.upper()} in the OpenAPI schema")
    assert missing == []


def test_matrix_names_only_existing_routes_and_methods(matrix):
    routes = {name: (route, view) for route, name, view in url_patterns()}
    wrong = []
    for case in EXPECTED.values():
        if case.name not in routes:
            wrong.append(f"{case.key}: no such URL name")
            continue
        route, view = routes[case.name]
        methods = view_methods(view)
        if methods is not None and case.method not in methods:
            wrong.append(f"{case.key}: the view answers only {sorted(methods)}")
        if case.name.startswith("api_") != route.startswith("api/"):
            wrong.append(f"{case.key}: API names start with api_, page names do not")
        bearer = route.startswith(("api/", "scim/"))  # the API and SCIM answer 401
        if case.expected[0] != (U if bearer else LOGIN) and case.name not in (
            "healthz",
            "ping",
        ):
            wrong.append(f"{case.key}: anonymous gets {LOGIN!r} on pages, 401 on the API and SCIM")
    assert wrong == []


# --- team A's / Acme's objects, every role ------------------------------------------------


@pytest.mark.parametrize(
    ("case", "role"),
    [pytest.param(c, r, id=f"{c.key}-{r}") for c in EXPECTED.values() for r in ROLES],
)
def test_acme_objects(matrix, web, case, role):
    expected = case.expected[ROLES.index(role)]
    log_in(web, matrix, role)
    before = footprint() if case.writes and expected in DENIED else None
    response = send(web, case, matrix.a)
    assert (status_of(response), changes(before)) == (expected, {})
    if role != "anonymous":  # whatever the status, no browser or proxy keeps it
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= directives, response.get("Cache-Control")
    if expected == 404:
        assert_like_missing(web, case, matrix.a, response)
    if expected == 200:
        assert foreign_markers(response, role) == []


# --- Other Corp's objects, Acme's roles (IDOR) --------------------------------------------


@pytest.mark.parametrize(
    ("case", "role"),
    [
        pytest.param(c, r, id=f"{c.key}-{r}")
        for c in EXPECTED.values()
        if c.names_objects
        for r in ACME_ROLES
    ],
)
def test_other_organisation_objects(matrix, web, case, role):
    expected = case.idor[ACME_ROLES.index(role)]
    log_in(web, matrix, role)
    before = footprint() if case.writes else None
    response = send(web, case, matrix.other)
    assert (status_of(response), changes(before)) == (expected, {})
    if role != "anonymous":  # whatever the status, no browser or proxy keeps it
        directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
        assert {"private", "no-store"} <= directives, response.get("Cache-Control")
    if expected == 404:
        assert_like_missing(web, case, matrix.other, response)
    if expected == 200:
        assert foreign_markers(response, role) == []


# --- what allowed reads hold --------------------------------------------------------------


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("role", "teams"),
    [
        ("analyst", {"Team A", "Team B"}),
        ("org_admin", {"Team A", "Team B"}),
        ("other_admin", {"Other Team"}),
    ],
)
def test_comparison_export_holds_only_the_callers_organisation(matrix, web, role, teams):
    log_in(web, matrix, role)
    response = web.get(reverse("coe_export", kwargs=CSV))
    assert response.status_code == 200
    assert {row["Team"] for row in csv_rows(response)} == teams


@pytest.mark.parametrize(
    ("role", "teams", "respondents"),
    [
        # Analysts see pseudonyms; organisation admins read individual answers by name.
        ("analyst", {"Team A"}, {"R1", "R2", "R3"}),
        ("org_admin", {"Team A"}, {"member_a", "lead_a", "member_a2"}),
        ("other_admin", {"Other Team"}, {"other_member"}),
    ],
)
def test_answers_export_holds_only_the_callers_organisation(matrix, web, role, teams, respondents):
    log_in(web, matrix, role)
    response = web.get(reverse("coe_export", kwargs={"what": "answers", "fmt": "csv"}))
    assert response.status_code == 200
    rows = csv_rows(response)
    assert ({r["Team"] for r in rows}, {r["Respondent"] for r in rows}) == (teams, respondents)


@pytest.mark.parametrize(
    ("role", "side"), [("analyst", "a"), ("org_admin", "a"), ("other_admin", "other")]
)
def test_api_comparison_holds_only_the_callers_organisation(matrix, web, role, side):
    log_in(web, matrix, role)
    response = web.get(reverse("api_comparison"))
    expected = {t.id for t in getattr(matrix, side).org.teams.all()}
    assert response.status_code == 200
    assert {row["team"]["id"] for row in response.json()["teams"]} == expected


def test_report_download_is_the_reports_own_file(matrix, web):
    log_in(web, matrix, "member_a")
    response = web.get(reverse("report_download", kwargs={"report_id": matrix.a.report.id}))
    assert body_text(response) == "%PDF-1.4\n% roadmap of Acme\n"


def test_report_files_are_not_served_from_media(matrix, web):
    """PDFs are reached only through the views that check who asks."""
    for role in ("anonymous", "member_a"):
        log_in(web, matrix, role)
        for report in (matrix.a.report, matrix.other.report):
            assert web.get(f"/media/{report.file.name}").status_code == 404


# --- team API tokens ----------------------------------------------------------------------

# What a team token of each scope opens (assessments/dora/token_auth.py); every other API
# route answers it 401, as if it sent no credentials.
TOKEN_ROUTES = {
    "events": {"api_team_deployments:POST", "api_team_incidents:POST"},
    "metrics": {"api_team_dora:GET"},
}


def token_key(side, scope):
    return side.token_key if scope == "events" else side.metrics_key


@pytest.mark.parametrize(
    ("scope", "key"), [(scope, key) for scope, keys in TOKEN_ROUTES.items() for key in sorted(keys)]
)
def test_team_token_works_only_for_its_own_team(matrix, web, scope, key):
    case = EXPECTED[key]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_key(matrix.other, scope)}"}
    before = footprint()
    response = send(web, case, matrix.a, **auth)
    assert (response.status_code, changes(before)) == (404, {})
    missing = send(web, case, MISSING, **auth)
    assert fingerprint_404(response, case, matrix.a) == fingerprint_404(missing, case, MISSING)
    assert send(web, case, matrix.other, **auth).status_code == 200


@pytest.mark.parametrize(
    ("scope", "case"),
    [
        pytest.param(scope, c, id=f"{scope}-{c.key}")
        for scope in TOKEN_ROUTES
        for c in EXPECTED.values()
        if c.name.startswith("api_") and c.key not in TOKEN_ROUTES[scope]
    ],
)
def test_team_token_opens_no_other_api_route(matrix, web, scope, case):
    """A route of the other scope refuses the token with 403; any other route does not take
    team tokens at all (401)."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_key(matrix.a, scope)}"}
    before = footprint() if case.writes else None
    response = send(web, case, matrix.a, **auth)
    other_scope = set().union(*(keys for s, keys in TOKEN_ROUTES.items() if s != scope))
    expected = 403 if case.key in other_scope else 401
    assert (response.status_code, changes(before)) == (expected, {})


# --- SCIM tokens --------------------------------------------------------------------------

SCIM_CASES = [c for c in EXPECTED.values() if c.name.startswith("scim_")]
# What Acme's token gets on Acme's objects (the group in the URL does not exist: 404; a PUT
# of the person renames them to a free name).
SCIM_OWN = {
    "scim_users:POST": 201, "scim_user:DELETE": 204, "scim_groups:POST": 201,
    "scim_group:DELETE": 204,
}  # fmt: skip


def scim_auth(side):
    _, key = ScimToken.issue(side.org)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize("case", SCIM_CASES, ids=lambda c: c.key)
def test_scim_token_reaches_its_own_organisation(matrix, web, case):
    response = send(web, case, matrix.a, **scim_auth(matrix.a))
    assert response.status_code == SCIM_OWN.get(case.key, 200)
    assert {"private", "no-store"} <= {
        d.strip() for d in response.get("Cache-Control", "").split(",")
    }


@pytest.mark.parametrize("case", [c for c in SCIM_CASES if c.names_objects], ids=lambda c: c.key)
def test_scim_token_of_other_organisation_404_nothing_changed(matrix, web, case):
    """Other Corp's token on Acme's person: 404 like an id nobody has, nothing written."""
    auth = scim_auth(matrix.other)
    before = footprint()
    response = send(web, case, matrix.a, **auth)
    missing = send(web, case, MISSING, **auth)
    assert (response.status_code, changes(before)) == (404, {})
    assert response.json() == missing.json()


@pytest.mark.parametrize(
    "case", [c for c in EXPECTED.values() if c.name.startswith("api_")], ids=lambda c: c.key
)
def test_scim_token_opens_no_api_route(matrix, web, case):
    auth = scim_auth(matrix.a)
    before = footprint() if case.writes else None
    response = send(web, case, matrix.a, **auth)
    assert (response.status_code, changes(before)) == (401, {})

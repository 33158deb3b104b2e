"""Query-count guards (issue "Guards"): every page and every API list or detail answers a GET
with as many queries for a large organisation as for a small one, so an N+1 fails CI even
though nothing here measures time.

Each guard names a route, the role that reads it, and the growers (tests/query_guard_data.py)
for the dimensions its size depends on: teams of the organisation, respondents of a team,
quarters, DORA events, roadmap items and reports, map versions, campaigns, questionnaire
versions and questions. The test reads the page from the small data set, grows it, reads it
again, and asks for the same number of queries, exactly. Where the page lists what the
growers add, it also asks the grown page to be longer, so that a grower the page does not show
cannot make a guard pass on nothing.

Caches: a page is read twice each time, "cold" and "warm". Before the cold read the
in-process caches of database reads are emptied (``PROCESS_CACHES``, Django's content types
and its cache), so a miss is counted as in a fresh worker; the warm read right after counts a hit.
Small and large must agree on both: the miss path is where an N+1 hides behind a cache, the
hit path is what most requests take.

``test_every_get_route_is_guarded`` enumerates the URL resolver, as the permission matrix does:
a new route that answers GET fails until it has a guard or an entry in ``EXCLUDED`` with its
reason.

Speed: the small data set is built once for the module inside a transaction rolled back at the
end; each test grows it in a savepoint of its own (pytest-django's ``db``).
"""

import importlib
import re
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import query_guard_data as g
from tests.test_permission_matrix import url_patterns, view_methods


class At(str):
    """A URL argument read from the data set by attribute path; a model instance gives its id."""


@dataclass(frozen=True)
class Guard:
    """One route read by one role: its URL arguments and query (``At`` paths or literals), the
    growers it must be constant in, and ``xfail``: where a known N+1 is."""

    name: str
    role: str
    grow: tuple
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    variant: str = ""
    shows_growth: bool = True  # False: the response does not list what the growers add
    xfail: str = ""

    @property
    def key(self):
        return f"{self.name}[{self.variant}]" if self.variant else self.name


TEAM = {"team_id": At("team")}
OPEN = {"assessment_id": At("open_assessment")}
CLOSED = {"assessment_id": At("closed_assessment")}
QUESTIONNAIRE = {"key": At("questionnaire.key"), "version": At("questionnaire.version")}
OWN = {"slug": At("org.slug"), "key": At("own.key"), "version": At("own.version")}
OWN_DRAFT = {"slug": At("org.slug"), "key": At("own_draft.key"),
             "version": At("own_draft.version")}  # fmt: skip
ANSWERING = {"assessment_id": At("answering")}  # the mini one, then the shipped one
ANSWERED = {"assessment_id": At("answered")}
QUESTIONS = (g.more_questions, g.more_my_answers)
REPORT = {"report_id": At("report")}
CAMPAIGN = {"campaign_id": At("campaign")}
ORG = {"org": At("org")}
COE = (g.more_teams, g.more_periods, g.more_events)  # what the comparison of teams reads
EXPORT = (g.more_teams, g.more_respondents)

# fmt: off
GUARDS = [
    # --- pages --------------------------------------------------------------------------------
    Guard("home", "member_a", (g.more_my_teams, g.more_teams)),
    Guard("home", "analyst", (g.more_teams,), variant="analyst"),
    Guard("team_detail", "lead_a", (g.more_respondents, g.more_periods), TEAM),
    Guard("organization_settings", "org_admin", (g.more_teams,), {"org_id": At("org")},
          shows_growth=False),
    Guard("organization_sign_in", "org_admin", (g.more_teams,), {"org_id": At("org")}),
    # SCIM provisioning (issue 21): every token and every group, with its member count and team.
    Guard("organization_provisioning", "org_admin", (g.more_scim, g.more_teams),
          {"org_id": At("org")}),
    Guard("assessment_detail", "lead_a", (g.more_respondents,), OPEN),
    Guard("assessment_detail", "member_a", (g.more_respondents, g.more_my_answers), OPEN,
          variant="member", shows_growth=False),
    Guard("assessment_detail", "lead_a", QUESTIONS, ANSWERING, variant="questions"),
    # Answering every question empties the page's list of unanswered questions (issue 16,
    # point 7), which outweighs what the answers add: the page shrinks as it fills.
    Guard("answer_page", "member_a", (g.more_respondents, g.more_periods, g.more_my_answers),
          OPEN, shows_growth=False),
    Guard("answer_page", "member_a", QUESTIONS, ANSWERING, variant="questions"),
    Guard("result_page", "lead_a", (g.more_respondents, g.more_periods), CLOSED),
    Guard("result_page", "lead_a", QUESTIONS, ANSWERED, variant="questions"),
    # Organisation admins also read every respondent's answers on it.
    Guard("result_page", "org_admin", (g.more_respondents,), CLOSED, variant="org_admin"),
    Guard("questionnaire_list", "analyst", (g.more_questionnaires,)),
    Guard("library_questionnaire_detail", "member_a", (g.more_questions,), QUESTIONNAIRE),
    Guard("library_questionnaire_detail", "member_a", (g.more_questions,), QUESTIONNAIRE,
          query={"format": "yaml"}, variant="yaml"),
    Guard("org_questionnaire_detail", "member_a", (g.more_own_questions,), OWN),
    Guard("org_questionnaire_detail", "analyst", (g.more_own_questions,), OWN,
          query={"format": "yaml"}, variant="yaml"),
    Guard("questionnaire_edit", "analyst", (g.more_own_questions,), OWN_DRAFT),
    Guard("questionnaire_review", "analyst", (g.more_own_questions,), OWN_DRAFT),
    # Organisation-wide answers, one set per period: a larger organisation costs nothing more.
    Guard("organization_practices", "analyst", (g.more_teams, g.more_periods),
          {"slug": At("org.slug")}, shows_growth=False),
    Guard("team_dora", "lead_a", (g.more_events, g.more_periods, g.more_respondents), TEAM),
    # The webhook pages (issue 20): each webhook with its last ten deliveries; every delivery
    # of one webhook, a page at a time.
    Guard("team_webhooks", "lead_a", (g.more_webhooks,), TEAM),
    Guard("organization_webhooks", "org_admin", (g.more_webhooks,), {"slug": At("org.slug")}),
    Guard("team_webhook_deliveries", "lead_a", (g.more_deliveries,),
          {**TEAM, "hook_id": At("team_webhook")}),
    Guard("organization_webhook_deliveries", "org_admin", (g.more_deliveries,),
          {"slug": At("org.slug"), "hook_id": At("org_webhook")}),
    Guard("team_value_stream", "member_a", (g.more_map_versions,), TEAM),
    Guard("value_stream_edit", "lead_a", (g.more_map_versions,), {**TEAM, "kind": "current"},
          variant="current"),
    Guard("value_stream_edit", "lead_a", (g.more_map_versions,), {**TEAM, "kind": "future"},
          variant="future"),
    # A future-state draft from the latest current-state map.
    Guard("value_stream_edit", "lead_a", (g.more_map_versions,), {**TEAM, "kind": "future"},
          query={"draft": "1"}, variant="future-draft"),
    Guard("team_roadmap", "lead_a", (g.more_items, g.more_respondents, g.more_periods), TEAM),
    Guard("portfolio", "analyst", (g.more_portfolio_reports, g.more_teams), query=ORG),
    Guard("coe_dashboard", "analyst", COE, query=ORG),
    Guard("coe_dashboard", "analyst", COE, query={**ORG, "period": g.period(-1)},
          variant="period"),
    Guard("coe_dashboard", "analyst", COE, query={**ORG, "group": At("world.g1")},
          variant="group"),
    # Each DORA view, and the 2025 comparison against another segment (issue 19).
    Guard("coe_dashboard", "analyst", COE, query={**ORG, "view": "tiers"}, variant="tiers"),
    Guard("coe_dashboard", "analyst", COE,
          query={**ORG, "view": "comparison", "segment": "org_size:1000-4999"},
          variant="comparison-segment"),
    Guard("coe_export", "analyst", COE, {"what": "comparison", "fmt": "csv"}, query=ORG,
          variant="comparison.csv"),
    Guard("coe_export", "analyst", COE, {"what": "comparison", "fmt": "xlsx"}, query=ORG,
          variant="comparison.xlsx"),
    Guard("coe_export", "analyst", EXPORT, {"what": "answers", "fmt": "csv"}, query=ORG,
          variant="answers.csv"),
    Guard("coe_export", "analyst", EXPORT, {"what": "answers", "fmt": "xlsx"}, query=ORG,
          variant="answers.xlsx"),
    # Organisation admins get respondents by name rather than pseudonyms.
    Guard("coe_export", "org_admin", EXPORT, {"what": "answers", "fmt": "csv"}, query=ORG,
          variant="answers.csv-org_admin"),
    Guard("team_history", "member_a", (g.more_periods, g.more_events), TEAM),
    Guard("report_status", "member_a", (g.more_items,), REPORT, shows_growth=False),
    Guard("campaign_list", "analyst", (g.more_campaigns, g.more_teams), query=ORG),
    Guard("notice_list", "member_a", (g.more_notices,)),
    Guard("campaign_detail", "analyst", (g.bigger_campaign, g.more_respondents), CAMPAIGN),
    Guard("campaign_close", "analyst", (g.bigger_campaign, g.more_respondents), CAMPAIGN),
    Guard("audit_log", "org_admin", (g.more_audit_entries, g.more_teams)),
    Guard("organization_people", "org_admin", (g.more_respondents, g.more_invitations),
          {"org_id": At("org")}),
    # --- API ----------------------------------------------------------------------------------
    Guard("api_teams", "member_a", (g.more_my_teams,)),
    Guard("api_teams", "analyst", (g.more_teams,), variant="analyst"),
    Guard("api_team_members", "member_a", (g.more_respondents,), TEAM),
    Guard("api_org_people", "lead_a", (g.more_respondents,), {"slug": At("org.slug")}),
    Guard("api_team_webhooks", "lead_a", (g.more_webhooks,), TEAM),
    Guard("api_team_ownership", "member_a", (g.more_ownerships,), TEAM),
    Guard("team_dora_ownership", "member_a", (g.more_ownerships,), TEAM),
    Guard("team_tokens", "lead_a", (g.more_tokens,), TEAM),
    Guard("organization_unrouted_events", "org_admin", (g.more_unrouted,),
          {"slug": At("org.slug")}),
    Guard("api_org_webhooks", "org_admin", (g.more_webhooks,), {"slug": At("org.slug")}),
    Guard("api_questionnaires", "member_a", (g.more_questionnaires,)),
    Guard("api_questionnaire", "member_a", (g.more_questions,), QUESTIONNAIRE),
    Guard("api_org_questionnaires", "analyst", (g.more_questionnaires,),
          {"slug": At("org.slug")}),
    Guard("api_org_questionnaire", "member_a", (g.more_own_questions,), OWN),
    Guard("api_org_questionnaire_diff", "analyst", (g.more_own_questions,),
          {"slug": At("org.slug"), "key": At("own.key")},
          query={"from": At("own.version"), "to": At("own_draft.version")}),
    Guard("api_assessment", "lead_a", (g.more_respondents,), OPEN, shows_growth=False),
    Guard("api_assessment", "lead_a", QUESTIONS, ANSWERING, variant="questions",
          shows_growth=False),
    Guard("api_my_response", "member_a", (g.more_my_answers,), OPEN),
    Guard("api_my_response", "member_a", QUESTIONS, ANSWERING, variant="questions"),
    Guard("api_assessment_result", "lead_a", (g.more_respondents, g.more_periods), CLOSED,
          shows_growth=False),
    Guard("api_assessment_result", "lead_a", QUESTIONS, ANSWERED, variant="questions"),
    Guard("api_dora_benchmarks", "member_a", (g.more_teams,), shows_growth=False),
    Guard("api_dora_classify", "member_a", (g.more_teams,), query={"lead_time": "30"},
          shows_growth=False),
    Guard("api_dora_quick_check", "member_a", (g.more_teams,), query={"lead_time": "30"},
          shows_growth=False),
    Guard("api_team_dora", "member_a", (g.more_events,), TEAM, shows_growth=False),
    Guard("api_value_stream_current", "member_a", (g.more_map_versions,), TEAM),
    Guard("api_value_stream_future", "member_a", (g.more_map_versions,), TEAM),
    Guard("api_value_stream_history", "member_a", (g.more_map_versions,), TEAM),
    Guard("api_comparison", "analyst", COE, query={"organization": At("org.slug")}),
    Guard("api_roadmap_report", "member_a", (g.more_items,), REPORT, shows_growth=False),
]
# fmt: on

# GET routes without a guard, each for a reason. Routes that answer POST only need no entry.
EXCLUDED_PREFIXES = {
    "admin/": "Django admin: staff only; its change lists are Django's, paginated",
    "scim/": "SCIM: an organisation's SCIM token only, no role reads it (401); its lists' "
    "query counts are pinned in tests/assessments/people/scim/test_queries.py",
}
EXCLUDED = {
    "report_download": "a file download: one report row, then the stored PDF streamed",
    "api_roadmap_report_pdf": "a file download: one report row, then the stored PDF streamed",
    "invitation_accept": "a public page behind a token: one invitation, no list",
    "questionnaire_detail": "a redirect to the owner's address of a version: one lookup",
    "organization_practices_home": "a redirect to the caller's first organisation's page",
    "healthz": "health probe: fixed checks of the database and the broker, no list",
    "ping": "the benchmark's floor: no database at all",
    "api_schema": "OpenAPI schema: generated from the code, holds no data",
    "api_docs": "Swagger UI over the schema: no data",
    "login": "Django auth form: no data",
    "logout": "Django auth view: ends the caller's session",
    "password_change": "Django auth form: the caller's own password",
    "password_change_done": "Django auth view: a confirmation page",
    "password_reset": "Django auth form: no data",
    "password_reset_done": "Django auth view: a confirmation page",
    "password_reset_confirm": "Django auth form behind a signed token: one user",
    "password_reset_complete": "Django auth view: a confirmation page",
    "notification_preferences": "the caller's own settings: three fixed kinds, one query",
    # Single sign-on: steps of signing in, before anyone is signed in; no list.
    "sso_start": "a redirect to the address's provider: one domain lookup",
    "login_code": "the code step of a password sign-in: one user, no list",
    "mfa_setup": "the caller's own second factor: their authenticators, no list",
    "openid_connect_login": "a redirect to the provider: one app",
    "openid_connect_callback": "the provider's answer: one app, one identity",
    "saml_login": "a redirect to the IdP: one app",
    "saml_acs": "the IdP's assertion: one app, one identity",
    "saml_finish_acs": "the IdP's assertion: one app, one identity",
    "saml_sls": "the IdP's logout: one app",
    "saml_metadata": "the service provider's metadata: one app",
    "socialaccount_login_cancelled": "a fixed page",
    "socialaccount_login_error": "a fixed page",
}

# In-process caches that outlive a request and hold what was read from the database (module,
# attribute holding a dict), emptied before each cold read. One that no longer exists is
# skipped: the warm read still guards. Caches of rendered markup (charts, answer cards) are
# left alone: they are keyed on data already read, so they change no count.
PROCESS_CACHES = [
    ("reports.coe.comparison", "_cache"),
    ("assessments.questionnaires.selectors", "_structure_cache"),
]


# --- the data set and the client -----------------------------------------------------------


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """tests/query_guard_data.py's small data set, built once for the module and rolled back
    after its last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield g.build()
        transaction.set_rollback(True)


# --- counting ------------------------------------------------------------------------------


def resolve(value, d):
    if isinstance(value, At):
        found = attrgetter(value)(d)
        return found.pk if isinstance(found, Model) else found
    return value


def url_of(guard, d):
    url = reverse(guard.name, kwargs={k: resolve(v, d) for k, v in guard.kwargs.items()})
    query = {k: resolve(v, d) for k, v in guard.query.items()}
    return f"{url}?{urlencode(query)}" if query else url


def forget_process_caches():
    for module, name in PROCESS_CACHES:
        cache = getattr(importlib.import_module(module), name, None)
        if cache is not None:
            cache.clear()
    ContentType.objects.clear_cache()
    django_cache.clear()  # pages kept per organisation data version (team history)


def read(web, url):
    """(the SQL of every query, the body's length) of one GET, which must answer 200."""
    with CaptureQueriesContext(connection) as ctx:
        response = web.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return [q["sql"] for q in ctx.captured_queries], len(body)


@dataclass
class Reading:
    cold: list
    warm: list
    size: int

    @property
    def counts(self):
        return {"cold": len(self.cold), "warm": len(self.warm)}


def measure(web, url):
    forget_process_caches()
    cold, size = read(web, url)
    warm, _ = read(web, url)
    return Reading(cold, warm, size)


def shape(sql):
    """A query without its literal values, so that one repeated with other ids shows as one."""
    sql = re.sub(r"\bIN \([^()]*\)", "IN (...)", sql)
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)


def repeated(small, large):
    """Queries the large data set runs more often than the small one, and how many more."""
    grew = Counter(map(shape, large)) - Counter(map(shape, small))
    return sorted(grew.items(), key=lambda item: (-item[1], item[0]))


# --- the guards ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "guard",
    [
        pytest.param(
            guard,
            id=guard.key,
            marks=[pytest.mark.xfail(strict=True, reason=guard.xfail)] if guard.xfail else [],
        )
        for guard in GUARDS
    ],
)
def test_query_count_is_constant(data, web, guard):
    d = g.grown(data)
    web.force_login(getattr(d.world, guard.role))
    small = measure(web, url_of(guard, d))
    for grow in guard.grow:
        grow(d)
    large = measure(web, url_of(guard, d))
    assert large.counts == small.counts, "\n".join(
        f"{kind} read, {n} more: {sql}"
        for kind, small_sql, large_sql in (("cold", small.cold, large.cold),
                                           ("warm", small.warm, large.warm))
        for sql, n in repeated(small_sql, large_sql)
    )  # fmt: skip
    if guard.shows_growth:
        assert large.size > small.size, "the growers added nothing this page shows"


# --- every route has a guard ---------------------------------------------------------------


def get_routes():
    """(route, name) of every URL pattern that answers GET, exclusions left out."""
    for route, name, view in url_patterns():
        if route.startswith(tuple(EXCLUDED_PREFIXES)) or name in EXCLUDED:
            continue
        methods = view_methods(view)
        if methods is None or "GET" in methods:
            yield route, name


def test_every_get_route_is_guarded():
    guarded = {guard.name for guard in GUARDS}
    assert [f"{route} ({name})" for route, name in get_routes() if name not in guarded] == []


def test_guards_and_exclusions_name_existing_get_routes():
    routes = {name: view for _, name, view in url_patterns()}

    def answers_get(name):
        methods = view_methods(routes[name]) if name in routes else set()
        return methods is None or "GET" in methods

    wrong = [f"{guard.key}: no route of that name answers GET" for guard in GUARDS
             if not answers_get(guard.name)]  # fmt: skip
    wrong += [f"{guard.key}: both guarded and excluded" for guard in GUARDS
              if guard.name in EXCLUDED]  # fmt: skip
    wrong += [f"{name}: excluded, but no route of that name answers GET" for name in EXCLUDED
              if not answers_get(name)]  # fmt: skip
    wrong += [f"{key}: twice" for key, n in Counter(guard.key for guard in GUARDS).items() if n > 1]
    assert wrong == []

"""Issue "Trust": login brute-force protection (django-axes), the Content Security Policy
(django-csp), request size limits and the audit trail (django-auditlog) with its page.
Issue "Hardening": nothing a logged-in user receives is cached, and download file names are
safe whatever the names they are made of."""

import datetime as dt
import re
from pathlib import Path

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from assessments.maturity import services
from assessments.models import Answer, Membership, Response, Result
from reports.models import RoadmapItem, RoadmapReport
from reports.pdf import services as report_services
from reports.roadmap import services as roadmap_services
from tests.conftest import ALL_LEVELS
from tests.factories import TeamGroupFactory, UserFactory
from vsm_site.http import MAX_FILENAME_STEM, attachment_header, download_filename
from vsm_site.settings import _forwarded_client_ip

ROOT = Path(__file__).resolve().parent.parent
LOGIN_URL = "/accounts/login/"
PASSWORD = "correct horse battery staple"
HTMX = {"HTTP_HX_REQUEST": "true"}
CREATE, UPDATE, DELETE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE, LogEntry.Action.DELETE


# --- brute-force protection ---------------------------------------------------------------

axes_on = override_settings(AXES_ENABLED=True)


@pytest.fixture
def jane(db):
    user = UserFactory(username="jane")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, password, username="jane", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def fail(client, times, **extra):
    return [log_in(client, "wrong", **extra).status_code for _ in range(times)]


@axes_on
def test_login_locked_after_five_failures_even_with_right_password(jane, client):
    assert fail(client, 4) == [200, 200, 200, 200]
    fifth = log_in(client, "wrong")
    assert fifth.status_code == 429
    right = log_in(client, PASSWORD)
    assert right.status_code == 429
    html = right.content.decode()
    assert '<h1 class="h3 mb-3">Too many log-in attempts</h1>' in html
    assert 'name="password"' not in html  # the lockout page, not the login form again
    assert "After 5 wrong passwords for <strong>jane</strong>" in html
    assert "Please wait <strong>30 minutes</strong> after your last attempt" in html
    assert "Your organisation admin can help" in html
    assert "_auth_user_id" not in client.session


@axes_on
def test_lockout_is_per_username_and_address(jane, client):
    UserFactory(username="joe")
    fail(client, 5)
    assert log_in(client, PASSWORD).status_code == 429
    # jane from another address, and another user from the same address, are not locked
    assert log_in(client, PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 302
    client.logout()
    assert log_in(client, "wrong", username="joe").status_code == 200
    assert log_in(client, PASSWORD).status_code == 429  # jane from here: still locked


@axes_on
def test_lockout_lifts_after_cool_off(jane, client):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=29))
    assert log_in(client, PASSWORD).status_code == 429  # and the attempt restarted the wait
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(jane.pk)


@axes_on
def test_successful_login_resets_failure_count(jane, client):
    assert fail(client, 4) == [200, 200, 200, 200]
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    assert fail(client, 4) == [200, 200, 200, 200]  # counted from zero again
    assert log_in(client, PASSWORD).status_code == 302


@axes_on
@override_settings(AXES_CLIENT_IP_CALLABLE=_forwarded_client_ip)
def test_behind_proxy_the_address_is_the_proxys_x_forwarded_for_entry(jane, client):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    fail(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    # a forged entry to the left of the one the proxy appended changes nothing
    forged = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)
    assert forged.status_code == 429
    other_client = log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert other_client.status_code == 302


def test_axes_settings():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# --- Content Security Policy and templates -----------------------------------------------

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def directives(header):
    """The policy as {directive: sources} (django-csp writes directives in no fixed order)."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_csp_header_on_html_page(world, client):
    client.force_login(world.member_a)
    response = client.get("/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy == EXPECTED_CSP
    script_src = policy["script-src"]
    assert script_src == "'self'"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_csp_header_on_login_and_error_pages(client, db):
    assert directives(client.get(LOGIN_URL)["Content-Security-Policy"]) == EXPECTED_CSP
    missing = client.get("/no-such-page/")
    assert directives(missing["Content-Security-Policy"]) == EXPECTED_CSP


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"javascript:|\bhx-on", re.IGNORECASE)


def test_no_template_has_inline_script_or_event_handler():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 40
    offending = []
    for path in templates:
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, SCRIPT_URL):
            offending += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offending == []


def test_api_docs_load_their_init_script_as_a_separate_request(client, db):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<script src="/api/docs/?script="></script>' in html
    assert INLINE_SCRIPT.findall(html) == []
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle(" in script.content.decode()


def test_too_many_form_fields_refused(client, db):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000
    fields = {f"f{i}": "x" for i in range(1001)}
    assert client.post(LOGIN_URL, fields).status_code == 400


# --- audit trail: writing -----------------------------------------------------------------


@pytest.fixture
def world(world):
    """conftest's world, without the audit entries its own memberships wrote (no actor), so
    that each test's lists of entries are exact."""
    LogEntry.objects.all().delete()
    return world


def entries(model, **filters):
    return list(LogEntry.objects.get_for_model(model).filter(**filters).order_by("id"))


def save_url(assessment, key):
    return f"/assessments/{assessment.id}/answer/{key}/"


def test_saving_answers_records_each_answer_with_its_author(world, open_assessment, client):
    client.force_login(world.member_a)
    url = save_url(open_assessment, "flow-wip")
    client.post(url, {"level": "3"}, **HTMX)
    client.post(url, {"level": "4", "comment": "WIP limits"}, **HTMX)
    client.post(url, {"level": "4", "comment": "WIP limits"}, **HTMX)  # no change: no entry
    answer = Answer.objects.get()
    logged = entries(Answer, object_id=answer.id)
    assert [(e.action, e.actor) for e in logged] == [
        (CREATE, world.member_a),
        (UPDATE, world.member_a),
    ]
    assert logged[0].changes_dict["level"] == ["None", "3"]
    assert logged[1].changes_dict == {"level": ["3", "4"], "comment": ["", "WIP limits"]}


def test_submitting_records_the_response_status_change(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    with set_actor(world.member_a):
        response = services.submit_response(world.member_a, open_assessment)
    logged = entries(Response, object_id=response.id)
    assert [(e.action, e.actor) for e in logged][-1] == (UPDATE, world.member_a)
    assert logged[-1].changes_dict["status"] == ["draft", "submitted"]


def test_closing_records_the_result_with_the_lead(world, open_assessment, client):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    client.force_login(world.lead_a)
    client.post(f"/assessments/{open_assessment.id}/close/")
    result = Result.objects.get()
    (logged,) = entries(Result)
    assert (logged.action, logged.actor, logged.object_id) == (CREATE, world.lead_a, result.id)
    assert logged.changes_dict["overall_level"] == ["None", str(result.overall_level)]
    assert "data" not in logged.changes_dict  # frozen numbers, not the whole document


def test_review_mark_recorded(world, open_assessment, client):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    result = services.close_assessment(world.lead_a, open_assessment)
    client.force_login(world.analyst)
    client.post(f"/results/{result.id}/review/", {"note": "Looked at it."})
    logged = entries(Result, action=UPDATE)
    assert [(e.actor, e.changes_dict["review_note"]) for e in logged] == [
        (world.analyst, ["", "Looked at it."])
    ]


def test_editing_a_roadmap_item_records_the_lead(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    result = services.close_assessment(world.lead_a, open_assessment)
    item = roadmap_services.generate_roadmap(result).items.first()
    old_phase = item.phase
    new_phase = "later" if old_phase != "later" else "now"
    with set_actor(world.lead_a):  # what the middleware does for a request
        roadmap_services.update_item(world.lead_a, item, phase=new_phase, done=True)
    (logged,) = entries(RoadmapItem, object_id=item.id)
    assert (logged.action, logged.actor) == (UPDATE, world.lead_a)
    assert logged.changes_dict == {
        "phase": [old_phase, new_phase],
        "done": ["False", "True"],
        "edited": ["False", "True"],
    }


@pytest.fixture
def outsider_everywhere(world):
    """``outsider`` made a person of both organisations, so that teams of either take them."""
    from assessments.people.services import add_person

    add_person(world.org, world.outsider)
    add_person(world.other, world.outsider)
    return world.outsider


def test_adding_a_member_by_api_token_records_the_admin(world, outsider_everywhere, api_client):
    token = Token.objects.create(user=world.org_admin)
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/members/",
        {"username": "outsider", "role": "member"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201
    membership = Membership.objects.get(user=world.outsider)
    (logged,) = entries(Membership, object_id=membership.id)
    assert (logged.action, logged.actor, logged.remote_addr) == (
        CREATE,
        world.org_admin,
        "127.0.0.1",
    )
    assert logged.serialized_data["fields"] == {
        "team": world.team_a.id,
        "user": world.outsider.id,
        "role": "member",
    }


def test_adding_a_member_by_service_records_the_actor(world, outsider_everywhere):
    with set_actor(world.org_admin):
        services.add_member(world.team_b, "outsider", Membership.LEAD)
    (logged,) = entries(Membership)
    assert (logged.action, logged.actor) == (CREATE, world.org_admin)


# --- audit trail: the page ----------------------------------------------------------------


def acme_and_other_changes(world):
    """One membership change in each organisation, and a removal in Acme."""
    with set_actor(world.org_admin):
        services.add_member(world.team_a, "outsider")
        services.remove_member(world.team_a, "outsider")
    with set_actor(world.other_admin):
        services.add_member(world.other_team, "outsider")


def listed(response):
    return [
        (row["team"], row["what"], row["entry"].get_action_display(), str(row["entry"].actor))
        for row in response.context["rows"]
    ]


def test_audit_page_lists_the_admins_organisation_only(world, outsider_everywhere, client):
    acme_and_other_changes(world)
    client.force_login(world.org_admin)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert listed(response) == [
        ("Team A", "Memberships", "delete", "org_admin"),
        ("Team A", "Memberships", "create", "org_admin"),
    ]
    removal = response.context["rows"][0]
    assert removal["entry"].object_repr == "outsider in Team A (member)"
    assert removal["changes"] == [("Role", ["member", "—"]), ("User", ["outsider", "—"])]
    client.force_login(world.other_admin)
    assert listed(client.get("/audit/")) == [("Other Team", "Memberships", "create", "other_admin")]


def test_audit_page_for_superuser_lists_everything(world, outsider_everywhere, client):
    acme_and_other_changes(world)
    client.force_login(world.superuser)
    assert [team for team, *_ in listed(client.get("/audit/"))] == [
        "Other Team",
        "Team A",
        "Team A",
    ]


@pytest.mark.parametrize("who", ["member_a", "lead_a", "member_b", "analyst", "outsider"])
def test_audit_page_forbidden_for_everyone_else(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get("/audit/").status_code == 403


def test_audit_page_asks_anonymous_visitors_to_log_in(client, db):
    response = client.get("/audit/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/audit/")


def test_audit_link_in_nav_for_admins_only(world, client):
    link = '<a class="nav-link" href="/audit/">Audit trail</a>'
    client.force_login(world.org_admin)
    assert link in client.get("/").content.decode()
    client.force_login(world.analyst)
    assert link not in client.get("/").content.decode()


def test_audit_page_filters_by_team_and_model(world, outsider_everywhere, open_assessment, client):
    with set_actor(world.org_admin):
        services.add_member(world.team_a, "outsider")
        services.add_member(world.team_b, "outsider")
    services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 2})  # a response
    client.force_login(world.org_admin)
    by_team = client.get(f"/audit/?team={world.team_b.id}")
    assert [(team, what) for team, what, *_ in listed(by_team)] == [("Team B", "Memberships")]
    by_model = client.get("/audit/?model=response")
    assert [row["what"] for row in by_model.context["rows"]] == ["Responses"]
    # another organisation's team id is no filter at all for this admin: it is ignored
    foreign = client.get(f"/audit/?team={world.other_team.id}&model=membership")
    assert [team for team, *_ in listed(foreign)] == ["Team B", "Team A"]


def test_audit_page_paginates_fifty_newest_first(
    world, outsider_everywhere, client, django_assert_num_queries
):
    with set_actor(world.org_admin):
        services.add_member(world.team_a, "outsider")
        for n in range(50):
            services.add_member(world.team_a, "outsider", ("lead", "member")[n % 2])
    newest = LogEntry.objects.latest("id")
    client.force_login(world.org_admin)
    client.get("/audit/")  # content types are cached from here on, as in a running server
    # session, user, roles, teams, team ids, count, page, team names of the page, and the
    # unread-notice count of the navigation
    with django_assert_num_queries(9):
        first = client.get("/audit/")
    assert len(first.context["rows"]) == 50
    assert first.context["rows"][0]["entry"] == newest
    assert first.context["page"].paginator.num_pages == 2
    assert '<a class="page-link" href="?page=2">Older</a>' in first.content.decode()
    second = client.get("/audit/?page=2")
    ((row,),) = [second.context["rows"]]
    assert (row["entry"].action, row["entry"].changes_dict["role"]) == (CREATE, ["None", "member"])


# --- caching: nothing a user sees is kept by a browser or a proxy -------------------------

NEVER_CACHE = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}
HOSTILE_GROUP = 'a"; b\r\nX: y/../é'


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def ready_portfolio(world, tmp_path, settings, group=None):
    """A portfolio PDF of Acme, ready as the worker would leave it, without rendering."""
    settings.MEDIA_ROOT = tmp_path
    report, _ = report_services.request_portfolio_report(world.analyst, world.org, group=group)
    report.file.save("portfolio.pdf", ContentFile(b"%PDF-1.4\n% portfolio\n"), save=False)
    report.status = RoadmapReport.READY
    report.finished_at = timezone.now()
    report.save()
    return report


def test_page_for_a_logged_in_user_is_never_cached(world, client):
    client.force_login(world.member_a)
    response = client.get("/")
    assert response.status_code == 200
    assert cache_control(response) == NEVER_CACHE


def test_redirect_for_a_logged_in_user_is_never_cached(world, client):
    client.force_login(world.analyst)
    response = client.get("/coe/export/comparison.csv?group=999999")  # no such group
    assert (response.status_code, response["Location"]) == (302, "/coe/")
    assert cache_control(response) == NEVER_CACHE


def test_api_answer_for_a_token_user_is_never_cached(world, api_client):
    token = Token.objects.create(user=world.member_a)
    response = api_client.get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert cache_control(response) == NEVER_CACHE


def test_api_answer_for_a_user_without_cookie_or_header_is_never_cached(world, api_client):
    api_client.force_authenticate(world.member_a)  # authenticated inside the view only
    response = api_client.get("/api/v1/teams/")
    assert response.status_code == 200
    assert cache_control(response) == NEVER_CACHE


def test_pdf_download_is_never_cached(world, client, settings, tmp_path):
    report = ready_portfolio(world, tmp_path, settings)
    client.force_login(world.analyst)
    for url in (f"/reports/{report.id}/download/", f"/api/v1/roadmap-reports/{report.id}/pdf/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4\n% portfolio\n"
        assert response["Content-Disposition"] == 'attachment; filename="portfolio-acme-latest.pdf"'
        assert cache_control(response) == NEVER_CACHE


@pytest.mark.parametrize("path", ["comparison.csv", "comparison.xlsx", "answers.csv"])
def test_export_is_never_cached(world, client, path):
    client.force_login(world.analyst)
    response = client.get(f"/coe/export/{path}?period=2026-Q4")
    assert response.status_code == 200
    what, fmt = path.split(".")
    assert response["Content-Disposition"] == f'attachment; filename="{what}-acme-2026-q4.{fmt}"'
    assert cache_control(response) == NEVER_CACHE


def test_anonymous_responses_are_left_as_django_makes_them(client, db):
    assert client.get("/ping").has_header("Cache-Control") is False
    # the login page is never cached by Django itself
    assert "no-store" in cache_control(client.get(LOGIN_URL))


def test_static_files_stay_cacheable_for_a_logged_in_user(world, client):
    client.force_login(world.member_a)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in cache_control(response)
    assert "private" not in cache_control(response)


# --- download file names -------------------------------------------------------------------

SAFE_NAME = re.compile(r"[a-z0-9_]+(-[a-z0-9_]+)*\.(csv|xlsx|pdf|yaml)")
SAFE_PART = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
EXTENSIONS = st.sampled_from(["csv", "xlsx", "pdf", "yaml"])


@given(st.lists(st.text(), max_size=6), EXTENSIONS)
def test_download_filename_of_any_text_is_a_safe_ascii_name(parts, ext):
    name = download_filename(*parts, ext=ext)
    assert SAFE_NAME.fullmatch(name), name
    assert name.endswith(f".{ext}")
    assert len(name.removesuffix(f".{ext}")) <= MAX_FILENAME_STEM
    assert attachment_header(name) == f'attachment; filename="{name}"'
    # a safe name is its own safe name
    assert download_filename(name.removesuffix(f".{ext}"), ext=ext) == name


@given(st.lists(SAFE_PART, min_size=1, max_size=3), EXTENSIONS)
def test_download_filename_keeps_safe_parts_as_they_are(parts, ext):
    assert download_filename(*parts, ext=ext) == "-".join(parts) + f".{ext}"


def test_download_filename_examples():
    assert download_filename(HOSTILE_GROUP, ext="csv") == "a-b-x-y-e.csv"
    assert download_filename("Team A", "2026-Q4", ext="pdf") == "team-a-2026-q4.pdf"
    assert download_filename("", "—", "日本", ext="yaml") == "download.yaml"
    assert download_filename("x" * 500, ext="csv") == "x" * 100 + ".csv"
    # cut at the limit, and never left ending in a separator
    assert download_filename("abc-" * 50, ext="csv") == ("abc-" * 25)[:-1] + ".csv"
    with pytest.raises(ValueError):
        download_filename("a", ext="../csv")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("comparison.csv", "comparison-a-b-x-y-e-latest.csv"),
        ("comparison.xlsx", "comparison-a-b-x-y-e-latest.xlsx"),
        ("answers.csv", "answers-a-b-x-y-e-latest.csv"),
    ],
)
def test_export_of_a_group_with_a_hostile_name_has_a_safe_file_name(world, client, path, name):
    group = TeamGroupFactory(organization=world.org, name=HOSTILE_GROUP)
    client.force_login(world.analyst)
    response = client.get(f"/coe/export/{path}?group={group.id}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'


def test_portfolio_of_a_group_with_a_hostile_name_has_a_safe_file_name(
    world, client, settings, tmp_path
):
    group = TeamGroupFactory(organization=world.org, name=HOSTILE_GROUP)
    report = ready_portfolio(world, tmp_path, settings, group=group)
    assert report_services.report_filename(report) == "portfolio-a-b-x-y-e-latest.pdf"
    client.force_login(world.analyst)
    response = client.get(f"/reports/{report.id}/download/")
    assert (
        response["Content-Disposition"] == 'attachment; filename="portfolio-a-b-x-y-e-latest.pdf"'
    )

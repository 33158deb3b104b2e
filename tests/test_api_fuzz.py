"""Schemathesis against /api/schema/: every operation, a bounded and deterministic number of
generated requests each (plus Schemathesis's coverage cases), as a team lead whose team has data
behind every endpoint; the operations only organisation admins use also as one. Every answer
must be no 5xx and match the schema: a documented status code, content type and body.

Run alone with ``pytest -m fuzz``. A failure prints the request to reproduce it; an error
answer that the code gives on purpose is fixed in the operation's ``extend_schema`` (see
``assessments.people.team_api.error_responses``), never by loosening the checks here."""

import hashlib

import hypothesis
import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments.dora import ingest
from assessments.dora import services as dora_services
from assessments.maturity import services
from assessments.models import ScimToken
from assessments.valuestream import services as valuestream_services
from reports.models import RoadmapReport
from reports.roadmap import services as roadmap_services
from tests.conftest import ALL_LEVELS
from tests.factories import ScimGroupFactory

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Not vsm_site.wsgi: it refuses to start with the development SECRET_KEY and DEBUG off, which
# is how the test suite runs.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

STAGES = [
    {"name": "Plan", "process_time_hours": 2, "wait_time_hours": 10, "activities": ["triage"]},
    {"name": "Build", "process_time_hours": 6, "wait_time_hours": 20, "handoff": True},
    {"name": "Release", "process_time_hours": 1, "wait_time_hours": 30, "pain_points": ["delay"]},
]


@pytest.fixture
def team_data(world, mini, settings, tmp_path):
    """Team A with a closed mini result (2026-Q4) and its roadmap, a ready roadmap PDF, an open
    assessment (2027-Q1), events, a manual DORA entry and both value stream maps. Returns the
    values that generated ones are mapped onto (see `aim`)."""
    settings.MEDIA_ROOT = tmp_path
    team = world.team_a
    closed = services.open_assessment(world.lead_a, team, "2026-Q4", "mini")
    for user in (world.member_a, world.lead_a):
        services.save_answers(user, closed, answers=ALL_LEVELS)
        services.submit_response(user, closed)
    result = services.close_assessment(world.lead_a, closed)
    roadmap_services.generate_roadmap(result)
    pdf = b"%PDF-1.4\n% fuzz fixture\n"
    report = RoadmapReport.objects.create(
        team=team, result=result, organization=world.org, period=result.period,
        requested_by=world.lead_a, status=RoadmapReport.READY,
        checksum=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf),
    )  # fmt: skip
    report.file.save("roadmap.pdf", ContentFile(pdf))
    opened = services.open_assessment(world.lead_a, team, "2027-Q1", "mini")
    services.save_answers(world.member_a, opened, answers=ALL_LEVELS)
    services.submit_response(world.member_a, opened)  # so that closing it can succeed
    ingest.ingest_rows(team, ingest.DEPLOYMENTS, [
        {"external_id": "d-1", "finished_at": "2026-11-02T10:00:00Z", "caused_failure": True,
         "changes": [{"id": "c-1", "first_commit_at": "2026-11-01T10:00:00Z"}]},
        {"external_id": "d-2", "finished_at": "2026-11-09T10:00:00Z"},
    ])  # fmt: skip
    ingest.ingest_rows(team, ingest.INCIDENTS, [
        {"external_id": "i-1", "started_at": "2026-11-02T11:00:00Z",
         "resolved_at": "2026-11-02T15:00:00Z", "deployment_external_id": "d-1"},
    ])  # fmt: skip
    dora_services.save_entry(world.lead_a, team, "2026-Q4", {"lead_time": 30, "rework_rate": 5})
    valuestream_services.save_map(world.lead_a, team, "current", STAGES)
    valuestream_services.save_map(world.lead_a, team, "future", STAGES[:2])
    # None keeps the generated value, which mostly finds nothing (404) or is refused (400).
    return {
        "path": {
            "team_id": [team.id, team.id, world.other_team.id, None],
            "assessment_id": [opened.id, closed.id, None],
            "report_id": [report.id, report.id, None],
            "key": ["mini", None],
            "version": [1, 1, None],
            "username": ["member_a", "lead_a", None],
            "period": ["2026-Q4", "2027-Q1", None],
        },
        "body": {
            "team": [team.id, None],
            "questionnaire": ["mini", None],
            "period": ["2027-Q2", "2026-Q4", None],
            "username": ["outsider", "member_a", None],
        },
    }


@pytest.fixture
def auth(world):
    """Authorization headers of team A's lead and of the organisation admin."""
    return {
        who: {"Authorization": f"Token {Token.objects.create(user=getattr(world, who)).key}"}
        for who in ("lead_a", "org_admin")
    }


@pytest.fixture
def in_process_wsgi():
    """Requests go straight to Django's WSGI handler, inside the test's transaction: unlike
    Django's test client, the bare handler closes the database connection at the end of each
    request (close_old_connections), which would end that transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _aimed(value, choices):
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    chosen = choices[(value if isinstance(value, int) else len(value)) % len(choices)]
    return value if chosen is None else chosen


def aim(case, targets):
    """Point most generated ids at the fixture's objects, deterministically: the choice follows
    from the generated value, so a derandomized run is the same every time. Values of the
    wrong type (negative cases) are left alone."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in targets["path"]:
            case.path_parameters[name] = _aimed(value, targets["path"][name])
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in targets["body"]:
                case.body[name] = _aimed(value, targets["body"][name])


OPERATIONS = [result.ok() for result in schema.get_all_operations()]
PATH_VALUES = {"key": "mini", "version": 1, "username": "member_a", "period": "2026-Q4"}


@pytest.mark.fuzz
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_api_operation_without_credentials_401(db, in_process_wsgi, operation):
    names = [p.name for p in operation.path_parameters]
    case = operation.Case(path_parameters={name: PATH_VALUES.get(name, 1) for name in names})
    response = case.call()
    assert response.status_code == 401
    case.validate_response(response, checks=CHECKS)


FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.fuzz
@schema.exclude(path_regex=r"^/scim/").parametrize()
@FUZZ_SETTINGS
def test_api_operation_conforms_to_schema(case, team_data, auth, in_process_wsgi):
    aim(case, team_data)
    case.call_and_validate(headers=auth["lead_a"], checks=CHECKS)


# A lead is refused these (403); an organisation admin gets through to the code behind them.
@pytest.mark.fuzz
@schema.include(path_regex=r"/(comparison|members)/").parametrize()
@FUZZ_SETTINGS
def test_api_admin_operation_conforms_to_schema(case, team_data, auth, in_process_wsgi):
    aim(case, team_data)
    case.call_and_validate(headers=auth["org_admin"], checks=CHECKS)


# SCIM (/scim/v2/, docs/scim.md) takes only an organisation's SCIM token: the tests above get
# its 401 without credentials; here Acme's identity provider calls it, on Acme's people and a
# group mapped to team A, and on Other Corp's person (404).
@pytest.fixture
def scim(world):
    _, key = ScimToken.issue(world.org)
    group = ScimGroupFactory(organization=world.org, team=world.team_a)
    group.members.add(world.member_b)
    users = [world.member_a.pk, world.member_b.pk, world.other_member.pk]
    return {
        "auth": {"Authorization": f"Bearer {key}"},
        "targets": {
            "path": {
                "user_id": [*users, None],
                "group_id": [group.pk, group.pk, None],
                "name": ["User", "Group", None],
                "urn": ["urn:ietf:params:scim:schemas:core:2.0:User", None],
            },
            "body": {},
        },
    }


@pytest.mark.fuzz
@schema.include(path_regex=r"^/scim/").parametrize()
@FUZZ_SETTINGS
def test_scim_operation_conforms_to_schema(case, scim, in_process_wsgi):
    aim(case, scim["targets"])
    case.call_and_validate(headers=scim["auth"], checks=CHECKS)

"""The API's request schemas and its checks agree (issue 17).

Every request body and query of the API is a serializer whose declared limits come from the
constants of the rule that enforces them (vsm_site.api.RequestSerializer). These tests walk
every such serializer, collect each limit it declares (a maximum, a minimum, a length, a
number of items, a pattern) and check, for each one, that:

- /api/schema/ declares the same limit at the same place;
- the endpoint accepts a request holding a value exactly at the limit;
- it refuses, with 400, the same request with a value just past it;
- where the serializer's ``check`` is the domain's validator (validate_stages, the entry and
  survey rules, parse_period...), that validator alone draws the same line, so the refusal
  is the rule's and not only the declaration's.

``ENDPOINTS`` names, per serializer, how to send a request that is valid as it stands. A
request body in the schema that no entry covers fails ``test_every_request_body_is_covered``,
so a new endpoint cannot skip these checks.
"""

import copy
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

import pytest
from django.core.validators import RegexValidator
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from assessments.dora import api as dora_api
from assessments.dora import events_api, ownership_api, webhooks_api
from assessments.maturity import api as maturity_api
from assessments.models import OrganizationMember, ValueStreamMap
from assessments.people import api as people_api
from assessments.people import team_api
from assessments.questionnaires import api as questionnaires_api
from assessments.questionnaires import services as questionnaire_services
from assessments.valuestream import api as valuestream_api
from assessments.valuestream import rules as valuestream
from reports.coe import api as coe_api
from tests.factories import UserFactory, mini_questionnaire_yaml
from vsm_site.api import RequestSerializer, ServiceChecked, exception_handler
from vsm_site.domain_errors import Invalid

TIME = "2026-03-02T10:00:00Z"
EARLIER = "2026-03-01T10:00:00Z"


@dataclass(frozen=True)
class Endpoint:
    """How to send a valid request with a serializer's input. ``url`` is the schema's path
    (filled with team A, the ``setup`` result's id, acme, mini and 2026-Q4); ``base`` returns
    the body (or the query) as a function of the ``world`` and the ``setup`` result; ``wrap``
    turns it into what is sent (the events API takes a list of rows). In a path, ``*`` stands
    for the first item of a list or for ``key`` in an object of keys (question or dimension
    keys)."""

    serializer: type
    who: str
    method: str
    url: str
    base: object
    component: str | None = None  # the request body's schema component; None: a query
    key: str = ""
    wrap: object = None
    setup: object = None


def _stage(i=0, **extra):
    return {"name": f"Stage {i}", "process_time_hours": 1, "wait_time_hours": 2, **extra}


def _open_assessment(world, mini):
    from assessments.maturity import services

    return services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")


def _own_questionnaire(world, mini):
    questionnaire_services.load_questionnaire(mini_questionnaire_yaml(), world.org)


def _pagerduty_webhook(world, mini):
    from assessments.dora import webhook_services

    return webhook_services.create_webhook(provider="pagerduty", team=world.team_a)[0]


def _long_username_member(world, mini):
    user = UserFactory(username="u" * 150)
    OrganizationMember.objects.create(organization=world.org, user=user)


ENDPOINTS = [
    Endpoint(
        valuestream_api.MapIn, "lead_a", "put",
        "/api/v1/teams/{team_id}/value-stream-maps/current/",
        lambda w, s: {"note": "", "stages": [_stage(
            activities=["Code"], pain_points=[{"kind": "delay", "note": "n"}],
            planned_changes=[{"kind": "automate", "note": "n"}], people=3, position=1,
        )]},
        component="MapIn",
    ),
    Endpoint(
        ownership_api.OwnershipIn, "lead_a", "post", "/api/v1/teams/{team_id}/ownership/",
        lambda w, s: {"kind": "service", "value": "checkout"}, component="OwnershipIn",
    ),
    Endpoint(
        webhooks_api.WebhookIn, "lead_a", "post", "/api/v1/teams/{team_id}/webhooks/",
        lambda w, s: {"provider": "github", "environment": "production",
                      "deploy_workflow": "Deploy*", "secret_header": "X-Secret"},
        component="WebhookIn",
    ),
    Endpoint(
        webhooks_api.ProviderSecretIn, "lead_a", "put",
        "/api/v1/teams/{team_id}/webhooks/{hook_id}/secret/",
        lambda w, s: {"secret": "made-by-pagerduty"}, component="ProviderSecretIn",
        setup=_pagerduty_webhook,
    ),
    Endpoint(
        dora_api.EntryIn, "lead_a", "put", "/api/v1/teams/{team_id}/dora/entries/{period}/",
        lambda w, s: {"lead_time": 5}, component="EntryIn",
    ),
    Endpoint(
        maturity_api.ResponseSaveSerializer, "member_a", "put",
        "/api/v1/assessments/{assessment_id}/responses/me/",
        lambda w, s: {"answers": {"flow-wip": 3}, "comments": {"flow-wip": "c"},
                      "evidence": {"flow-wip": ""}, "dora": {"change_failure_rate": 5}},
        component="ResponseSave", key="flow-wip", setup=_open_assessment,
    ),
    Endpoint(
        maturity_api.TargetsIn, "lead_a", "put", "/api/v1/assessments/{assessment_id}/targets/",
        lambda w, s: {"targets": {"flow": 3}}, component="Targets", key="flow",
        setup=_open_assessment,
    ),
    Endpoint(
        maturity_api.AssessmentCreateSerializer, "lead_a", "post", "/api/v1/assessments/",
        lambda w, s: {"team": w.team_a.id, "questionnaire": "mini", "period": "2027-Q1"},
        component="AssessmentCreate",
    ),
    Endpoint(
        team_api.MemberSerializer, "org_admin", "post", "/api/v1/teams/{team_id}/members/",
        lambda w, s: {"username": "member_b", "role": "member"}, component="Member",
        setup=_long_username_member,
    ),
    Endpoint(
        people_api.InvitationIn, "org_admin", "post", "/api/v1/organizations/{slug}/invitations/",
        lambda w, s: {"email": "new@example.com"}, component="InvitationIn",
    ),
    Endpoint(
        events_api.DeploymentEventIn, "lead_a", "post", "/api/v1/teams/{team_id}/deployments/",
        lambda w, s: {"external_id": "d-1", "finished_at": TIME,
                      "changes": [{"id": "c-1", "first_commit_at": EARLIER}]},
        component="DeploymentEventIn", wrap=lambda row: [row],
    ),
    Endpoint(
        events_api.IncidentEventIn, "lead_a", "post", "/api/v1/teams/{team_id}/incidents/",
        lambda w, s: {"external_id": "i-1", "started_at": TIME},
        component="IncidentEventIn", wrap=lambda row: [row],
    ),
    Endpoint(
        dora_api.ClassifyQuery, "member_a", "get", "/api/v1/dora/classify/",
        lambda w, s: {"lead_time": 5},
    ),
    Endpoint(
        dora_api.QuickCheckQuery, "member_a", "get", "/api/v1/dora/quick-check/",
        lambda w, s: {"lead_time": 5, "industry": "retail"},
    ),
    Endpoint(
        dora_api.TeamDoraQuery, "member_a", "get", "/api/v1/teams/{team_id}/dora/",
        lambda w, s: {"window_days": 30},
    ),
    Endpoint(
        questionnaires_api.DiffQuery, "analyst", "get",
        "/api/v1/organizations/{slug}/questionnaires/{key}/diff/",
        lambda w, s: {"from": 1, "to": 1}, setup=_own_questionnaire,
    ),
    Endpoint(coe_api.ComparisonQuery, "analyst", "get", "/api/v1/comparison/",
             lambda w, s: {"period": "2026-Q4"}),
]  # fmt: skip

# A list's n-th item, to fill it up to (and past) its length.
ITEMS = {
    ("stages",): lambda i: _stage(i),
    ("stages", "*", "activities"): lambda i: f"Activity {i}",
    ("stages", "*", "pain_points"): lambda i: "delay",
    ("stages", "*", "planned_changes"): lambda i: "automate",
    ("changes",): lambda i: {"id": f"c-{i}", "first_commit_at": EARLIER},
}


def _email(length):
    """A valid address of ``length`` characters (labels of at most 63)."""
    local, tld = "a@", ".com"
    labels, left = [], length - len(local) - len(tld)
    while left > 0:
        size = min(63, left if len(labels) == 0 else left - 1)
        labels.append("b" * size)
        left -= size + (1 if len(labels) > 1 else 0)
    return local + ".".join(labels) + tld


# A text of n characters that is valid but for its length, where "x" * n would not be.
TEXTS = {
    ("period",): lambda n: ("2027-Q2" + "x" * n)[:n],
    ("email",): _email,
    ("username",): lambda n: "u" * n,
    ("evidence", "*"): lambda n: ("https://" + "x" * n)[:n],
}
# A value matching a declared pattern, and one that does not.
PATTERNS = {
    ("period",): ("2027-Q2", "2027-Q5"),
    ("questionnaire",): ("mini", "mini maturity"),
    ("evidence", "*"): ("https://example.com/x", "ftp://example.com/x"),
}


@dataclass(frozen=True)
class Limit:
    endpoint: Endpoint
    path: tuple
    kind: str  # max_length, min_length, max_value, min_value, pattern
    value: object
    items: bool = False  # a number of items (list), not of characters

    @property
    def id(self):
        return f"{self.endpoint.serializer.__name__}.{'.'.join(self.path)}:{self.kind}"


def _declared(field_or_serializer, path=()):
    """(path, kind, value, items) of every limit a serializer declares, nested ones too."""
    node = field_or_serializer
    if isinstance(node, ServiceChecked):
        node = node.like
    if isinstance(node, serializers.Serializer):
        for name, child in node.fields.items():
            yield from _declared(child, (*path, name))
        return
    if isinstance(node, valuestream_api.MarkIn):
        yield (*path, "note"), "max_length", node.max_note_length, False
        return
    if isinstance(node, serializers.ListField | serializers.DictField):
        if isinstance(node, serializers.ListField):
            for kind in ("max_length", "min_length"):
                if getattr(node, kind, None) is not None:
                    yield path, kind, getattr(node, kind), True
        yield from _declared(node.child, (*path, "*"))
        return
    for kind in ("max_length", "min_length", "max_value", "min_value"):
        if getattr(node, kind, None) is not None:
            yield path, kind, getattr(node, kind), False
    for validator in node.validators:
        if isinstance(validator, RegexValidator):
            # as drf-spectacular writes it: ECMA anchors
            pattern = validator.regex.pattern.replace(r"\Z", "$").replace(r"\A", "^")
            yield path, "pattern", pattern, False


def all_limits():
    return [
        Limit(endpoint, path, kind, value, items)
        for endpoint in ENDPOINTS
        for path, kind, value, items in _declared(endpoint.serializer())
    ]


LIMITS = all_limits()


def test_every_serializer_declares_limits():
    """The walk finds limits in every serializer (a broken walk would test nothing)."""
    found = {limit.endpoint.serializer for limit in LIMITS}
    assert found == {endpoint.serializer for endpoint in ENDPOINTS}
    assert len(LIMITS) > 60


# --- the schema declares the same limits ------------------------------------------------------


@cache
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(node):
    while True:
        if "$ref" in node:
            node = openapi()["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            return node


def _step(node, step):
    node = _resolve(node)
    for alternative in node.get("oneOf", ()):  # a blank alternative, or kinds or objects
        alternative = _resolve(alternative)
        if step == "*" or step in alternative.get("properties", {}):
            node = alternative
            break
    if step == "*":
        return node["items"] if node.get("type") == "array" else node["additionalProperties"]
    return node["properties"][step]


def _operation(endpoint):
    return openapi()["paths"][endpoint.url][endpoint.method]


def _schema_root(endpoint):
    operation = _operation(endpoint)
    if endpoint.component is None:
        return {
            "properties": {
                p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"
            }
        }
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    if endpoint.wrap is not None:
        assert body["type"] == "array"
        body = body["items"]
    assert body == {"$ref": f"#/components/schemas/{endpoint.component}"}
    return body


SCHEMA_KEYS = {
    ("max_length", False): "maxLength",
    ("min_length", False): "minLength",
    ("max_length", True): "maxItems",
    ("min_length", True): "minItems",
    ("max_value", False): "maximum",
    ("min_value", False): "minimum",
    ("pattern", False): "pattern",
}


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.id)
def test_schema_declares_the_limit(limit):
    node = _schema_root(limit.endpoint)
    for step in limit.path:
        node = _step(node, step)
    node = _resolve(node)
    if "oneOf" in node:  # the value, or a blank string
        node = next(_resolve(n) for n in node["oneOf"] if n.get("maxLength") != 0)
    assert node[SCHEMA_KEYS[limit.kind, limit.items]] == limit.value


def test_every_request_body_is_covered():
    """Each JSON request body of the schema is one of ENDPOINTS' serializers."""
    covered = {endpoint.component for endpoint in ENDPOINTS if endpoint.component}
    bodies = set()
    for operations in openapi()["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json")
            if schema is None:
                continue
            schema = schema["schema"]
            schema = schema.get("items", schema)
            bodies.add(schema["$ref"].rsplit("/", 1)[1])
    assert bodies == covered


def test_every_checked_query_is_covered():
    """Each query parameter with a declared limit belongs to one of ENDPOINTS' queries."""
    covered = {id(_operation(e)) for e in ENDPOINTS if e.component is None}
    constrained = {"minimum", "maximum", "maxLength", "minLength", "pattern", "oneOf"}
    for operations in openapi()["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "query" and constrained & set(parameter["schema"]):
                    assert id(operation) in covered, operation["operationId"]


# --- the endpoint accepts the limit and refuses one past it -----------------------------------


def _past(limit):
    """(the value at the limit, the value just past it)."""
    path, value = limit.path, limit.value
    if limit.kind == "pattern":
        return PATTERNS[path]
    if limit.items:
        item = ITEMS[path]
        if limit.kind == "max_length":
            return [item(i) for i in range(value)], [item(i) for i in range(value + 1)]
        return [item(i) for i in range(value)], [item(i) for i in range(value - 1)]
    if limit.kind in ("max_length", "min_length"):
        text = TEXTS.get(path, lambda n: "x" * n)
        step = 1 if limit.kind == "max_length" else -1
        return text(value), text(value + step)
    step = 1 if limit.kind == "max_value" else -1
    return value, value + step


def _put(body, path, value, key):
    node = body
    for step in path[:-1]:
        node = (
            node[0]
            if step == "*" and isinstance(node, list)
            else node[key if step == "*" else step]
        )
    last = path[-1]
    if last == "*" and isinstance(node, list):
        node[0] = value
    else:
        node[key if last == "*" else last] = value


def _send(world, api_client, endpoint, data, context):
    api_client.force_authenticate(getattr(world, endpoint.who))
    url = endpoint.url.format(
        team_id=world.team_a.id,
        assessment_id=getattr(context, "id", None),
        hook_id=getattr(context, "id", None),
        slug=world.org.slug,
        key="mini",
        period="2026-Q4",
    )
    body = endpoint.wrap(data) if endpoint.wrap else data
    if endpoint.method == "get":
        return api_client.get(url, data)
    return getattr(api_client, endpoint.method)(url, body, format="json")


# Past the limit, where reaching the limit is not enough for a valid request: a position must
# run 1..n, so a stage at position 30 needs 30 stages.
def _thirty_positions(body):
    body["stages"] = [_stage(i, position=30 - i) for i in range(30)]


AT_LIMIT_FIXES = {("stages", "*", "position"): {"max_value": _thirty_positions}}


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.id)
def test_endpoint_accepts_the_limit_and_refuses_past_it(world, mini, api_client, limit):
    endpoint = limit.endpoint
    context = endpoint.setup(world, mini) if endpoint.setup else None
    base = endpoint.base(world, context)
    at, past = _past(limit)

    refused = copy.deepcopy(base)
    _put(refused, limit.path, past, endpoint.key)
    response = _send(world, api_client, endpoint, refused, context)
    assert response.status_code == 400, (past, response.json())
    assert response.json()["detail"]

    accepted = copy.deepcopy(base)
    _put(accepted, limit.path, at, endpoint.key)
    fix = AT_LIMIT_FIXES.get(limit.path, {}).get(limit.kind)
    if fix:
        fix(accepted)
    response = _send(world, api_client, endpoint, accepted, context)
    assert response.status_code in (200, 201, 202), (at, response.json())


def _rule_for(limit):
    """(serializer, path below it) when the limit's value is checked by the ``check`` of a
    RequestSerializer (the domain's own validator), else None: values a service checks later
    (ServiceChecked), fields plain DRF checks, and rows ``ingest`` checks."""
    node, found = limit.endpoint.serializer(), None
    for depth, step in enumerate(limit.path):
        if isinstance(node, ServiceChecked):
            return None
        if isinstance(node, RequestSerializer) and type(node).check is not RequestSerializer.check:
            found = (node, limit.path[depth:])
        if isinstance(node, serializers.Serializer):
            node = node.fields[step]
        elif isinstance(node, serializers.ListField | serializers.DictField):
            node = node.child
    if isinstance(node, ServiceChecked) or (limit.endpoint.serializer, limit.path) in (DRF_CHECKED):
        return None
    return found


# Fields of a serializer with a rule that the rule leaves to their declaration.
DRF_CHECKED = {
    (maturity_api.AssessmentCreateSerializer, ("version",)),
    (maturity_api.AssessmentCreateSerializer, ("questionnaire",)),
}
RULE_LIMITS = [limit for limit in LIMITS if _rule_for(limit)]


@pytest.mark.parametrize("limit", RULE_LIMITS, ids=lambda limit: limit.id)
def test_rule_itself_accepts_the_limit_and_refuses_past_it(limit):
    """Without the declared fields' own validation (which would refuse past the limit even if
    the rule did not), the domain's validator draws the line where the schema does."""
    endpoint = limit.endpoint
    serializer, path = _rule_for(limit)
    at, past = _past(limit)
    base = endpoint.base(SimpleNamespace(team_a=SimpleNamespace(id=1)), None)
    prefix = limit.path[: len(limit.path) - len(path)]
    for step in prefix:
        base = base[step]
    for value, refused in ((at, False), (past, True)):
        data = copy.deepcopy(base)
        _put(data, path, value, endpoint.key)
        fix = AT_LIMIT_FIXES.get(limit.path, {}).get(limit.kind)
        if fix and not refused:
            fix(data)
        if refused:
            with pytest.raises(Invalid):
                serializer.check(data)
        else:
            serializer.check(data)


def test_rules_are_tried_on_every_serializer_with_one():
    assert {type(_rule_for(limit)[0]).__name__ for limit in RULE_LIMITS} == {
        "MapIn", "EntryIn", "DoraSurveyIn", "AssessmentCreateSerializer", "ClassifyQuery",
        "QuickCheckQuery",
        "TeamDoraQuery", "DiffQuery", "ComparisonQuery",
    }  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.serializer.__name__)
def test_base_request_is_accepted(world, mini, api_client, endpoint):
    """What the limits are tried on is valid as it stands."""
    context = endpoint.setup(world, mini) if endpoint.setup else None
    response = _send(world, api_client, endpoint, endpoint.base(world, context), context)
    assert response.status_code in (200, 201, 202), response.json()


# --- the stage's people, the limit the issue found missing -------------------------------------


def test_stage_people_limit_is_in_the_schema_and_enforced(world, api_client):
    schema = api_client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    stage = schema.json()["components"]["schemas"]["StageIn"]["properties"]["people"]
    assert (stage["minimum"], stage["maximum"]) == (0, valuestream.MAX_PEOPLE) == (0, 1000)

    api_client.force_authenticate(world.lead_a)
    url = f"/api/v1/teams/{world.team_a.id}/value-stream-maps/current/"
    response = api_client.put(url, {"stages": [_stage(people=1001)]}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": 'Stage 1 ("Stage 0"): people must be between 0 and 1000, got 1001.',
        "field": "stages[0].people",
    }
    assert api_client.put(url, {"stages": [_stage(people=1000)]}, format="json").status_code == 201


def test_a_rule_looser_than_the_schema_is_still_held_to_the_schema(world, api_client, monkeypatch):
    """Should a rule and a declaration drift apart, the declared limit still holds: what the
    rule accepts is validated against the schema's fields before anything is saved."""
    monkeypatch.setattr(valuestream, "MAX_PEOPLE", 5000)
    api_client.force_authenticate(world.lead_a)
    url = f"/api/v1/teams/{world.team_a.id}/value-stream-maps/current/"
    response = api_client.put(url, {"stages": [_stage(people=1001)]}, format="json")
    assert response.status_code == 400
    message = "Ensure this value is less than or equal to 1000."
    assert response.json() == {
        "detail": f"stages: people: {message}",
        "field": "stages[0].people",
        "errors": {"stages": {"0": {"people": [message]}}},
    }
    assert not ValueStreamMap.objects.exists()


# --- DRF's validation errors name their field as domain errors do -------------------------------


@pytest.mark.parametrize(
    ("errors", "detail", "field"),
    [
        ({"username": ["This field is required."]}, "username: This field is required.",
         "username"),
        ({"stages": [{}, {"name": ["Too long."]}]}, "stages: name: Too long.", "stages[1].name"),
        ({"stages": {2: {"people": ["Too many."]}}}, "stages: people: Too many.",
         "stages[2].people"),
        ({"answers": {"flow-wip": ["No."]}}, "answers: flow-wip: No.", "answers.flow-wip"),
        ({"non_field_errors": ["Whole body."]}, "Whole body.", None),
    ],
)  # fmt: skip
def test_validation_error_body_has_detail_field_and_errors(errors, detail, field):
    response = exception_handler(ValidationError(errors), {})
    assert response.status_code == 400
    expected = {"detail": detail, **({"field": field} if field else {}), "errors": errors}
    assert response.data == expected
    assert list(response.data) == list(expected)  # detail, field, errors: as domain errors


def test_team_members_missing_username_names_the_field(world, api_client):
    api_client.force_authenticate(world.org_admin)
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/members/", {"role": "member"}, format="json"
    )
    assert response.json() == {
        "detail": "username: This field is required.",
        "field": "username",
        "errors": {"username": ["This field is required."]},
    }


@pytest.mark.parametrize("kind", [{"a": 1}, ["delay"]])
def test_a_mark_kind_that_is_not_text_is_refused_not_a_500(world, api_client, kind):
    """Found by tests/test_api_fuzz.py once the schema described marks as objects."""
    api_client.force_authenticate(world.lead_a)
    url = f"/api/v1/teams/{world.team_a.id}/value-stream-maps/current/"
    response = api_client.put(
        url, {"stages": [_stage(pain_points=[{"kind": kind}])]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "stages[0].pain_points"
    assert response.json()["detail"].startswith('Stage 1 ("Stage 0"): unknown pain point kind ')

"""Tests for assessments/ingest.py, the event endpoints (assessments/api_events.py) and the
issue_team_token command and the ingestion benchmark (tests/bench/ingest.py)."""

import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from assessments.dora import ingest
from assessments.models import Deployment, Incident, Membership, Organization, TeamApiToken
from tests.bench import ingest as bench_ingest
from tests.factories import MembershipFactory, TeamFactory
from vsm_site.domain_errors import Invalid

UTC = dt.UTC
DEPLOYMENTS_URL = "/api/v1/teams/{}/deployments/"
INCIDENTS_URL = "/api/v1/teams/{}/incidents/"
OK_EMPTY = {"created": 0, "updated": 0, "rejected": 0, "errors": []}


@pytest.fixture
def refreshes(monkeypatch):
    """The teams whose event snapshots were refreshed, in order."""
    calls = []
    monkeypatch.setattr(
        ingest.dora_services, "refresh_event_snapshots", lambda team: calls.append(team.slug)
    )
    return calls


def as_lead(api_client, world):
    api_client.force_authenticate(world.lead_a)
    return api_client


def post_csv(client, url, body):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return client.post(url, data=data, content_type="text/csv")


def post_json(client, url, payload):
    return client.post(url, data=payload, format="json")


def counts():
    return Deployment.objects.count(), Incident.objects.count()


def rejected(detail, rejected_rows, errors):
    return {
        "detail": detail,
        "created": 0,
        "updated": 0,
        "rejected": rejected_rows,
        "errors": errors,
    }


def error(line, external_id, field, message):
    return {"line": line, "external_id": external_id, "field": field, "message": message}


def file_error(line, message, field=None):
    return rejected(message, 0, [error(line, None, field, message)])


DEPLOYMENTS_JSON = [
    {
        "external_id": "d-1",
        "service": "checkout",
        "environment": "production",
        "finished_at": "2026-03-02T10:00:00Z",
        "succeeded": True,
        "rolled_back": False,
        "hotfix": True,
        "caused_failure": False,
        "unplanned_fix": True,
        "changes": [
            {"id": "c-1", "first_commit_at": "2026-03-01T08:00:00+02:00"},
            {"id": "c-2", "first_commit_at": "2026-03-01T12:30:00Z"},
            {"id": 42, "first_commit_at": "2026-03-02T09:59:59+00:00"},
        ],
    },
    {"external_id": "d-2", "finished_at": "2026-03-03T09:00:00+01:00"},
]


# --- hand-worked batches ----------------------------------------------------------------------


def test_ingest_json_deployments_stored_exactly(world, api_client, refreshes):
    response = post_json(
        as_lead(api_client, world), DEPLOYMENTS_URL.format(world.team_a.id), DEPLOYMENTS_JSON
    )
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "rejected": 0, "errors": []}
    first = Deployment.objects.get(team=world.team_a, external_id="d-1")
    assert (first.service, first.environment) == ("checkout", "production")
    assert first.finished_at == dt.datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert (first.succeeded, first.rolled_back, first.hotfix) == (True, False, True)
    assert (first.caused_failure, first.unplanned_fix) == (False, True)
    # Offsets are kept, Z is spelt +00:00, numeric ids become strings.
    assert first.changes == [
        {"id": "c-1", "first_commit_at": "2026-03-01T08:00:00+02:00"},
        {"id": "c-2", "first_commit_at": "2026-03-01T12:30:00+00:00"},
        {"id": "42", "first_commit_at": "2026-03-02T09:59:59+00:00"},
    ]
    second = Deployment.objects.get(team=world.team_a, external_id="d-2")
    assert second.finished_at == dt.datetime(2026, 3, 3, 8, tzinfo=UTC)
    assert (second.service, second.environment, second.changes) == ("", "production", [])
    assert (second.succeeded, second.rolled_back, second.hotfix) == (True, False, False)
    assert (second.caused_failure, second.unplanned_fix) == (False, False)
    assert refreshes == ["team-a"]


def test_ingest_json_wrapped_in_object_accepted(world, api_client, refreshes):
    payload = {"incidents": [{"external_id": "i-1", "started_at": "2026-03-02T10:00:00Z"}]}
    response = post_json(as_lead(api_client, world), INCIDENTS_URL.format(world.team_a.id), payload)
    assert response.json() == {"created": 1, "updated": 0, "rejected": 0, "errors": []}


CSV_DEPLOYMENTS = """\
external_id,service,environment,finished_at,succeeded,rolled_back,hotfix,caused_failure,\
unplanned_fix,change_ids,change_first_commit_times
d-1,checkout,,2026-03-02T10:00:00Z,YES,0,False,true,no,c-1;c-2; c-3 ,\
2026-03-01T08:00:00+02:00;2026-03-01T12:30:00Z ; 2026-03-02T10:00:00+00:00
d-2,search,staging,2026-03-03T09:00:00+01:00,no,1,TRUE,,,,
"""


def test_ingest_csv_deployments_stored_exactly(world, api_client, refreshes):
    response = post_csv(
        as_lead(api_client, world), DEPLOYMENTS_URL.format(world.team_a.id), CSV_DEPLOYMENTS
    )
    assert response.status_code == 200
    assert response.json() == {"created": 2, "updated": 0, "rejected": 0, "errors": []}
    rows = {d.external_id: d for d in Deployment.objects.filter(team=world.team_a)}
    first, second = rows["d-1"], rows["d-2"]
    assert (first.service, first.environment) == ("checkout", "production")
    assert first.finished_at == dt.datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert (first.succeeded, first.rolled_back, first.hotfix) == (True, False, False)
    assert (first.caused_failure, first.unplanned_fix) == (True, False)
    assert first.changes == [
        {"id": "c-1", "first_commit_at": "2026-03-01T08:00:00+02:00"},
        {"id": "c-2", "first_commit_at": "2026-03-01T12:30:00+00:00"},
        {"id": "c-3", "first_commit_at": "2026-03-02T10:00:00+00:00"},
    ]
    assert (second.service, second.environment) == ("search", "staging")
    assert second.finished_at == dt.datetime(2026, 3, 3, 8, tzinfo=UTC)
    assert (second.succeeded, second.rolled_back, second.hotfix) == (False, True, True)
    assert (second.caused_failure, second.unplanned_fix, second.changes) == (False, False, [])
    assert refreshes == ["team-a"]


def test_ingest_csv_incidents_with_and_without_deployment(world, api_client, refreshes):
    body = (
        "external_id,started_at,resolved_at,deployment_external_id\r\n"
        "i-1,2026-03-02T10:00:00Z,2026-03-02T11:30:00+01:00,d-1\r\n"
        "i-2,2026-03-04T10:00:00-05:00,,\r\n"
    )
    response = post_csv(as_lead(api_client, world), INCIDENTS_URL.format(world.team_a.id), body)
    assert response.json() == {"created": 2, "updated": 0, "rejected": 0, "errors": []}
    rows = {
        i.external_id: (i.started_at, i.resolved_at, i.deployment_external_id)
        for i in Incident.objects.filter(team=world.team_a)
    }
    assert rows == {
        "i-1": (
            dt.datetime(2026, 3, 2, 10, tzinfo=UTC),
            dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
            "d-1",
        ),
        "i-2": (dt.datetime(2026, 3, 4, 15, tzinfo=UTC), None, ""),
    }


def test_ingest_rows_incident_without_deployment(world, refreshes):
    report = ingest.ingest_rows(
        world.team_a, "incidents", [{"external_id": "i-9", "started_at": "2026-03-02T10:00Z"}]
    )
    assert report == ingest.IngestReport(created=1, updated=0)
    incident = Incident.objects.get(team=world.team_a)
    assert (incident.external_id, incident.resolved_at, incident.deployment_external_id) == (
        "i-9",
        None,
        "",
    )


def test_ingest_csv_columns_in_any_order_and_only_required(world, refreshes):
    body = b"finished_at,external_id\n2026-03-02T10:00:00Z,d-7\n\n"
    report = ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    assert report.as_dict() == {"created": 1, "updated": 0, "rejected": 0, "errors": []}
    deployment = Deployment.objects.get()
    assert (deployment.external_id, deployment.environment, deployment.succeeded) == (
        "d-7",
        "production",
        True,
    )


def test_ingest_csv_bom_accepted(world, refreshes):
    body = "\ufeffexternal_id,started_at\ni-é,2026-03-02T10:00:00Z\n".encode()
    report = ingest.ingest_csv(world.team_a, "incidents", io.BytesIO(body))
    assert (report.created, Incident.objects.get().external_id) == (1, "i-é")


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("external_id,finished_at\n", ","),
        ("external_id;finished_at\r\n", ";"),
        ("external_id\n", ","),
        ("external_id,change_ids;x\n", ","),  # a tie goes to commas
        ("a;b;c,d\n", ";"),
    ],
)
def test_sniff_delimiter_by_header(header, delimiter):
    assert ingest.sniff_delimiter(header) == delimiter


def test_ingest_csv_semicolons_and_bom_accepted(world, refreshes):
    body = (
        "\ufeffexternal_id;finished_at;change_ids;change_first_commit_times\r\n"
        'd-1;2026-03-02T10:00:00Z;"c-1;c-2";"2026-03-01T08:00:00Z;2026-03-01T09:00:00Z"\r\n'
        "d-2;2026-03-03T10:00:00Z;;\r\n"
    ).encode()
    report = ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    assert report.as_dict() == {"created": 2, "updated": 0, "rejected": 0, "errors": []}
    assert Deployment.objects.get(external_id="d-1").changes == [
        {"id": "c-1", "first_commit_at": "2026-03-01T08:00:00+00:00"},
        {"id": "c-2", "first_commit_at": "2026-03-01T09:00:00+00:00"},
    ]


@pytest.mark.parametrize(("separator", "name"), [("\t", "tabs"), ("|", "vertical bars")])
def test_ingest_csv_other_delimiter_rejected_with_hint(world, refreshes, separator, name):
    body = f"external_id{separator}started_at\ni-1{separator}2026-03-02T10:00:00Z\n".encode()
    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.ingest_csv(world.team_a, "incidents", io.BytesIO(body))
    assert caught.value.message == (
        f"Unknown column(s) on line 1: {'external_id' + separator + 'started_at'!r}. The incidents "
        "columns are external_id,started_at,resolved_at,deployment_external_id,service,"
        "description. The file looks "
        f"separated by {name}; save it with commas or semicolons."
    )


def test_ingest_csv_upload_recorded_as_batch_and_removed_whole(world):
    from assessments.dora import services as dora_services
    from assessments.models import EventBatch

    first = b"external_id,finished_at\nd-1,2026-03-02T10:00:00Z\nd-2,2026-03-03T10:00:00Z\n"
    second = b"external_id,finished_at\nd-2,2026-03-04T10:00:00Z\nd-3,2026-03-05T10:00:00Z\n"
    lead = world.lead_a
    ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(first), uploaded_by=lead,
                      filename="first.csv", refresh=False)  # fmt: skip
    ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(second), uploaded_by=lead,
                      filename="second.csv", refresh=False)  # fmt: skip
    batches = dora_services.event_batches(world.team_a)
    assert [(b.filename, b.rows, b.created, b.updated, b.uploaded_by) for b in batches] == [
        ("second.csv", 2, 1, 1, lead),
        ("first.csv", 2, 2, 0, lead),
    ]
    # d-2 was last written by the second file: removing the first leaves it.
    removed = dora_services.remove_batch(lead, world.team_a, batches[1].id)
    assert removed == 1
    assert sorted(Deployment.objects.values_list("external_id", flat=True)) == ["d-2", "d-3"]
    assert list(EventBatch.objects.values_list("filename", flat=True)) == ["second.csv"]


def test_remove_batch_by_member_not_allowed(world):
    from assessments.dora import services as dora_services
    from vsm_site.domain_errors import NotAllowed

    body = b"external_id,finished_at\nd-1,2026-03-02T10:00:00Z\n"
    ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body), uploaded_by=world.lead_a,
                      refresh=False)  # fmt: skip
    batch = dora_services.event_batches(world.team_a)[0]
    with pytest.raises(NotAllowed):
        dora_services.remove_batch(world.member_a, world.team_a, batch.id)
    assert Deployment.objects.count() == 1


def test_ingest_csv_header_only_saves_nothing(world, api_client, refreshes):
    response = post_csv(
        as_lead(api_client, world),
        INCIDENTS_URL.format(world.team_a.id),
        "external_id,started_at\n",
    )
    assert (response.status_code, response.json()) == (200, OK_EMPTY)
    assert refreshes == []


# --- idempotency ------------------------------------------------------------------------------


def test_ingest_same_batch_twice_updates_without_duplicates(world, api_client, refreshes):
    client = as_lead(api_client, world)
    url = DEPLOYMENTS_URL.format(world.team_a.id)
    assert post_json(client, url, DEPLOYMENTS_JSON).json()["created"] == 2
    received = dict(Deployment.objects.values_list("external_id", "received_at"))
    second = post_json(client, url, DEPLOYMENTS_JSON)
    assert second.json() == {"created": 0, "updated": 2, "rejected": 0, "errors": []}
    assert Deployment.objects.count() == 2
    assert dict(Deployment.objects.values_list("external_id", "received_at")) == received
    assert refreshes == ["team-a", "team-a"]


def test_ingest_later_batch_changes_a_field(world, api_client, refreshes):
    client = as_lead(api_client, world)
    url = INCIDENTS_URL.format(world.team_a.id)
    post_json(client, url, [{"external_id": "i-1", "started_at": "2026-03-02T10:00:00Z"}])
    before = Incident.objects.get().updated_at
    batch = [
        {
            "external_id": "i-1",
            "started_at": "2026-03-02T10:00:00Z",
            "resolved_at": "2026-03-02T12:00:00Z",
            "deployment_external_id": "d-1",
        },
        {"external_id": "i-2", "started_at": "2026-03-05T10:00:00Z"},
    ]
    response = post_json(client, url, batch)
    assert response.json() == {"created": 1, "updated": 1, "rejected": 0, "errors": []}
    incident = Incident.objects.get(external_id="i-1")
    assert incident.resolved_at == dt.datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert incident.deployment_external_id == "d-1"
    assert incident.updated_at > before
    assert Incident.objects.count() == 2


def test_ingest_same_external_id_in_two_teams_is_two_events(world, refreshes):
    rows = [{"external_id": "d-1", "finished_at": "2026-03-02T10:00:00Z"}]
    assert ingest.ingest_rows(world.team_a, "deployments", rows).created == 1
    assert ingest.ingest_rows(world.team_b, "deployments", rows).created == 1
    assert Deployment.objects.count() == 2


# --- bad input: 400, exact reasons, nothing saved ---------------------------------------------


@pytest.fixture
def stored(world, refreshes):
    """One deployment and one incident already stored, which no rejected batch may touch."""
    ingest.ingest_rows(world.team_a, "deployments", DEPLOYMENTS_JSON[1:])
    ingest.ingest_rows(
        world.team_a, "incidents", [{"external_id": "i-1", "started_at": "2026-03-02T10:00:00Z"}]
    )
    refreshes.clear()
    return counts()


def assert_nothing_saved(stored, refreshes):
    assert counts() == stored
    assert Deployment.objects.get().finished_at == dt.datetime(2026, 3, 3, 8, tzinfo=UTC)
    assert Incident.objects.get().resolved_at is None
    assert refreshes == []


def csv_post(world, api_client, kind, body):
    url = (DEPLOYMENTS_URL if kind == "deployments" else INCIDENTS_URL).format(world.team_a.id)
    return post_csv(as_lead(api_client, world), url, body)


def json_post(world, api_client, kind, payload):
    url = (DEPLOYMENTS_URL if kind == "deployments" else INCIDENTS_URL).format(world.team_a.id)
    return post_json(as_lead(api_client, world), url, payload)


def test_bad_naive_datetime_rejected(world, api_client, stored, refreshes):
    body = (
        "external_id,finished_at\n"
        "d-2,2026-03-04T10:00:00Z\n"  # valid, and an update: not saved either
        "d-3,2026-03-04T10:00:00\n"
    )
    response = csv_post(world, api_client, "deployments", body)
    assert response.status_code == 400
    message = (
        "finished_at '2026-03-04T10:00:00' has no timezone offset; add Z or an offset such as "
        "+02:00."
    )
    assert response.json() == rejected(
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [error(3, "d-3", "finished_at", message)],
    )
    assert_nothing_saved(stored, refreshes)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "yesterday",
            "started_at 'yesterday' is not an ISO 8601 date-time (for example "
            "2026-03-01T14:30:00Z).",
        ),
        (
            "2026-02-30T10:00:00Z",
            "started_at '2026-02-30T10:00:00Z' is not an ISO 8601 "
            "date-time (for example 2026-03-01T14:30:00Z).",
        ),
        ("-5", "started_at '-5' is not an ISO 8601 date-time (for example 2026-03-01T14:30:00Z)."),
        (
            "2026-03-01",
            "started_at '2026-03-01' has no timezone offset; add Z or an offset such as +02:00.",
        ),
        ("0001-01-01T00:00:00+01:00", "started_at '0001-01-01T00:00:00+01:00' is out of range."),
    ],
)
def test_bad_datetime_rejected(world, api_client, stored, refreshes, value, message):
    response = csv_post(world, api_client, "incidents", f"external_id,started_at\ni-5,{value}\n")
    assert response.status_code == 400
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.", 1, [error(2, "i-5", "started_at", message)]
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_required_values_missing(world, api_client, stored, refreshes):
    # Rows with every cell empty are skipped (spreadsheets export them); this one has a value.
    body = "external_id,started_at,deployment_external_id\n , ,d-1\n,,\n"
    response = csv_post(world, api_client, "incidents", body)
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.",
        1,
        [
            error(2, None, "external_id", "external_id is required."),
            error(2, None, "started_at", "started_at is required."),
        ],
    )
    assert_nothing_saved(stored, refreshes)


@pytest.mark.parametrize("value", ["maybe", "-1", "2", "y"])
def test_bad_csv_boolean_rejected(world, api_client, stored, refreshes, value):
    response = csv_post(
        world,
        api_client,
        "deployments",
        f"external_id,finished_at,succeeded\nd-5,2026-03-04T10:00:00Z,{value}\n",
    )
    message = f"succeeded '{value}' is not a boolean; use true/false, yes/no or 1/0."
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.", 1, [error(2, "d-5", "succeeded", message)]
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_json_types_rejected(world, api_client, stored, refreshes):
    rows = [
        {
            "external_id": "d-5",
            "finished_at": "2026-03-04T10:00:00Z",
            "hotfix": "yes",
            "service": 5,
            "rolled_back": 1,
        },
        {"external_id": True, "finished_at": 1772618400},
        "d-7",
        {"external_id": "d-8", "finished_at": "2026-03-04T10:00:00Z", "finshed": "x"},
    ]
    response = json_post(world, api_client, "deployments", rows)
    assert response.status_code == 400
    assert response.json() == rejected(
        "4 of 4 rows were rejected; nothing was saved.",
        4,
        [
            error(1, "d-5", "service", "service must be a string, not a number."),
            error(1, "d-5", "rolled_back", "rolled_back must be true or false, not '1'."),
            error(1, "d-5", "hotfix", "hotfix must be true or false, not 'yes'."),
            error(2, None, "external_id", "external_id must be a string, not a boolean."),
            error(
                2,
                None,
                "finished_at",
                "finished_at must be an ISO 8601 date-time string, not a number.",
            ),
            error(3, None, None, "Each row must be a JSON object, not a string."),
            error(
                4,
                "d-8",
                "finshed",
                "Unknown field 'finshed'; the fields are external_id, service, environment, "
                "finished_at, succeeded, rolled_back, hotfix, caused_failure, unplanned_fix, "
                "changes, fixes, planned, version.",
            ),
        ],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_resolved_before_started(world, api_client, stored, refreshes):
    rows = [
        {
            "external_id": "i-1",
            "started_at": "2026-03-02T10:00:00Z",
            "resolved_at": "2026-03-02T10:30:00+01:00",
        }
    ]
    response = json_post(world, api_client, "incidents", rows)
    message = (
        "resolved_at (2026-03-02T10:30:00+01:00) is before started_at (2026-03-02T10:00:00+00:00)."
    )
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.",
        1,
        [error(1, "i-1", "resolved_at", message)],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_duplicate_external_ids_in_one_batch(world, api_client, stored, refreshes):
    body = (
        "external_id,started_at\n"
        "i-1,2026-03-02T10:00:00Z\n"
        "i-2,2026-03-02T10:00:00Z\n"
        " i-1 ,2026-03-03T10:00:00Z\n"
        "i-2,2026-03-03T10:00:00Z\n"
    )
    response = csv_post(world, api_client, "incidents", body)
    assert response.json() == rejected(
        "2 of 4 rows were rejected; nothing was saved.",
        2,
        [
            error(
                4,
                "i-1",
                "external_id",
                "external_id 'i-1' appears more than once in this batch (first on line 2).",
            ),
            error(
                5,
                "i-2",
                "external_id",
                "external_id 'i-2' appears more than once in this batch (first on line 3).",
            ),
        ],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_change_after_deployment_finished(world, api_client, stored, refreshes):
    rows = [
        {
            "external_id": "d-5",
            "finished_at": "2026-03-02T10:00:00Z",
            "changes": [
                {"id": "c-1", "first_commit_at": "2026-03-02T09:00:00Z"},
                {"id": "c-2", "first_commit_at": "2026-03-02T11:00:01+01:00"},
            ],
        }
    ]
    response = json_post(world, api_client, "deployments", rows)
    message = (
        "Change 'c-2': its first commit (2026-03-02T11:00:01+01:00) is after the deployment "
        "finished (2026-03-02T10:00:00+00:00)."
    )
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.",
        1,
        [error(1, "d-5", "changes[1].first_commit_at", message)],
    )
    assert_nothing_saved(stored, refreshes)


@pytest.mark.parametrize(
    ("ids", "times", "problem"),
    [
        (
            "c-1;c-2",
            "2026-03-01T10:00:00Z",
            (
                "change_first_commit_times",
                "change_ids lists 2 change(s) but change_first_commit_times lists 1 time(s); give "
                "one first-commit time per change, both separated by ';'.",
            ),
        ),
        (
            "c-1;;c-3",
            "2026-03-01T10:00:00Z;2026-03-01T10:00:00Z;2026-03-01T10:00:00Z",
            ("change_ids", "change_ids: change 2 has no id."),
        ),
        (
            "c-1;c-2",
            "2026-03-01T10:00:00Z;",
            ("change_first_commit_times", "change_first_commit_times: change 2 has no time."),
        ),
        (
            "c-1;c-1",
            "2026-03-01T10:00:00Z;2026-03-01T11:00:00Z",
            ("change_ids", "Change 'c-1' is listed twice."),
        ),
        (
            "c-1",
            "2026-03-03T10:00:00Z",
            (
                "change_first_commit_times",
                "Change 'c-1': its first commit (2026-03-03T10:00:00+00:00) is after the "
                "deployment finished (2026-03-02T10:00:00+00:00).",
            ),
        ),
        (
            "c-1",
            "2026-03-01 10:00",
            (
                "change_first_commit_times",
                "change_first_commit_times '2026-03-01 10:00' has no timezone offset; add Z or an "
                "offset such as +02:00.",
            ),
        ),
    ],
)
def test_bad_csv_changes_rejected(world, api_client, stored, refreshes, ids, times, problem):
    body = (
        "external_id,finished_at,change_ids,change_first_commit_times\n"
        f'd-5,2026-03-02T10:00:00Z,"{ids}","{times}"\n'
    )
    response = csv_post(world, api_client, "deployments", body)
    assert response.json() == rejected(
        "1 of 1 rows were rejected; nothing was saved.", 1, [error(2, "d-5", *problem)]
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_limits_external_id_length_and_changes(world, api_client, stored, refreshes):
    too_many = ";".join(f"c{n}" for n in range(1001))
    times = ";".join(["2026-03-01T10:00:00Z"] * 1001)
    body = (
        "external_id,finished_at,change_ids,change_first_commit_times\n"
        f"{'x' * 201},2026-03-02T10:00:00Z,,\n"
        f"{'y' * 200},2026-03-02T10:00:00Z,{too_many},{times}\n"
    )
    response = csv_post(world, api_client, "deployments", body)
    assert response.json() == rejected(
        "2 of 2 rows were rejected; nothing was saved.",
        2,
        [
            error(
                2,
                None,
                "external_id",
                "external_id is 201 characters long; at most 200 are allowed.",
            ),
            error(3, "y" * 200, "change_ids", "At most 1000 changes per deployment."),
        ],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_wrong_number_of_values_names_line(world, api_client, stored, refreshes):
    # The quoted value spans lines 2-3, so the short row starts on line 4.
    body = (
        "external_id,service,finished_at\n"
        'd-5,"two\nlines",2026-03-02T10:00:00Z\n'
        "d-6,2026-03-02T10:00:00Z\n"
    )
    response = csv_post(world, api_client, "deployments", body)
    assert response.json() == rejected(
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [error(4, None, None, "Line 4 has 2 values; the header has 3 columns.")],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_incident_resolved_before_stored_deployment_finished(
    world, api_client, stored, refreshes
):
    # d-2 (stored) finished 2026-03-03T08:00Z.
    rows = [
        {
            "external_id": "i-7",
            "started_at": "2026-03-03T07:00:00Z",
            "resolved_at": "2026-03-03T07:30:00Z",
            "deployment_external_id": "d-2",
        },
        {
            "external_id": "i-8",
            "started_at": "2026-03-03T07:00:00Z",
            "resolved_at": "2026-03-03T09:30:00+01:00",
            "deployment_external_id": "d-2",
        },
    ]
    response = json_post(world, api_client, "incidents", rows)
    message = (
        "resolved_at (2026-03-03T07:30:00+00:00) is before its deployment 'd-2' finished "
        "(2026-03-03T08:00:00+00:00)."
    )
    assert response.json() == rejected(
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [error(1, "i-7", "resolved_at", message)],
    )
    assert_nothing_saved(stored, refreshes)


def test_bad_deployment_finished_after_stored_incident_resolved(
    world, api_client, stored, refreshes
):
    ingest.ingest_rows(
        world.team_a,
        "incidents",
        [
            {
                "external_id": "i-7",
                "started_at": "2026-03-01T07:00:00Z",
                "resolved_at": "2026-03-01T09:00:00Z",
                "deployment_external_id": "d-9",
            },
        ],
    )
    refreshes.clear()
    stored = counts()
    body = "external_id,finished_at\nd-9,2026-03-01T10:30:00+01:00\nd-10,2026-03-01T10:00:00Z\n"
    response = csv_post(world, api_client, "deployments", body)
    message = (
        "finished_at (2026-03-01T09:30:00+00:00) is after incident 'i-7', which it caused, was "
        "resolved (2026-03-01T09:00:00+00:00)."
    )
    assert response.json() == rejected(
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [error(2, "d-9", "finished_at", message)],
    )
    assert counts() == stored
    assert refreshes == []


def test_bad_errors_capped_at_200_but_all_counted(world, stored, refreshes):
    rows = [{"external_id": f"d-{n}", "finished_at": "soon"} for n in range(250)]
    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.ingest_rows(world.team_a, "deployments", rows)
    assert (caught.value.rejected, caught.value.total, len(caught.value.errors)) == (250, 250, 200)
    assert caught.value.errors[-1] == error(
        200,
        "d-199",
        "finished_at",
        "finished_at 'soon' is not an ISO 8601 date-time (for example 2026-03-01T14:30:00Z).",
    )
    assert caught.value.message == "250 of 250 rows were rejected; nothing was saved."
    assert_nothing_saved(stored, refreshes)


def test_bad_encoding_latin1_names_line(world, api_client, stored, refreshes):
    body = (
        "external_id,service,finished_at\n"
        "d-5,api,2026-03-02T10:00:00Z\n"
        "d-6,café,2026-03-02T10:00:00Z\n"
    )
    response = csv_post(world, api_client, "deployments", body.encode("latin-1"))
    message = (
        "Line 3 is not valid UTF-8 (byte 0xe9 at position 8). Save the file as UTF-8 (in "
        "Excel: CSV UTF-8)."
    )
    assert (response.status_code, response.json()) == (400, file_error(3, message))
    assert_nothing_saved(stored, refreshes)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "external_id,started_at,severity,team",
            "Unknown column(s) on line 1: 'severity', 'team'. The incidents columns are "
            "external_id,started_at,resolved_at,deployment_external_id,service,description.",
        ),
        ("external_id,resolved_at", "Missing required column(s) on line 1: started_at."),
        ("external_id,started_at,external_id", "Column(s) named twice on line 1: external_id."),
        (
            "",
            "The file is empty; line 1 must name the columns: "
            "external_id,started_at,resolved_at,deployment_external_id,service,description.",
        ),
    ],
)
def test_bad_columns_rejected_on_line_1(world, api_client, stored, refreshes, header, message):
    response = csv_post(
        world, api_client, "incidents", f"{header}\ni-5,2026-03-02T10:00:00Z\n" if header else ""
    )
    assert (response.status_code, response.json()) == (400, file_error(1, message))
    assert_nothing_saved(stored, refreshes)


def test_bad_change_columns_must_come_together(world, stored, refreshes):
    body = b"external_id,finished_at,change_ids\nd-5,2026-03-02T10:00:00Z,c-1\n"
    with pytest.raises(Invalid) as caught:
        ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    assert caught.value.errors == [
        error(
            1, None, None, "Columns change_ids and change_first_commit_times go together (line 1)."
        )
    ]
    assert_nothing_saved(stored, refreshes)


def test_bad_too_many_rows(world, api_client, stored, refreshes, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    body = "external_id,started_at\n" + "".join(
        f"i-{n},2026-03-02T10:00:00Z\n" for n in range(2, 6)
    )
    response = csv_post(world, api_client, "incidents", body)
    message = (
        "A batch holds at most 3 rows; line 5 is beyond that. Split the events into smaller "
        "batches."
    )
    assert (response.status_code, response.json()) == (400, file_error(5, message))
    assert_nothing_saved(stored, refreshes)


def test_bad_json_shape(world, api_client, stored, refreshes):
    response = json_post(world, api_client, "incidents", {"deployments": []})
    message = 'Send a JSON list of incidents, or {"incidents": [...]}.'
    assert (response.status_code, response.json()) == (400, rejected(message, 0, []))
    assert_nothing_saved(stored, refreshes)


def test_bad_json_over_upload_limit_413_says_send_csv(
    world, api_client, stored, refreshes, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    rows = [{"external_id": f"i-{n}", "started_at": "2026-03-02T10:00:00Z"} for n in range(5)]
    response = json_post(world, api_client, "incidents", rows)
    length = response.wsgi_request.META["CONTENT_LENGTH"]
    assert (response.status_code, response.json()) == (
        413,
        {
            "detail": f"The JSON body is {length} bytes; a JSON body may be at most 100 bytes. "
            "Send large batches as CSV (Content-Type: text/csv), which is streamed, or split them "
            "into smaller JSON batches."
        },
    )
    assert_nothing_saved(stored, refreshes)


def test_csv_over_upload_limit_is_streamed(world, api_client, refreshes, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = "external_id,started_at\n" + "".join(f"i-{n},2026-03-02T10:00:00Z\n" for n in range(50))
    assert len(body) > 1000
    response = csv_post(world, api_client, "incidents", body)
    assert response.json() == {"created": 50, "updated": 0, "rejected": 0, "errors": []}


def test_unsupported_media_type_415(world, api_client, stored, refreshes):
    response = as_lead(api_client, world).post(
        DEPLOYMENTS_URL.format(world.team_a.id), data=b"<x/>", content_type="application/xml"
    )
    assert response.status_code == 415
    assert_nothing_saved(stored, refreshes)


def test_ingest_unknown_kind_invalid(world):
    with pytest.raises(Invalid) as caught:
        ingest.ingest_rows(world.team_a, "builds", [])
    assert caught.value.message == "Unknown kind of event 'builds': use deployments or incidents."


# --- permissions and authentication -----------------------------------------------------------


def test_permission_org_admin_may_send(world, api_client, refreshes):
    api_client.force_authenticate(world.org_admin)
    response = post_json(api_client, INCIDENTS_URL.format(world.team_a.id), [])
    assert (response.status_code, response.json()) == (200, OK_EMPTY)


@pytest.mark.parametrize("who", ["member_a", "analyst"])
def test_permission_member_or_analyst_403(world, api_client, who):
    api_client.force_authenticate(getattr(world, who))
    response = post_json(api_client, DEPLOYMENTS_URL.format(world.team_a.id), DEPLOYMENTS_JSON)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the team's lead or the team's API token sends events."
    }
    assert counts() == (0, 0)


def test_permission_other_teams_lead_404(world, api_client):
    other_lead = MembershipFactory(team=world.other_team, role=Membership.LEAD).user
    for user in (other_lead, world.member_b):
        api_client.force_authenticate(user)
        response = post_json(api_client, INCIDENTS_URL.format(world.team_a.id), [])
        assert (response.status_code, response.json()) == (404, {"detail": "No such team."})


def test_permission_anonymous_401(world, api_client):
    response = post_json(api_client, DEPLOYMENTS_URL.format(world.team_a.id), DEPLOYMENTS_JSON)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert counts() == (0, 0)


def test_permission_lead_with_user_token(world, api_client, refreshes):
    key = Token.objects.create(user=world.lead_a).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = post_csv(
        api_client,
        INCIDENTS_URL.format(world.team_a.id),
        "external_id,started_at\ni-1,2026-03-02T10:00:00Z\n",
    )
    assert response.json() == {"created": 1, "updated": 0, "rejected": 0, "errors": []}


@pytest.fixture
def team_token(world):
    token, key = TeamApiToken.issue(world.team_a, "CI")
    return token, key


def with_bearer(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api_client


def test_team_token_sends_events_for_its_team(world, api_client, team_token, refreshes):
    token, key = team_token
    response = post_csv(
        with_bearer(api_client, key), DEPLOYMENTS_URL.format(world.team_a.id), CSV_DEPLOYMENTS
    )
    assert response.json() == {"created": 2, "updated": 0, "rejected": 0, "errors": []}
    assert Deployment.objects.filter(team=world.team_a).count() == 2
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert refreshes == ["team-a"]


def test_team_token_other_team_404(world, api_client, team_token):
    _, key = team_token
    client = with_bearer(api_client, key)
    for team in (world.team_b, world.other_team):
        response = post_json(client, INCIDENTS_URL.format(team.id), [])
        assert (response.status_code, response.json()) == (404, {"detail": "No such team."})


def test_team_token_refused_by_every_other_endpoint(world, api_client, team_token):
    _, key = team_token
    client = with_bearer(api_client, key)
    assert client.get("/api/v1/teams/").status_code == 401
    response = client.post("/api/v1/assessments/", {"team": world.team_a.id}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("key", ["revoked", "vsmt_unknown", "not-a-team-token", "a b"])
def test_team_token_invalid_or_revoked_401(world, api_client, team_token, key):
    token, real_key = team_token
    if key == "revoked":
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        key = real_key
    response = post_json(with_bearer(api_client, key), INCIDENTS_URL.format(world.team_a.id), [])
    assert response.status_code == 401
    expected = (
        "Send the team token as 'Authorization: Bearer vsmt_...'."
        if key == "a b"
        else "Invalid or revoked team token."
    )
    assert response.json() == {"detail": expected}


def test_team_token_last_used_written_at_most_once_a_minute(
    world, api_client, team_token, refreshes
):
    token, key = team_token
    client = with_bearer(api_client, key)
    url = INCIDENTS_URL.format(world.team_a.id)
    recent = timezone.now() - dt.timedelta(seconds=30)
    TeamApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    post_json(client, url, [])
    token.refresh_from_db()
    assert token.last_used_at == recent
    old = timezone.now() - dt.timedelta(minutes=2)
    TeamApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    post_json(client, url, [])
    token.refresh_from_db()
    assert token.last_used_at > old + dt.timedelta(minutes=1)


def test_team_token_principal_has_no_roles(world, team_token):
    from assessments import permissions
    from assessments.dora.token_auth import TeamTokenPrincipal

    principal = TeamTokenPrincipal(team_token[0])
    assert permissions.access_for(principal) == permissions.Access(
        True, False, frozenset(), frozenset(), frozenset(), frozenset()
    )
    assert permissions.can_lead_team(principal, world.team_a) is False
    assert permissions.can_view_team(principal, world.team_a) is False
    assert list(permissions.visible_teams(principal)) == []


# --- chunks and bounded work ------------------------------------------------------------------


def deployments_csv(rows):
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(ingest.DEPLOYMENT_COLUMNS)
    for n in range(rows):
        writer.writerow(
            [
                f"d-{n}",
                "svc",
                "",
                f"2026-03-02T10:{n % 60:02d}:00Z",
                "",
                "",
                "",
                "",
                "",
                f"c-{n}",
                "2026-03-01T10:00:00+01:00",
            ]
        )
    return out.getvalue().encode()


def test_ingest_5000_rows_in_chunks_with_bounded_queries(
    world, refreshes, monkeypatch, django_assert_max_num_queries
):
    chunks = []
    upsert = ingest._upsert
    monkeypatch.setattr(
        ingest,
        "_upsert",
        lambda team, kind, chunk, *batch: (
            chunks.append(len(chunk)) or upsert(team, kind, chunk, *batch)
        ),
    )
    body = deployments_csv(5000)
    with django_assert_max_num_queries(120):
        report = ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    assert report == ingest.IngestReport(created=5000, updated=0)
    assert chunks == [2000, 2000, 1000]
    assert Deployment.objects.filter(team=world.team_a).count() == 5000
    chunks.clear()
    with django_assert_max_num_queries(120):
        report = ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    assert report == ingest.IngestReport(created=0, updated=5000)
    assert Deployment.objects.count() == 5000
    assert Deployment.objects.get(external_id="d-4999").changes == [
        {"id": "c-4999", "first_commit_at": "2026-03-01T10:00:00+01:00"}
    ]


def test_ingest_spool_moves_to_disk_past_its_memory(world, refreshes, monkeypatch):
    monkeypatch.setattr(ingest, "SPOOL_MEMORY", 1000)
    report = ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(deployments_csv(300)))
    assert report.created == 300


def test_ingest_calls_real_snapshot_refresh(world):
    now = timezone.now().replace(microsecond=0)
    rows = [
        {
            "external_id": "d-1",
            "finished_at": (now - dt.timedelta(days=1)).isoformat(),
            "changes": [{"id": "c", "first_commit_at": (now - dt.timedelta(days=2)).isoformat()}],
        }
    ]
    ingest.ingest_rows(world.team_a, "deployments", rows)
    snapshot = world.team_a.dora_snapshots.get(source="events")
    assert snapshot.details["deployments"] == 1
    assert snapshot.values["lead_time"] == 24.0


# --- arbitrary input --------------------------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "2026-03-02T10:00:00Z",
            "2026-03-02T10:00:00",
            "9999-12-31T23:59:59-05:00",
            "true",
            "No",
            "1",
            "a;b",
            "2026-03-01T00:00:00Z;2026-03-01T00:00:00Z",
            "x",
        ]
    ),
)
HEADERS = st.lists(
    st.sampled_from(list(ingest.DEPLOYMENT_COLUMNS + ingest.INCIDENT_COLUMNS) + ["other", ""]),
    min_size=0,
    max_size=6,
)
SEPARATORS = st.sampled_from([",", ",", ",", ";", '"', "\n", "\r\n", "\r", "\x00"])


@st.composite
def csv_texts(draw):
    if draw(st.booleans()):
        return draw(st.text(max_size=200))
    lines = [",".join(draw(HEADERS))]
    for _ in range(draw(st.integers(0, 5))):
        cells = draw(st.lists(CELLS, max_size=6))
        lines.append(draw(SEPARATORS).join(cells) if draw(st.booleans()) else ",".join(cells))
    return "\n".join(lines)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=csv_texts(), kind=st.sampled_from(ingest.KINDS), bom=st.booleans())
def test_ingest_csv_arbitrary_text_is_clean_report_or_invalid(world, refreshes, text, kind, bom):
    before = counts()
    body = ("\ufeff" if bom else "") + text
    try:
        report = ingest.ingest_csv(world.team_a, kind, io.BytesIO(body.encode("utf-8", "replace")))
    except Invalid as exc:
        assert exc.errors
        assert counts() == before
    else:
        assert report.rejected == 0 and report.errors == []
        stored = Deployment if kind == "deployments" else Incident
        assert stored.objects.count() - before[kind == "incidents"] == report.created


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=200))
def test_ingest_csv_arbitrary_bytes_is_clean_report_or_invalid(world, refreshes, data):
    try:
        ingest.ingest_csv(world.team_a, "incidents", io.BytesIO(data))
    except Invalid as exc:
        assert exc.errors


# --- commands ---------------------------------------------------------------------------------


def test_issue_team_token_prints_a_working_key(world, api_client, refreshes):
    out, err = StringIO(), StringIO()
    call_command(
        "issue_team_token", "team-a", "GitHub Actions", "--org", "acme", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    token = TeamApiToken.objects.get()
    assert (token.team, token.name, key[:5], TeamApiToken.find(key)) == (
        world.team_a,
        "GitHub Actions",
        "vsmt_",
        token,
    )
    assert key not in err.getvalue()
    response = post_json(with_bearer(api_client, key), INCIDENTS_URL.format(world.team_a.id), [])
    assert response.status_code == 200


def test_issue_team_token_unknown_or_ambiguous_team(world):
    TeamFactory(organization=world.other_team.organization, slug="team-a")
    with pytest.raises(CommandError, match="^Several organisations have a team 'team-a'; pass"):
        call_command("issue_team_token", "team-a", "CI", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="^No team 'nope' in organisation 'acme'.$"):
        call_command("issue_team_token", "nope", "CI", "--org", "acme", stdout=StringIO())
    assert TeamApiToken.objects.count() == 0


def test_bench_ingest_runs_and_cleans_up(db, refreshes):
    out = StringIO()
    bench_ingest.main(["--rows", "40", "--kind", "both", "--no-tracemalloc"], out=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0].strip() for line in lines] == [
        "deployments",
        "run 1",
        "run 2",
        "incidents",
        "run 1",
        "run 2",
    ]
    assert "created 40, updated 0" in lines[1] and "created 0, updated 40" in lines[2]
    assert (Organization.objects.count(), Deployment.objects.count()) == (0, 0)
    assert refreshes == ["bench"] * 4


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["2026-03-02T10:00:00Z", "2026-03-02T10:00:00", "yes", "\x00", "\ud800"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "first_commit_at", "x"]), children, max_size=3)
    ),
    max_leaves=8,
)
JSON_ROWS = st.lists(
    st.dictionaries(
        st.sampled_from(ingest.JSON_KEYS["deployments"] + ingest.JSON_KEYS["incidents"]),
        JSON_VALUES,
        max_size=6,
    )
    | JSON_VALUES,
    max_size=4,
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=JSON_ROWS, kind=st.sampled_from(ingest.KINDS))
def test_ingest_rows_arbitrary_json_is_clean_report_or_invalid(world, refreshes, rows, kind):
    before = counts()
    try:
        ingest.ingest_rows(world.team_a, kind, rows)
    except Invalid as exc:
        assert exc.errors
        assert counts() == before


def test_a_body_that_is_not_json_is_refused_in_the_batch_shape(world, api_client):
    """Bytes that do not decode: a 400 with the rejected-batch fields the schema promises."""
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(
        f"/api/v1/teams/{world.team_a.id}/deployments/",
        b'["\xc3',
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["created"], body["updated"], body["rejected"], body["errors"]) == (0, 0, 0, [])
    assert body["detail"].startswith("JSON parse error")


# --- attribution fields (issue 20) ------------------------------------------------------------


def test_ingest_json_attribution_fields_stored(world, refreshes):
    rows = [
        {"external_id": "d-1", "finished_at": "2026-03-02T10:00:00Z", "version": "abc1234",
         "changes": [{"id": "c-1", "first_commit_at": "2026-03-02T09:00:00Z",
                      "title": 'Revert "Add coupons"'}]},
        {"external_id": "d-2", "finished_at": "2026-03-02T11:00:00Z", "fixes": "d-1"},
        {"external_id": "d-3", "finished_at": "2026-03-02T12:00:00Z", "fixes": "d-2",
         "planned": True},
    ]  # fmt: skip
    assert ingest.ingest_rows(world.team_a, "deployments", rows).created == 3
    stored = {
        d.external_id: (d.fixes, d.planned, d.version, d.changes)
        for d in Deployment.objects.filter(team=world.team_a)
    }
    assert stored == {
        "d-1": ("", True, "abc1234", [{"id": "c-1", "first_commit_at": "2026-03-02T09:00:00+00:00",
                                       "title": 'Revert "Add coupons"'}]),
        "d-2": ("d-1", False, "", []),
        "d-3": ("d-2", True, "", []),
    }  # fmt: skip


def test_ingest_csv_attribution_columns_stored(world, refreshes):
    body = (
        b"external_id,finished_at,fixes,planned,version\n"
        b"d-1,2026-03-02T10:00:00Z,,,v1\n"
        b"d-2,2026-03-02T11:00:00Z,d-1,no,v2\n"
    )
    ingest.ingest_csv(world.team_a, "deployments", io.BytesIO(body))
    stored = sorted(
        Deployment.objects.filter(team=world.team_a).values_list(
            "external_id", "fixes", "planned", "version"
        )
    )
    assert stored == [("d-1", "", True, "v1"), ("d-2", "d-1", False, "v2")]
    body = (
        b"external_id,started_at,service,description\n"
        b'i-1,2026-03-02T12:00:00Z,checkout,"500s\nroot cause: v2"\n'
    )
    ingest.ingest_csv(world.team_a, "incidents", io.BytesIO(body))
    assert list(Incident.objects.values_list("service", "description")) == [
        ("checkout", "500s\nroot cause: v2")
    ]


def test_ingest_deployment_fixing_itself_rejected(world, refreshes):
    rows = [{"external_id": "d-1", "finished_at": "2026-03-02T10:00:00Z", "fixes": "d-1"}]
    with pytest.raises(ingest.BatchRejected) as caught:
        ingest.ingest_rows(world.team_a, "deployments", rows)
    assert caught.value.errors == [
        {"line": 1, "external_id": "d-1", "field": "fixes",
         "message": "A deployment cannot fix itself."}
    ]  # fmt: skip


def test_the_downloadable_csv_templates_ingest_as_they_stand(world):
    """The example row of each template (static/csv/) is a valid event with every column."""
    import io
    from pathlib import Path

    from assessments.dora import ingest

    static = Path(__file__).resolve().parents[3] / "static" / "csv"
    for kind in ingest.KINDS:
        body = (static / f"{kind}-template.csv").read_bytes()
        assert body.decode().splitlines()[0].split(",") == list(ingest.CSV_COLUMNS[kind])
        assert ingest.ingest_csv(world.team_a, kind, io.BytesIO(body)).created == 1

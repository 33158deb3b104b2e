"""Hostile and malformed input over HTTP: questionnaire YAML uploads, events CSV uploads (the team
DORA page and the API), HTML injection in pages and PDFs, request size limits.

The parsers' own properties are tested in tests/assessments/questionnaires/test_format.py and
tests/assessments/dora/test_ingest.py; these tests go through the forms, views, API and templates
and check that the person gets the parser's message (with its line), never a 500, and that
nothing was saved."""

import io
import json
import os

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from assessments.dora import ingest
from assessments.maturity import services
from assessments.models import (
    Assessment,
    Deployment,
    Dimension,
    DoraEntry,
    Incident,
    Question,
    Questionnaire,
    ValueStreamMap,
)
from assessments.questionnaires import services as questionnaire_services
from tests.factories import MembershipFactory, make_result, mini_questionnaire_yaml

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
RAW_TAGS = ("<script>alert(1)", "<img src=x")
NOT_LOADED = "The file was not loaded; nothing was saved."
NOT_UTF8_CSV = (
    "Line {} is not valid UTF-8 (byte 0x{:02x} at position {}). Save the file as UTF-8 (in "
    "Excel: CSV UTF-8)."
)
HTTP_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def questionnaire_counts():
    return Questionnaire.objects.count(), Dimension.objects.count(), Question.objects.count()


def event_counts():
    return Deployment.objects.count(), Incident.objects.count()


def flash(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- questionnaire YAML upload (/questionnaires/, CoE analyst) -------------------------------


@pytest.fixture
def analyst(world, client, mini):
    """A CoE analyst's client; the mini questionnaire is loaded, so that a partial save of a
    bad file would show in the counts."""
    client.force_login(world.analyst)
    return client


def upload_yaml(client, data):
    return client.post("/questionnaires/", {"file": SimpleUploadedFile("q.yaml", data)})


def assert_yaml_refused(page, errors, before):
    """The page lists the parser's errors, says nothing was saved, and nothing was."""
    assert page.status_code == 200
    assert page.context["errors"] == errors
    assert flash(page) == [NOT_LOADED]
    html = page.content.decode()
    for error in errors:
        assert escape(error) in html
    assert questionnaire_counts() == before


VALID = mini_questionnaire_yaml(version=2)
BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        pytest.param(
            VALID.replace("Mini maturity", "Mini maturité").encode("latin-1"),
            ["line 3: the file is not UTF-8 text (byte 0xe9 cannot be read); save it as UTF-8"],
            id="latin-1",
        ),
        pytest.param(
            VALID.encode("utf-16"),
            ["line 1: the file is not UTF-8 text (byte 0xff cannot be read); save it as UTF-8"],
            id="utf-16-with-bom",
        ),
        pytest.param(
            VALID.encode("utf-16-le"),
            ["line 1: the file contains a character that YAML does not allow (U+0000)"],
            id="utf-16-le-without-bom",
        ),
        pytest.param(
            VALID.encode("utf-16-be"),
            ["line 1: the file contains a character that YAML does not allow (U+0000)"],
            id="utf-16-be-without-bom",
        ),
        pytest.param(
            ("x: " + "[" * 50_000 + "]" * 50_000 + "\n").encode(),
            ["line 1: the file nests deeper than 20 levels"],
            id="deep-flow-nesting",
        ),
        pytest.param(
            ("".join(" " * i + f"k{i}:\n" for i in range(30)) + " " * 30 + "v\n").encode(),
            ["line 21: the file nests deeper than 20 levels"],
            id="deep-block-nesting",
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            ["line 1: the file is not UTF-8 text (byte 0x89 cannot be read); save it as UTF-8"],
            id="binary-png",
        ),
        pytest.param(
            bytes(range(256)) * 4,
            ["line 2: the file is not UTF-8 text (byte 0x80 cannot be read); save it as UTF-8"],
            id="binary-all-bytes",
        ),
        pytest.param(
            b"# " + b"x" * (1024 * 1024 - 3) + b"\n",
            ["line 1: the file is empty"],
            id="exactly-1-mib-is-read",
        ),
    ],
)
def test_questionnaire_upload_malformed_file_names_line(analyst, data, errors):
    before = questionnaire_counts()
    assert_yaml_refused(upload_yaml(analyst, data), errors, before)


def test_questionnaire_upload_python_tag_refused_never_run(analyst, monkeypatch):
    def refuse(command):
        raise AssertionError(f"os.system ran {command!r}")

    monkeypatch.setattr(os, "system", refuse)
    data = VALID.replace(
        "title: Mini maturity", 'title: !!python/object/apply:os.system ["touch /tmp/pwned"]'
    )
    before = questionnaire_counts()
    errors = ["line 3: tags are not allowed (found '!!python/object/apply:os.system')"]
    assert_yaml_refused(upload_yaml(analyst, data.encode()), errors, before)


def test_questionnaire_upload_billion_laughs_refused_at_every_anchor(analyst):
    # Refused while composing, alias by alias, before anything is expanded: line 1 has an
    # anchor, lines 2 and 3 an anchor and nine aliases each, line 4 nine aliases.
    message = "anchors and aliases are not allowed"
    errors = [f"line {line}: {message}" for line, n in ((1, 1), (2, 10), (3, 10), (4, 9))
              for _ in range(n)]  # fmt: skip
    before = questionnaire_counts()
    assert_yaml_refused(upload_yaml(analyst, BOMB.encode()), errors, before)


def test_questionnaire_upload_over_1_mib_refused_by_form(analyst):
    before = questionnaire_counts()
    page = upload_yaml(analyst, b"# " + b"x" * (1024 * 1024 - 2) + b"\n")
    assert page.status_code == 200
    assert page.context["form"].errors == {"file": ["The file is larger than 1 MiB."]}
    assert page.context["errors"] == []
    assert "The file is larger than 1 MiB." in page.content.decode()
    assert questionnaire_counts() == before


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("title: Mini maturity", "title: " + "T" * 201, 3),
        ("    name: Quality", "    name: " + "Q" * 201, 22),
    ],
    ids=["title", "dimension-name"],
)
def test_questionnaire_upload_text_longer_than_column_refused(analyst, old, new, line):
    """The format allows texts of 2,000 characters, the title and dimension name columns 200:
    such a file must be refused with its line, not saved anyway (SQLite ignores the length)
    or answered with a 500 (PostgreSQL: value too long for type character varying(200))."""
    before = questionnaire_counts()
    page = upload_yaml(analyst, VALID.replace(old, new).encode())
    assert page.status_code == 200
    assert [e.split(":")[0] for e in page.context["errors"]] == [f"line {line}"]
    assert "at most 200" in page.context["errors"][0]
    assert questionnaire_counts() == before


def test_questionnaire_upload_empty_file_refused_by_form(analyst):
    before = questionnaire_counts()
    page = upload_yaml(analyst, b"")
    assert page.status_code == 200
    assert page.context["form"].errors == {"file": ["The submitted file is empty."]}
    assert questionnaire_counts() == before


# Empty files never reach the parser (see above); everything else does.
@HTTP_SETTINGS
@given(data=st.binary(min_size=1, max_size=300) | st.text(min_size=1, max_size=300).map(str.encode))
def test_questionnaire_upload_arbitrary_bytes_refused_cleanly(analyst, data):
    before = questionnaire_counts()
    page = upload_yaml(analyst, data)
    assert page.status_code == 200
    errors = page.context["errors"]
    assert errors
    assert flash(page) == [NOT_LOADED]
    assert questionnaire_counts() == before


# --- events CSV: the team DORA page's upload and the API's CSV body --------------------------


@pytest.fixture
def lead(world, client):
    client.force_login(world.lead_a)
    return client


@pytest.fixture
def no_refresh(monkeypatch):
    # Only a saved batch refreshes the snapshot; these tests save none or check counts only.
    monkeypatch.setattr(ingest.dora_services, "refresh_event_snapshots", lambda team: None)


def upload_csv(client, team, kind, data):
    return client.post(
        f"/teams/{team.id}/dora/upload/",
        {"kind": kind, "file": SimpleUploadedFile("events.csv", data, "text/csv")},
    )


def post_csv(api_client, team, kind, data):
    return api_client.post(f"/api/v1/teams/{team.id}/{kind}/", data=data, content_type="text/csv")


GOOD_INCIDENTS = (
    "external_id,started_at,resolved_at\n"
    "i-1,2026-03-02T10:00:00Z,2026-03-02T12:00:00Z\n"
    "i-2,2026-03-03T10:00:00Z,\n"
)
# UTF-16-LE without a BOM decodes as UTF-8 with a NUL after every character (and the line
# break's NUL starts the next line): the columns come out as these.
UTF16_LE_COLUMNS = ", ".join(
    repr(prefix + "\x00".join(name) + "\x00")
    for prefix, name in (("", "external_id"), ("\x00", "started_at"), ("\x00", "resolved_at"))
)
COLUMNS = (
    "The incidents columns are external_id,started_at,resolved_at,deployment_external_id,service,"
    "description."
)
# (body, message, rows rejected, [(line, message)] of the errors)
CSV_CASES = [
    pytest.param(
        GOOD_INCIDENTS.replace("i-2", "i-é").encode("latin-1"),
        NOT_UTF8_CSV.format(3, 0xE9, 3),
        0,
        [(3, NOT_UTF8_CSV.format(3, 0xE9, 3))],
        id="latin-1",
    ),
    pytest.param(
        GOOD_INCIDENTS.encode("utf-16"),
        NOT_UTF8_CSV.format(1, 0xFF, 1),
        0,
        [(1, NOT_UTF8_CSV.format(1, 0xFF, 1))],
        id="utf-16-with-bom",
    ),
    pytest.param(
        GOOD_INCIDENTS.encode("utf-16-le"),
        f"Unknown column(s) on line 1: {UTF16_LE_COLUMNS}. {COLUMNS}",
        0,
        [(1, f"Unknown column(s) on line 1: {UTF16_LE_COLUMNS}. {COLUMNS}")],
        id="utf-16-le-without-bom",
    ),
    pytest.param(
        b"external_id,resolved_at\ni-1,2026-03-02T12:00:00Z\n",
        "Missing required column(s) on line 1: started_at.",
        0,
        [(1, "Missing required column(s) on line 1: started_at.")],
        id="missing-column",
    ),
    pytest.param(
        b"external_id,started_at,severity\ni-1,2026-03-02T10:00:00Z,high\n",
        f"Unknown column(s) on line 1: 'severity'. {COLUMNS}",
        0,
        [(1, f"Unknown column(s) on line 1: 'severity'. {COLUMNS}")],
        id="extra-column",
    ),
    pytest.param(
        b"external_id,started_at\ni-1,2026-03-02T10:00:00Z\ni-2,2026-03-02T10:00:00Z,oops,more\n",
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [(3, "Line 3 has 4 values; the header has 2 columns.")],
        id="extra-values-in-a-row",
    ),
    pytest.param(
        b"external_id,started_at,resolved_at\ni-1\ni-2,2026-03-02T10:00:00Z,\n",
        "1 of 2 rows were rejected; nothing was saved.",
        1,
        [(2, "Line 2 has 1 values; the header has 3 columns.")],
        id="missing-values-in-a-row",
    ),
    pytest.param(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        NOT_UTF8_CSV.format(1, 0x89, 1),
        0,
        [(1, NOT_UTF8_CSV.format(1, 0x89, 1))],
        id="binary-png",
    ),
]


@pytest.mark.parametrize(("data", "message", "rejected", "errors"), CSV_CASES)
def test_events_csv_upload_page_malformed_file_names_line(
    world, lead, no_refresh, data, message, rejected, errors
):
    before = event_counts()
    response = upload_csv(lead, world.team_a, "incidents", data)
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{world.team_a.id}/dora/"
    # A file-level problem names its line in the message already; it is not repeated.
    lines = [f"line {line}: {text}" for line, text in errors if text not in message]
    assert flash(response) == [" ".join([message, *lines])]
    assert event_counts() == before


@pytest.mark.parametrize(("data", "message", "rejected", "errors"), CSV_CASES)
def test_events_csv_api_malformed_body_names_line(
    world, api_client, no_refresh, data, message, rejected, errors
):
    api_client.force_authenticate(world.lead_a)
    before = event_counts()
    response = post_csv(api_client, world.team_a, "incidents", data)
    assert response.status_code == 400
    assert response.json() == {
        "detail": message,
        "created": 0,
        "updated": 0,
        "rejected": rejected,
        "errors": [
            {"line": line, "external_id": None, "field": None, "message": text}
            for line, text in errors
        ],
    }
    assert event_counts() == before


def test_events_csv_upload_page_row_limit(world, lead, no_refresh, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_ROWS", 3)
    body = "external_id,started_at\n" + "".join(
        f"i-{n},2026-03-02T10:00:00Z\n" for n in range(2, 6)
    )
    before = event_counts()
    response = upload_csv(lead, world.team_a, "incidents", body.encode())
    message = (
        "A batch holds at most 3 rows; line 5 is beyond that. Split the events into smaller "
        "batches."
    )
    assert flash(response) == [message]
    assert event_counts() == before


def test_events_csv_line_too_long_refused(world, lead, api_client, no_refresh, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_LINE_BYTES", 64)
    body = f"external_id,started_at\ni-{'x' * 80},2026-03-02T10:00:00Z\n".encode()
    message = "Line 2 is longer than 64 bytes."
    before = event_counts()
    assert flash(upload_csv(lead, world.team_a, "incidents", body)) == [message]
    api_client.force_authenticate(world.lead_a)
    response = post_csv(api_client, world.team_a, "incidents", body)
    assert (response.status_code, response.json()["errors"]) == (
        400,
        [{"line": 2, "external_id": None, "field": None, "message": message}],
    )
    assert event_counts() == before


def test_events_csv_upload_page_valid_file_still_saved(world, lead, no_refresh):
    response = upload_csv(lead, world.team_a, "incidents", GOOD_INCIDENTS.encode())
    assert flash(response) == ["Incidents: 2 created, 0 updated, 0 rejected."]
    assert event_counts() == (0, 2)


def test_events_csv_upload_page_empty_file_refused_by_form(world, lead):
    response = upload_csv(lead, world.team_a, "incidents", b"")
    assert flash(response) == ["Choose the kind of events and a CSV file."]
    assert event_counts() == (0, 0)


@HTTP_SETTINGS
@given(
    data=st.binary(min_size=1, max_size=300)
    | st.text(max_size=300).map(lambda t: ("external_id,started_at\n" + t).encode()),
    kind=st.sampled_from(ingest.KINDS),
)
def test_events_csv_upload_page_arbitrary_bytes_never_500(world, lead, no_refresh, data, kind):
    before = event_counts()
    response = upload_csv(lead, world.team_a, kind, data)
    assert response.status_code == 302
    message = flash(response)[-1]  # the redirect is not followed: earlier examples' pile up
    if message.startswith(f"{kind.capitalize()}: "):
        assert "0 rejected" in message
    else:
        assert event_counts() == before


@HTTP_SETTINGS
@given(
    data=st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: ("external_id,finished_at\n" + t).encode()),
    kind=st.sampled_from(ingest.KINDS),
)
def test_events_csv_api_arbitrary_bytes_never_500(world, api_client, no_refresh, data, kind):
    api_client.force_authenticate(world.lead_a)
    before = event_counts()
    response = post_csv(api_client, world.team_a, kind, data)
    assert response.status_code in (200, 400)
    body = response.json()
    if response.status_code == 400:
        assert body["detail"]
        assert body["errors"]
        assert all(isinstance(e["line"], int) and e["line"] >= 1 for e in body["errors"])
        assert event_counts() == before
    else:
        assert (body["rejected"], body["errors"]) == (0, [])


# --- HTML injection: pages and PDFs -----------------------------------------------------------


def hostile_questionnaire_yaml():
    """The mini questionnaire as 'xss' v1, with the payload as its title, a dimension's name
    and a question's text (double-quoted YAML: the payload has no quote or backslash)."""
    return (
        mini_questionnaire_yaml()
        .replace("key: mini", "key: xss")
        .replace("title: Mini maturity", f'title: "{PAYLOAD}"')
        .replace("name: Flow", f'name: "Flow {PAYLOAD}"')
        .replace("text: How is work in progress limited?", f'text: "{PAYLOAD}"')
    )


@pytest.fixture
def hostile(world):
    """Team A named with the payload, a closed 'xss' assessment whose comment is the payload,
    and a result of the shipped vsm-maturity questionnaire (the one the CoE dashboard shows)."""
    from reports.demo import load_shipped_questionnaires

    world.team_a.name = PAYLOAD
    world.team_a.save(update_fields=["name"])
    # Three respondents count as confident, so comments are shown (and must be escaped).
    world.member_a2 = MembershipFactory(team=world.team_a, user__username="member_a2").user
    questionnaire_services.load_questionnaire(hostile_questionnaire_yaml())
    assessment = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "xss")
    levels = {"flow-wip": 3, "flow-wait": 4, "quality-tests": 2, "quality-review": 3}
    for user in (world.member_a, world.lead_a, world.member_a2):
        services.save_answers(
            user, assessment, answers=levels, comments={"flow-wip": f"{user.username} {PAYLOAD}"}
        )
        services.submit_response(user, assessment)
    result = services.close_assessment(world.lead_a, assessment)
    load_shipped_questionnaires()
    maturity = Questionnaire.objects.get(key="vsm-maturity", version=1)
    lineages = list(maturity.dimensions.order_by("position").values_list("lineage", flat=True))
    make_result(world.team_a, "2026-Q4", 3.2, dict.fromkeys(lineages, 3.2), questionnaire=maturity)
    return result


def assert_escaped(html, count=1):
    for tag in RAW_TAGS:
        assert tag not in html
    assert html.count(ESCAPED) >= count


@pytest.mark.parametrize(
    ("who", "url", "count"),
    [
        ("lead_a", "/teams/{team}/", 1),
        # team name, question text, the two comments, the dimension name
        ("lead_a", "/assessments/{assessment}/result/", 5),
        ("lead_a", "/teams/{team}/history/", 1),
        ("analyst", "/coe/", 1),
        ("analyst", "/questionnaires/", 1),
        # title, dimension name, question text
        ("lead_a", "/questionnaires/library/xss/1/", 3),
    ],
)
def test_html_injection_escaped_in_page(world, client, hostile, who, url, count):
    client.force_login(getattr(world, who))
    page = client.get(url.format(team=world.team_a.id, assessment=hostile.assessment_id))
    assert page.status_code == 200
    assert_escaped(page.content.decode(), count)


def test_html_injection_escaped_in_roadmap_pdf(world, hostile):
    from reports.pdf.context import roadmap_context
    from reports.pdf.render import html_to_pdf, render_roadmap_html

    html = render_roadmap_html(roadmap_context(hostile))
    # team name, the question text and both comments in the appendix, at the least
    assert_escaped(html, 4)
    # An unescaped <img src=x> would also fail here: the fetcher refuses non-static URLs.
    pdf = html_to_pdf(html)
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "".join(PAYLOAD.split()) in text
    assert f"member_a{''.join(PAYLOAD.split())}" in text


# --- request size limits ----------------------------------------------------------------------


def test_request_size_limit_configured():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * 1024 * 1024


def stored_counts():
    return (
        Assessment.objects.count(),
        ValueStreamMap.objects.count(),
        DoraEntry.objects.count(),
        *event_counts(),
    )


TOO_BIG = "The request body is larger than 5 MiB."


def oversized_json(**fields):
    padding = "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return json.dumps({**fields, "padding": padding})


@pytest.mark.parametrize(
    ("method", "url", "status", "detail"),
    [
        # Django refuses the body (RequestDataTooBig) while DRF reads it: vsm_site.errors
        # answers 413 naming the limit.
        ("post", "/api/v1/assessments/", 413, TOO_BIG),
        ("put", "/api/v1/teams/{team}/value-stream-maps/current/", 413, TOO_BIG),
        ("put", "/api/v1/teams/{team}/dora/entries/2026-Q4/", 413, TOO_BIG),
        # The events API checks the length itself and says to send CSV.
        ("post", "/api/v1/teams/{team}/incidents/", 413, "The JSON body is {length} bytes; a "
         "JSON body may be at most 5242880 bytes. Send large batches as CSV (Content-Type: "
         "text/csv), which is streamed, or split them into smaller JSON batches."),
    ],
)  # fmt: skip
def test_request_over_size_limit_to_json_api_is_4xx_json(
    world, api_client, method, url, status, detail
):
    api_client.force_authenticate(world.lead_a)
    before = stored_counts()
    body = oversized_json(team=world.team_a.id, period="2027-Q1")
    response = getattr(api_client, method)(
        url.format(team=world.team_a.id), data=body, content_type="application/json"
    )
    assert response["Content-Type"] == "application/json"
    assert (response.status_code, response.json()) == (
        status,
        {"detail": detail.format(length=len(body))},
    )
    assert stored_counts() == before


def test_request_over_size_limit_to_form_view_is_400_page(world, lead):
    body = "period=2026-Q4&note=" + "x" * django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = lead.post(
        f"/teams/{world.team_a.id}/dora/entry/",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert [t.name for t in response.templates][:1] == ["400.html"]
    assert "The request body is larger than 5 MiB." in response.content.decode()
    assert stored_counts() == (0, 0, 0, 0, 0)

"""Candour (issue 15): what one respondent wrote leaves the product only for them and for
organisation admins. The answers export holds closed assessments only and, for anyone but
organisation admins, leaves out low-confidence results with a note; comments of a
low-confidence result are hidden on the result page and in the roadmap PDF from everyone but
organisation admins, with a sentence saying why. ``assessments.permissions.may_see_candid_detail``
decides it for all three."""

import csv
import io
from types import SimpleNamespace

import openpyxl
import pytest

from assessments.maturity import services
from assessments.permissions import may_see_candid_detail
from reports.pdf.context import roadmap_context
from reports.pdf.render import render_roadmap_html
from tests.conftest import ALL_LEVELS
from tests.factories import MembershipFactory

HIDDEN = (
    "Comments are hidden: fewer than 3 people answered, so a comment could identify its author."
)
HEADERS = ["Team", "Period", "Questionnaire", "Respondent", "Dimension", "Question key",
           "Question", "Level", "Comment", "Evidence", "Note"]  # fmt: skip
LOW_NOTE = (
    "Left out: low confidence (1 respondent, fewer than the organisation's threshold), "
    "so an answer could identify its author."
)
QUESTION_KEYS = ["flow-wip", "flow-wait", "quality-tests", "quality-review"]
LEVELS = ["3", "4", "2", "don't know"]  # ALL_LEVELS, as the export writes them


def _answer(user, assessment, label):
    services.save_answers(
        user, assessment, answers=ALL_LEVELS,
        comments={"flow-wip": f"{label}: said by {user.username}"},
    )  # fmt: skip
    services.submit_response(user, assessment)


@pytest.fixture
def candour(world, mini):
    """Team A on the mini questionnaire (organisation threshold 3):
    low    2026-Q2, closed, answered by member_a alone: low confidence;
    normal 2026-Q3, closed, answered by member_a, lead_a and third_a;
    opened 2026-Q4, still open, member_a has submitted."""
    third_a = MembershipFactory(team=world.team_a, user__username="third_a").user
    low = services.open_assessment(world.lead_a, world.team_a, "2026-Q2", "mini")
    _answer(world.member_a, low, "low")
    low_result = services.close_assessment(world.lead_a, low)
    normal = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    for user in (world.member_a, world.lead_a, third_a):
        _answer(user, normal, "normal")
    normal_result = services.close_assessment(world.lead_a, normal)
    opened = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    _answer(world.member_a, opened, "open")
    assert (low_result.low_confidence, normal_result.low_confidence) == (True, False)
    return SimpleNamespace(low=low_result, normal=normal_result, opened=opened)


def _rows(who_sees, period, respondents, label="normal"):
    """The export's (period, respondent, question key, level, comment, note) of every answer."""
    return [
        (period, respondent, key, level,
         f"{label}: said by {who_sees.get(respondent, respondent)}" if key == "flow-wip" else "",
         "")
        for respondent in respondents
        for key, level in zip(QUESTION_KEYS, LEVELS, strict=True)
    ]  # fmt: skip


def _export(client, user, fmt="csv"):
    client.force_login(user)
    response = client.get(f"/coe/export/answers.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _projection(rows):
    return [(r[1], r[3], r[5], r[7], r[8], r[10]) for r in rows]


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "low_confidence", "expected"),
    [
        ("member_a", False, True), ("lead_a", False, True), ("analyst", False, True),
        ("org_admin", False, True),
        ("member_a", True, False), ("lead_a", True, False), ("analyst", True, False),
        ("other_admin", True, False), (None, True, False),
        ("org_admin", True, True), ("superuser", True, True),
    ],
)  # fmt: skip
def test_may_see_candid_detail_low_confidence_for_org_admins_only(
    world, who, low_confidence, expected
):
    viewer = getattr(world, who) if who else None
    assert may_see_candid_detail(viewer, world.org, low_confidence) is expected


# --- the answers export -----------------------------------------------------------------------


def test_answers_export_analyst_gets_closed_confident_results_and_a_note(world, candour, client):
    rows = _export(client, world.analyst)
    assert rows[0] == HEADERS
    # The left-out result first, so that a reader sees it before the answers.
    assert rows[1] == ["Team A", "2026-Q2", "mini v1", "", "", "", "", "", "", "", LOW_NOTE]
    pseudonyms = {"R1": "member_a", "R2": "lead_a", "R3": "third_a"}
    assert _projection(rows[2:]) == _rows(pseudonyms, "2026-Q3", ["R1", "R2", "R3"])


def test_answers_export_org_admin_gets_every_closed_result_named(world, candour, client):
    rows = _export(client, world.org_admin)
    assert rows[0] == HEADERS
    assert _projection(rows[1:]) == [
        *_rows({}, "2026-Q2", ["member_a"], label="low"),
        *_rows({}, "2026-Q3", ["member_a", "lead_a", "third_a"]),
    ]


def test_answers_export_superuser_gets_low_confidence_results(world, candour, client):
    rows = _export(client, world.superuser)
    assert [(r[1], r[3]) for r in rows[1:] if r[5] == "flow-wip"] == [
        ("2026-Q2", "member_a"), ("2026-Q3", "member_a"), ("2026-Q3", "lead_a"),
        ("2026-Q3", "third_a"),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["analyst", "org_admin"])
def test_answers_export_leaves_out_open_assessments(world, candour, client, who):
    rows = _export(client, getattr(world, who))
    assert [r for r in rows[1:] if r[1] == "2026-Q4"] == []
    assert not any(r[8].startswith("open:") for r in rows[1:])


def test_answers_export_of_a_period_counts_only_its_left_out_results(world, candour, client):
    client.force_login(world.analyst)
    response = client.get("/coe/export/answers.csv", {"period": "2026-Q3"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[10] for r in rows[1:]] == [""] * 12


def test_answers_export_xlsx_analyst_same_rows_as_csv(world, candour, client):
    rows = _export(client, world.analyst, fmt="xlsx")
    assert rows[0] == HEADERS
    assert rows[1] == ["Team A", "2026-Q2", "mini v1", "", "", "", "", "", "", "", LOW_NOTE]
    assert [(r[1], r[3]) for r in rows[2:] if r[5] == "flow-wip"] == [
        ("2026-Q3", "R1"), ("2026-Q3", "R2"), ("2026-Q3", "R3")
    ]  # fmt: skip


# --- the result page --------------------------------------------------------------------------


def _result_page(client, user, result):
    client.force_login(user)
    response = client.get(f"/assessments/{result.assessment_id}/result/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["member_a", "lead_a", "analyst"])
def test_result_page_hides_comments_of_low_confidence_result(world, candour, client, who):
    html = _result_page(client, getattr(world, who), candour.low)
    assert "low: said by member_a" not in html
    assert html.count(HIDDEN) == 1


@pytest.mark.parametrize("who", ["org_admin", "superuser"])
def test_result_page_shows_comments_of_low_confidence_result_to_admins(world, candour, client, who):
    html = _result_page(client, getattr(world, who), candour.low)
    assert html.count("low: said by member_a") == 1
    assert HIDDEN not in html


def test_result_page_cached_admin_body_not_served_to_lead(world, candour, client):
    assert "low: said by member_a" in _result_page(client, world.org_admin, candour.low)
    html = _result_page(client, world.lead_a, candour.low)  # same data version: cache kept
    assert ("low: said by member_a" in html, HIDDEN in html) == (False, True)
    html = _result_page(client, world.org_admin, candour.low)
    assert ("low: said by member_a" in html, HIDDEN in html) == (True, False)


def test_result_page_shows_comments_of_confident_result_to_members(world, candour, client):
    html = _result_page(client, world.member_a, candour.normal)
    assert [html.count(f"normal: said by {u}") for u in ("member_a", "lead_a", "third_a")] == [
        1, 1, 1
    ]  # fmt: skip
    assert HIDDEN not in html


# --- the roadmap PDF --------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "member_a", "lead_a", "analyst"])
def test_roadmap_pdf_hides_comments_of_low_confidence_result(world, candour, who):
    """``None``: the stored PDF, which everyone who sees the team may download."""
    context = roadmap_context(candour.low, viewer=getattr(world, who) if who else None)
    assert (context["appendix"]["comments"], context["appendix"]["comments_hidden"]) == (
        [], HIDDEN
    )  # fmt: skip
    html = render_roadmap_html(context)
    assert "low: said by member_a" not in html
    assert html.count(HIDDEN) == 1


def test_roadmap_pdf_shows_comments_of_low_confidence_result_to_org_admin(world, candour):
    context = roadmap_context(candour.low, viewer=world.org_admin)
    assert context["appendix"]["comments"] == [
        {"dimension": "Flow", "question": "How is work in progress limited?",
         "comment": "low: said by member_a"},
    ]  # fmt: skip
    assert context["appendix"]["comments_hidden"] == ""
    html = render_roadmap_html(context)
    assert html.count("low: said by member_a") == 1
    assert HIDDEN not in html


def test_roadmap_pdf_shows_comments_of_confident_result(world, candour):
    context = roadmap_context(candour.normal)
    assert [c["comment"] for c in context["appendix"]["comments"]] == [
        "normal: said by member_a", "normal: said by lead_a", "normal: said by third_a"
    ]  # fmt: skip
    assert HIDDEN not in render_roadmap_html(context)

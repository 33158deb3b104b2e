"""Scoring rules v2: confidence and anonymity per dimension. A dimension scored by fewer
respondents than the organisation's threshold hides its spread (range, shares per level,
answers per level, disagreement mark, the explanation naming them) and says why, even when the
result as a whole has enough respondents. Organisation admins still see it."""

import pytest

from assessments.maturity import services
from reports.pdf.context import roadmap_context
from tests.conftest import ALL_LEVELS
from tests.factories import MembershipFactory

HIDDEN = "Hidden: 2 people scored this dimension, fewer than 3, so the spread could identify them."


@pytest.fixture
def quality_by_two(world, open_assessment):
    """Three respondents; the third answers "don't know" to both quality questions, so quality
    is scored by two people and flow by three. flow-wip 3, 1 and 4 makes flow disagree (a
    third of the team three levels below another third)."""
    world.member_a2 = MembershipFactory(team=world.team_a, user__username="member_a2").user
    for user, levels in (
        (world.member_a, ALL_LEVELS),
        (world.lead_a, {**ALL_LEVELS, "flow-wip": 1}),
        (
            world.member_a2,
            {**ALL_LEVELS, "flow-wip": 4, "quality-tests": None, "quality-review": None},
        ),
    ):
        services.save_answers(user, open_assessment, answers=levels)
        services.submit_response(user, open_assessment)
    return services.close_assessment(world.lead_a, open_assessment)


def test_result_page_hides_the_spread_of_a_dimension_scored_by_too_few(
    world, quality_by_two, client
):
    assert quality_by_two.low_confidence is False
    client.force_login(world.lead_a)
    page = client.get(f"/assessments/{quality_by_two.assessment_id}/result/")
    rows = {row["key"]: row for row in page.context["dimension_rows"]}
    assert rows["quality"]["spread_hidden"] is True
    assert rows["quality"]["hidden_reason"] == HIDDEN
    assert rows["quality"]["shares"] == []
    assert rows["flow"]["spread_hidden"] is False
    assert rows["flow"]["disagreement"] is True
    html = page.content.decode()
    assert HIDDEN in html
    assert "⚑ disagreement" in html  # flow's mark is shown; quality's column says "hidden"


def test_org_admin_sees_every_dimensions_spread(world, quality_by_two, client):
    client.force_login(world.org_admin)
    page = client.get(f"/assessments/{quality_by_two.assessment_id}/result/")
    rows = {row["key"]: row for row in page.context["dimension_rows"]}
    assert rows["quality"]["spread_hidden"] is False
    assert rows["quality"]["hidden_reason"] == ""


def test_api_and_pdf_withhold_the_same_dimension(world, quality_by_two, api_client):
    api_client.force_authenticate(world.lead_a)
    result = api_client.get(f"/api/v1/assessments/{quality_by_two.assessment_id}/result/").json()
    quality = next(d for d in result["dimensions"] if d["key"] == "quality")
    assert (quality["spread_hidden"], quality["min"], quality["max"]) == (True, None, None)
    assert (quality["disagreement"], quality["at_or_above"]) == (None, None)
    context = roadmap_context(quality_by_two)  # the stored PDF: built for no one in particular
    dims = {d["key"]: d for d in context["result"]["dimensions"]}
    assert (dims["quality"]["spread_hidden"], dims["quality"]["min"]) == (True, None)
    assert dims["flow"]["min"] is not None
    assert context["legend_tiers"] == ("elite", "high", "medium", "low")  # the 2024 set
    hidden = {d["name"]: d["hidden_distribution"] for d in context["appendix"]["dimensions"]}
    assert hidden == {"Flow": False, "Quality": True}


def test_dont_know_share_is_shown_with_its_warning(world, quality_by_two, client):
    client.force_login(world.lead_a)
    page = client.get(f"/assessments/{quality_by_two.assessment_id}/result/")
    quality = next(r for r in page.context["dimension_rows"] if r["key"] == "quality")
    # ALL_LEVELS answers quality-review "don't know": 1 + 1 + 2 of 6 answers.
    assert (quality["dont_know_percent"], quality["dont_know_warning"]) == (66, True)
    assert "⚠ 66%" in page.content.decode()

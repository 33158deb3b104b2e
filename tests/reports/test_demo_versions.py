"""The demo shows a questionnaire change: older quarters answered on version 1, the latest on
version 2, one history across both (issue 18), and the CoE's organisation practices."""

from django.core.management import call_command

from assessments.models import Assessment, Organization, Result
from assessments.models.questionnaires import OrganizationPractices
from assessments.questionnaires import selectors as questionnaire_selectors


def test_demo_history_spans_v1_and_v2_with_the_same_dimension_lineages(db, client):
    call_command("load_demo")
    results = list(
        Result.objects.filter(team__slug="checkout")
        .select_related("questionnaire")
        .order_by("period")
    )
    assert [r.questionnaire.version for r in results] == [1, 1, 1, 1, 1, 2]
    assert Assessment.objects.get(team__slug="checkout", status="open").questionnaire.version == 2
    v1_lineages = set(results[0].dimension_scores)
    assert len(v1_lineages) == 10
    # Every v1 dimension continues into v2 under its lineage: the trend has no break.
    assert v1_lineages <= set(results[-1].dimension_scores)
    assert set(results[-1].dimension_scores) - v1_lineages == {"architecture@v2"}
    for lineage in v1_lineages:
        assert all(r.dimension_scores[lineage] is not None for r in results), lineage
    client.login(username="checkout.lead", password="demo-pass-2026")
    team_id = results[0].team_id
    assert client.get(f"/teams/{team_id}/history/").status_code == 200


def test_demo_answers_the_organization_section_for_the_latest_periods(db):
    call_command("load_demo")
    org = Organization.objects.get(slug="northwind")
    latest = Result.objects.filter(team__slug="checkout").order_by("-period").first()
    practices = questionnaire_selectors.organization_practices(org, latest.period)
    assert (practices["answered"], practices["total"], practices["updated_by"]) == (5, 5, "coe")
    assert practices["questionnaire"] == "vsm-maturity v2"
    sets = OrganizationPractices.objects.count()
    call_command("load_demo")
    assert OrganizationPractices.objects.count() == sets == 2


def test_demo_history_page_draws_one_line_from_v1_into_v2(db, client):
    call_command("load_demo")
    team_id = Result.objects.filter(team__slug="checkout").values_list("team_id", flat=True)[0]
    client.login(username="checkout.lead", password="demo-pass-2026")
    page = client.get(f"/teams/{team_id}/history/")
    rows = page.context["rows"]
    assert [row["comparable"] for row in rows] == [True] * 6  # no break at the new version
    assert rows[-1]["added"] == ["Value stream architecture"]
    html = page.content.decode()
    assert "vsm-maturity v1 to vsm-maturity v2" in html  # the line's name in the chart legend
    assert "(new: Value stream architecture)" in html
    assert "does not continue every earlier dimension" not in html

"""The CoE's comparison: aggregation on hand-checked data, period selection, version
separation, exports, query counts and permissions."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.coe import comparison
from tests.factories import TeamFactory, load_mini_questionnaire, make_result


@pytest.fixture
def scored(world, mini):
    """team_a: 2026-Q2 2.0 (flow 2.5, quality 1.0) -> 2026-Q3 3.0 (flow 3.5, quality 2.0);
    team_b: 2026-Q3 4.0 (flow 4.5, quality 3.0) only; another key's result is ignored."""
    make_result(world.team_a, "2026-Q2", 2.0, {"flow": 2.5, "quality": 1.0})
    make_result(world.team_a, "2026-Q3", 3.0, {"flow": 3.5, "quality": 2.0})
    make_result(world.team_b, "2026-Q3", 4.0, {"flow": 4.5, "quality": 3.0})
    return world


def test_rows_medians_movers_and_rollups_hand_checked(scored):
    data = comparison.build_comparison(scored.org, questionnaire_key="mini")
    rows = {r.team.name: r for r in data.rows}
    assert (rows["Team A"].overall_score, rows["Team A"].change) == (3.0, 1.0)
    assert (rows["Team B"].overall_score, rows["Team B"].change) == (4.0, None)
    assert data.columns == [("flow", "Flow"), ("quality", "Quality")]
    assert comparison.median_row(data) == {"flow": 4.0, "quality": 2.5, "overall": 3.5}
    assert comparison.level_distribution(data.rows) == {
        1: 0,
        2: 0,
        3: 1,
        4: 1,
        5: 0,
        "incomplete": 0,
    }
    movers = comparison.movers(data.rows)
    assert [r.team.name for r in movers["up"]] == ["Team A"]
    assert movers["down"] == []
    rollups = comparison.rollups(data)
    assert rollups["organization"]["overall"] == 3.5
    assert rollups["organization"]["dimensions"]["flow"] == (4.0, 2)
    assert [(name, s["overall"], s["scored"]) for name, s in rollups["groups"]] == [
        ("Payments", 3.0, 1), ("Platform", 4.0, 1)
    ]  # fmt: skip


def test_rollup_is_not_an_average_of_group_averages(world, mini):
    extra = TeamFactory(organization=world.org, group=world.g1, name="Team C", slug="team-c")
    make_result(world.team_a, "2026-Q3", 1.0, {"flow": 1.0, "quality": 1.0})
    make_result(extra, "2026-Q3", 2.0, {"flow": 2.0, "quality": 2.0})
    make_result(world.team_b, "2026-Q3", 5.0, {"flow": 5.0, "quality": 5.0})
    data = comparison.build_comparison(world.org, questionnaire_key="mini")
    rollups = comparison.rollups(data)
    # group means 1.5 and 5.0 would average to 3.25; the three teams' mean is 2.67
    assert rollups["organization"]["overall"] == 2.67
    assert {n: s["overall"] for n, s in rollups["groups"]} == {"Payments": 1.5, "Platform": 5.0}


def test_period_selection_uses_latest_at_or_before(scored):
    data = comparison.build_comparison(scored.org, "2026-Q2", questionnaire_key="mini")
    rows = {r.team.name: r for r in data.rows}
    assert rows["Team A"].result.period == "2026-Q2"
    assert rows["Team A"].previous is None
    assert rows["Team B"].result is None  # its first result is later


def test_other_questionnaire_key_is_not_compared(scored):
    make_result(scored.team_b, "2026-Q4", 1.0, {"x": 1.0}, key="mini", respondents=3)
    other = load_mini_questionnaire(version=1).__class__.objects.get(key="mini")
    assert other.key == "mini"
    data = comparison.build_comparison(scored.org, questionnaire_key="vsm-maturity")
    assert all(r.result is None for r in data.rows)


def test_versions_differing_are_named(scored):
    v2 = load_mini_questionnaire(version=2, flow_replaces="replaces: flow")
    make_result(scored.team_b, "2026-Q4", 3.0, {"flow": 3.0, "quality2@v2": 3.0}, questionnaire=v2)
    data = comparison.build_comparison(scored.org, questionnaire_key="mini")
    assert data.versions == ["mini v1", "mini v2"]
    # columns follow the newest version; flow continues across versions by lineage
    assert [lineage for lineage, _ in data.columns] == ["flow", "quality@v2"]


def test_sort_and_filter(scored):
    data = comparison.build_comparison(scored.org, questionnaire_key="mini")
    by_flow = comparison.sort_and_filter(data.rows, "dim:flow", "desc")
    assert [r.team.name for r in by_flow] == ["Team B", "Team A"]
    assert [r.team.name for r in comparison.sort_and_filter(data.rows, name="b")] == ["Team B"]


def test_comparison_api_for_analyst_and_not_members(scored, api_client):
    api_client.force_authenticate(scored.member_a)
    assert api_client.get("/api/v1/comparison/").status_code == 403
    api_client.force_authenticate(scored.analyst)
    body = api_client.get("/api/v1/comparison/", {"period": "2026-Q3"}).json()
    assert body["period"] == "2026-Q3"
    team_a = next(t for t in body["teams"] if t["team"]["name"] == "Team A")
    assert team_a["team"] == {"id": scored.team_a.id, "name": "Team A", "group": "Payments"}
    assert body["questionnaire"] == "vsm-maturity"
    bad = api_client.get("/api/v1/comparison/", {"period": "Q3"})
    assert bad.status_code == 400
    assert bad.json()["detail"] == "Period 'Q3' is not a quarter like 2026-Q4."
    api_client.force_authenticate(scored.other_admin)
    names = [t["team"]["name"] for t in api_client.get("/api/v1/comparison/").json()["teams"]]
    assert names == ["Other Team"]


def test_export_escapes_formulas_csv_and_xlsx(world, mini, client):
    world.team_a.name = '=HYPERLINK("http://x")'
    world.team_a.save()
    make_result(world.team_a, "2026-Q3", 3.0, {"flow": 3.0, "quality": 3.0})
    client.force_login(world.analyst)
    from reports.coe import exports

    data = comparison.build_comparison(world.org, questionnaire_key="mini")
    content, _ = exports.render(exports.comparison_table(data), "csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in names
    xlsx, _ = exports.render(exports.comparison_table(data), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    cells = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert '\'=HYPERLINK("http://x")' in cells
    assert all(not (isinstance(c, str) and c.startswith("=")) for c in cells)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_safe_cell_neutralises_formula_prefixes(value):
    from reports.coe.exports import safe_cell

    assert safe_cell(value) == "'" + value
    assert safe_cell(-1.5) == -1.5


def test_answers_export_pseudonymous_for_analyst_named_for_admin(world, confident_result, client):
    client.force_login(world.analyst)
    response = client.get("/coe/export/answers.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    respondents = {r[3] for r in rows[1:]}
    assert respondents == {"R1", "R2", "R3"}
    assert len(rows) == 1 + 3 * 4  # three respondents x four questions
    client.force_login(world.org_admin)
    response = client.get("/coe/export/answers.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r[3] for r in rows[1:]} == {"member_a", "lead_a", "member_a2"}


def test_dashboard_and_exports_forbidden_for_members(world, client):
    client.force_login(world.member_a)
    assert client.get("/coe/").status_code == 403
    assert client.get("/coe/export/comparison.csv").status_code == 403


def test_review_marking(world, closed_result, client):
    client.force_login(world.lead_a)
    assert client.post(f"/results/{closed_result.id}/review/", {"note": "x"}).status_code == 403
    client.force_login(world.analyst)
    client.post(f"/results/{closed_result.id}/review/", {"note": "Looked at the evidence"})
    closed_result.refresh_from_db()
    assert (closed_result.review_note, closed_result.reviewed_by) == (
        "Looked at the evidence", world.analyst
    )  # fmt: skip
    page = client.get("/coe/?reviewed=yes")
    assert [r.team.name for r in page.context["rows"]] == []  # mini key is not the default


def populate(world, mini, teams):
    for n in range(teams):
        team = TeamFactory(organization=world.org, group=world.g1 if n % 2 else world.g2)
        make_result(team, "2026-Q2", 2.0, {"flow": 2.0, "quality": 2.0})
        make_result(team, "2026-Q3", 2.5, {"flow": 3.0, "quality": 2.0})


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["/coe/", "/coe/?period=2026-Q3", "/api/v1/comparison/", "/coe/export/comparison.csv",
     "/coe/export/answers.csv"],
)  # fmt: skip
def test_query_count_constant_in_number_of_teams(world, mini, client, url):
    client.force_login(world.analyst)
    populate(world, mini, 5)
    few = count_queries(client, url)
    populate(world, mini, 45)
    many = count_queries(client, url)
    assert few == many


def test_dashboard_renders_heatmap_for_shipped_questionnaire(world, client):
    from assessments.models import Questionnaire
    from reports.demo import load_shipped_questionnaires

    load_shipped_questionnaires()
    shipped = Questionnaire.objects.get(key="vsm-maturity", version=1)
    world.team_a.name = "<b>Bold</b> team"
    world.team_a.save()
    make_result(world.team_a, "2026-Q2", 2.0, {"visibility": 2.0, "flow": 1.5},
                questionnaire=shipped)  # fmt: skip
    make_result(world.team_a, "2026-Q3", 3.25, {"visibility": 3.5, "flow": None},
                questionnaire=shipped)  # fmt: skip
    client.force_login(world.analyst)
    html = client.get("/coe/?sort=dim:visibility&dir=desc").content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; team" in html and "<b>Bold</b>" not in html
    assert 'class="text-center level-3"' in html and ">3.25</a>" in html
    assert "▲ +1.25" in html
    assert 'title="End-to-end visibility: level 3">3.5</a>' in html


def test_cached_comparison_sees_new_results_and_reviews_at_once(scored, world, client):
    first = comparison.cached_comparison(scored.org, questionnaire_key="mini")
    assert comparison.cached_comparison(scored.org, questionnaire_key="mini") is first
    result = make_result(scored.team_b, "2026-Q4", 5.0, {"flow": 5.0, "quality": 5.0})
    second = comparison.cached_comparison(scored.org, questionnaire_key="mini")
    assert second is not first
    assert {r.team.name: r.overall_score for r in second.rows}["Team B"] == 5.0
    client.force_login(world.analyst)
    client.post(f"/results/{result.id}/review/", {"note": "Seen"})
    third = comparison.cached_comparison(scored.org, questionnaire_key="mini")
    assert third is not second
    assert {r.team.name: r.result.review_note for r in third.rows}["Team B"] == "Seen"


@pytest.mark.parametrize("change", ["rename team", "regroup team", "new group", "org setting",
                                    "delete team", "new map"])  # fmt: skip
def test_cached_comparison_sees_edits_to_teams_groups_and_settings(scored, world, change):
    from assessments.models import Organization, TeamGroup
    from assessments.valuestream import services as valuestream_services

    first = comparison.cached_comparison(scored.org, questionnaire_key="mini")
    team = scored.team_b
    if change == "rename team":
        team.name = "Team B renamed"
        team.save()
    elif change == "regroup team":
        team.group = TeamGroup.objects.create(organization=scored.org, name="Stream 9")
        team.save()
    elif change == "new group":
        TeamGroup.objects.create(organization=scored.org, name="Stream 10")
    elif change == "org setting":
        org = Organization.objects.get(pk=scored.org.pk)
        org.low_confidence_threshold = 7
        org.save()
    elif change == "delete team":
        team.delete()
    else:
        from tests.assessments.valuestream.test_rules import EXAMPLE

        valuestream_services.save_map(world.lead_a, world.team_a, "current", EXAMPLE)
    assert comparison.cached_comparison(scored.org, questionnaire_key="mini") is not first


def test_an_older_copy_of_the_organisation_never_moves_the_version_back(scored):
    from assessments.models import Organization

    stale = Organization.objects.get(pk=scored.org.pk)
    make_result(scored.team_b, "2026-Q4", 5.0, {"flow": 5.0, "quality": 5.0})
    moved = Organization.objects.get(pk=scored.org.pk).data_version
    assert moved > stale.data_version
    stale.name = "Renamed"
    stale.save()  # a settings form holding the copy from before the result
    assert Organization.objects.get(pk=scored.org.pk).data_version > moved


def test_heatmap_is_paginated_and_sorted_across_pages(world, client):
    from assessments.models import Questionnaire
    from reports.coe.views import HEATMAP_PAGE_SIZE
    from reports.demo import load_shipped_questionnaires

    load_shipped_questionnaires()
    shipped = Questionnaire.objects.get(key="vsm-maturity", version=1)
    teams = [world.team_a, world.team_b]
    teams += TeamFactory.create_batch(HEATMAP_PAGE_SIZE + 3, organization=world.org)
    for n, team in enumerate(teams):  # scores 1.00, 1.01, ... rising with n
        make_result(team, "2026-Q3", 1 + n / 100, {"flow": 2.0}, questionnaire=shipped)
    total = len(teams)
    client.force_login(world.analyst)
    first = client.get("/coe/?sort=overall&dir=desc").content.decode()
    row_heads = first.count('<th scope="row" class="text-break-anywhere">')
    assert row_heads == HEATMAP_PAGE_SIZE
    assert f"Teams 1–{HEATMAP_PAGE_SIZE} of {total}" in first
    assert f">{1 + (total - 1) / 100:.2f}</a>" in first  # the best team opens page 1
    second = client.get("/coe/?sort=overall&dir=desc&page=2").content.decode()
    assert second.count('<th scope="row" class="text-break-anywhere">') == total - row_heads
    assert ">1.00</a>" in second  # the weakest team closes the last page
    assert f"Teams {HEATMAP_PAGE_SIZE + 1}–{total} of {total}" in second
    # a new order starts on its first page; a page out of range shows the last one
    assert (
        "page=2"
        not in second.split('<table class="table table-sm table-bordered')[1].split("</thead>")[0]
    )
    beyond = client.get("/coe/?sort=overall&dir=desc&page=99").content.decode()
    assert ">1.00</a>" in beyond


# --- issue 16: distributions add up to the teams shown; thin trend points are not drawn -----


def fake_rows(levels, tiers=None):
    """Plain stand-ins for TeamRow: what the distributions read. A level "incomplete" is a
    result whose overall is incomplete (rules v2)."""
    from types import SimpleNamespace

    tiers = tiers or [None] * len(levels)
    return [
        SimpleNamespace(overall_level=None if level == "incomplete" else level,
                        overall_incomplete=level == "incomplete",
                        dora_measured={"overall": tier} if tier else None)
        for level, tier in zip(levels, tiers, strict=True)
    ]  # fmt: skip


def test_distribution_counts_incomplete_overalls_apart_from_levels_and_no_result():
    now = fake_rows([2, "incomplete", 3, None])
    dist = comparison.distribution(now, fake_rows([2, 2, 3, None]), "level")
    assert dist["rows"] == [
        ("1 Initial", 0, 0), ("2 Managed", 2, 1), ("3 Defined", 1, 1),
        ("4 Quantitatively Managed", 0, 0), ("5 Optimizing", 0, 0),
        ("Overall incomplete", 0, 1), ("No result", 1, 1),
    ]  # fmt: skip
    assert sum(dist["selected"]) == 4


def test_distribution_of_nine_teams_sums_to_nine_in_each_period():
    now = fake_rows([2, 2, 3, 3, 3, None, 4, 1, 2])
    before = fake_rows([1, 2, 2, 2, 3, None, None, 1, 2])
    dist = comparison.distribution(now, before, "level")
    assert [label for _key, label in dist["categories"]] == [
        "1 Initial", "2 Managed", "3 Defined", "4 Quantitatively Managed", "5 Optimizing",
        "No result",
    ]  # fmt: skip
    assert dist["selected"] == [1, 3, 3, 1, 0, 1]
    assert dist["previous"] == [2, 4, 1, 0, 0, 2]
    assert sum(dist["selected"]) == sum(dist["previous"]) == dist["teams"] == 9
    assert dist["rows"][1] == ("2 Managed", 4, 3)  # side by side, never 4 + 3 = 7


def test_distribution_drops_an_empty_no_result_category_and_works_without_previous():
    dist = comparison.distribution(fake_rows([1, 5, 5]), None, "level")
    assert dist["selected"] == [1, 0, 0, 0, 2]
    assert dist["previous"] is None
    assert dist["rows"][-1] == ("5 Optimizing", None, 2)


def test_tier_distribution_counts_teams_without_measured_data():
    rows = fake_rows([3, 3, 3, 3], ["elite", "low", None, "low"])
    dist = comparison.distribution(rows, None, "tier")
    assert dist["selected"] == [1, 0, 0, 2, 1]
    assert dist["categories"][-1] == (None, "No measured data")


def test_trend_point_needs_the_minimum_of_teams_and_counts_a_team_once():
    t1, t2 = "2026-01-01", "2026-02-01"
    scores = [
        # 2026-Q1: three teams (team 1 twice: only its later result counts)
        ("2026-Q1", 1, t1, 1, 1.0), ("2026-Q1", 1, t2, 2, 2.0),
        ("2026-Q1", 2, t1, 3, 3.0), ("2026-Q1", 3, t1, 4, 4.0),
        # 2026-Q2: one team only
        ("2026-Q2", 1, t1, 5, 4.5),
    ]  # fmt: skip
    trend = comparison.summarise_trend(scores)
    assert comparison.TREND_MIN_TEAMS == 3
    assert trend == [
        {"period": "2026-Q1", "teams": 3, "drawn": True, "median": 3.0, "q1": 2.0, "q3": 4.0,
         "min": 2.0, "max": 4.0},
        {"period": "2026-Q2", "teams": 1, "drawn": False, "median": None, "q1": None,
         "q3": None, "min": None, "max": None},
    ]  # fmt: skip
    assert comparison.trend_labels(trend) == [
        "2026-Q1 (n=3)", "2026-Q2 (n=1, under 3: not drawn)"
    ]  # fmt: skip


def test_trend_keeps_the_newest_periods():
    scores = [(f"2026-Q{q}", team, "2026-01-01", q * 10 + team, 2.0)
              for q in (1, 2, 3, 4) for team in (1, 2, 3)]  # fmt: skip
    trend = comparison.summarise_trend(scores, last=2)
    assert [(t["period"], t["teams"], t["median"]) for t in trend] == [
        ("2026-Q3", 3, 2.0), ("2026-Q4", 3, 2.0)
    ]  # fmt: skip


def test_heatmap_header_is_compact_names_columns_and_marks_the_sort():
    from reports.coe import heatmap

    columns = [("dev", "Development practices"), ("flow", "Flow <b>")]
    html = str(heatmap.render_header(columns, "dim:dev", "desc", "benchmark=2018&page=3"))
    assert heatmap.compact_label("Development practices") == "Develop."
    assert heatmap.compact_label("Ideation, planning") == "Ideatio."
    assert heatmap.compact_label("Flow optimisation") == "Flow"
    assert html.count("<th ") == 4 + 2 + 3
    assert html.count("aria-sort=") == 1
    assert (
        '<th scope="col" title="Development practices" aria-sort="descending">'
        '<a class="link-dark text-decoration-none" href="?benchmark=2018&amp;sort=dim%3Adev&amp;'
        'dir=asc"><span aria-hidden="true">Develop.</span><span class="visually-hidden">'
        'Development practices</span><span aria-hidden="true"> ▼</span></a></th>'
    ) in html
    assert "Flow &lt;b&gt;" in html and "<b>" not in html
    assert "page=" not in html  # a new order starts on its first page

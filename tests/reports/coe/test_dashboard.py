"""The CoE dashboard follows DORA's guidance (issue 19): by default each team against itself
(its trend and its distance to its own targets), ranking teams side by side only as labelled
context; DORA in the organisation's view (the 2025 comparison against its segment, or tiers),
switched by ``view=`` and ``segment=``."""

import re

import pytest
from django.utils.html import escape

from assessments.models import DimensionTarget, DoraSnapshot, Organization, Questionnaire
from tests.factories import make_result
from tests.reports.coe.test_progress import EARLIER, EXAMPLE, snapshot


def set_org(world, **fields):
    # Saved through the model: an organisation's settings move its data version on.
    org = Organization.objects.get(pk=world.org.pk)
    for name, value in fields.items():
        setattr(org, name, value)
    org.save()


@pytest.fixture
def shipped(db):
    from reports.demo import load_shipped_questionnaires

    load_shipped_questionnaires()
    return Questionnaire.objects.get(key="vsm-maturity", version=1)


@pytest.fixture
def teams(world, shipped):
    """Team A: 2026-Q2 2.0 -> 2026-Q3 3.25 (visibility 3.5, flow 2.6 with a target of 4);
    measured DORA 2026-Q2 (overall 7.0) -> 2026-Q3 (the worked example, 8.6). Team B: one
    result, no DORA."""
    make_result(world.team_a, "2026-Q2", 2.0, {"visibility": 2.0, "flow": 1.5},
                questionnaire=shipped)  # fmt: skip
    latest = make_result(world.team_a, "2026-Q3", 3.25, {"visibility": 3.5, "flow": 2.6},
                         questionnaire=shipped)  # fmt: skip
    DimensionTarget.objects.create(
        assessment=latest.assessment,
        dimension=shipped.dimensions.get(lineage="flow"),
        level=4,
    )
    make_result(world.team_b, "2026-Q3", 2.5, {"visibility": 2.5}, questionnaire=shipped)
    snapshot(world.team_a, "2026-Q2", DoraSnapshot.EVENTS, EARLIER)
    snapshot(world.team_a, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)
    set_org(world, dora_view="comparison", dora_segment="industry:all")
    return world


def dashboard(client, world, query=""):
    client.force_login(world.analyst)
    response = client.get(f"/coe/{query}")
    assert response.status_code == 200
    return response.content.decode()


def text(html):
    """The page's words, tags and runs of whitespace taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_default_view_is_each_team_against_itself_before_any_ranking(teams, client):
    html = dashboard(client, teams)
    order = [html.index(f'id="{s}"') for s in ("progress", "dora", "organisation", "context")]
    assert order == sorted(order)
    progress = text(section(html, "progress"))
    assert "Each team against itself: trend and distance to its own targets" in progress
    # Team A: its change since its previous result, its own target and the next levels.
    assert "3.25 level 3 ▲ +1.25 since 2026-Q2" in progress
    assert "1 of 1 target set by the team not reached Flow optimisation: 2.60, 1.40 to level 4" in (
        progress
    )
    assert "Other dimensions: next level in 1, 0.50 to go" in progress
    # Team B: first result, no targets of its own, no measured DORA data.
    assert "2.50 level 2 first result" in progress
    assert "No targets set : each dimension aims at the next level" in progress
    assert "No measured DORA data" in progress
    # No sort links here: teams in name order, not a ranking.
    assert "sort=" not in section(html, "progress")


def test_dora_trend_and_band_against_the_organisations_segment(teams, client):
    progress = text(section(dashboard(client, teams), "progress"))
    # overall 7.0 -> 8.6, throughput 6.67 -> 9.33, stability 7.5 -> 7.5 (worked example)
    assert "8.6 ▲ +1.60 well above typical 2026-Q3, since 2026-Q2" in progress
    assert "9.3 ▲ +2.67 well above typical" in progress
    assert "7.5 ● 0.00 typical" in progress
    assert "against All industries" in section(dashboard(client, teams), "progress")


def test_ranking_is_labelled_as_context_not_a_league_table(teams, client):
    html = dashboard(client, teams)
    context = section(html, "context")
    assert "Cross-team context: teams side by side" in context
    assert "Context, not a league table." in context
    assert "no competition between teams" in context
    # The sortable heatmap and the movers live there, after the note.
    assert context.index("no competition between teams") < context.index("heatmap-scroll")
    assert "Largest changes since each team's previous result" in context
    assert html.count('class="table table-sm table-bordered align-middle heatmap"') == 1


def test_comparison_view_shows_five_metrics_in_two_factors_with_bands(teams, client):
    html = dashboard(client, teams)
    dora = section(html, "dora")
    words = text(dora)
    assert (
        "Throughput Stability Overall Throughput score Lead time for changes "
        "Deployment frequency Failed deployment recovery time Stability score "
        "Change failure rate Deployment rework rate"
    ) in words
    assert 'aria-current="page" href="?' in dora  # the comparison tab is the current one
    # Lead time 8.0: z = (8 - 5.5) / 2.4 = +1.04; change fail rate 7.0: z = -0.52.
    assert 'title="z = 1.04">well above<span class="visually-hidden"> typical</span>' in dora
    assert 'title="z = -0.52">below<span class="visually-hidden"> typical</span>' in dora
    assert "All industries: published mean ± sd 6.0 ± 2.1 5.5 ± 2.4 4.8 ± 2.8 7.4 ± 2.1" in words
    assert 'id="coe-bands-chart"' in html and 'id="coe-tiers-chart"' not in html
    summary = text(section(html, "organisation"))
    assert "Teams per DORA 2025 band" in summary
    assert "Well above typical 1" in summary and "No measured data 1" in summary
    # The heatmap's DORA column is the 2025 overall score too, sortable.
    assert 'title="DORA 2025 overall (measured, against All industries)"' in html


def test_tiers_view_is_one_click_away_and_labelled_with_its_year(teams, client):
    html = dashboard(client, teams)
    link = re.search(r'<a class="nav-link" href="\?([^"]*)#dora">Tiers \(2024 report\)</a>', html)
    assert link and "view=tiers" in link.group(1)
    tiers = dashboard(client, teams, "?view=tiers")
    assert 'id="coe-tiers-chart"' in tiers and 'id="coe-bands-chart"' not in tiers
    assert "DORA tier, measured DORA 2024" in text(section(tiers, "progress"))
    dora = text(section(tiers, "dora"))
    assert "these tiers are those of DORA 2024" in dora
    assert "Deployment rework rate" in dora and "no tiers" in dora
    assert "well above typical" not in dora
    assert '<span class="tier tier-' in section(tiers, "context")
    assert '<input type="hidden" name="view" value="tiers">' in tiers


def test_organisation_choosing_tiers_opens_on_tiers_and_the_page_can_switch(teams, client):
    set_org(teams, dora_view="tiers")
    assert 'id="coe-tiers-chart"' in dashboard(client, teams)
    assert 'id="coe-bands-chart"' in dashboard(client, teams, "?view=comparison")


def test_segment_parameter_switches_what_teams_are_compared_with(teams, client):
    html = dashboard(client, teams, "?segment=industry:industrials")
    assert '<option value="industry:industrials" selected>' in html
    assert "mean and standard deviation published for <strong>Industrials" in html
    # Lead time 8.0 against industrials (4.9 ± 2.6): z = +1.19.
    assert 'title="z = 1.19">well above' in section(html, "dora")
    assert "Organisation sizes" not in html
    size = dashboard(client, teams, "?segment=org_size:1000-4999")
    assert "compared here as 10 − the published value" in size
    # The organisation's own choice is marked in the select.
    assert "All industries (organisation's choice)" in size


def test_organisations_segment_is_the_default(teams, client):
    set_org(teams, dora_segment="industry:telecommunications")
    html = dashboard(client, teams)
    assert '<option value="industry:telecommunications" selected>' in html
    assert "against Telecommunications" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [("?segment=industry:moon", "'moon' is not a known industry"),
     ("?view=league", "Choose the DORA view comparison or tiers.")],
)  # fmt: skip
def test_unknown_segment_or_view_is_refused_with_a_message(teams, client, query, message):
    client.force_login(teams.analyst)
    response = client.get(f"/coe/{query}", follow=True)
    assert response.redirect_chain == [("/coe/", 302)]
    assert escape(message) in response.content.decode()


def grow(world, shipped, count):
    """Teams like Team A: two results, a target, two measured DORA periods."""
    from tests.factories import TeamFactory

    for _ in range(count):
        team = TeamFactory(organization=world.org, group=world.g1)
        make_result(team, "2026-Q2", 2.0, {"visibility": 2.0, "flow": 1.5}, questionnaire=shipped)
        latest = make_result(team, "2026-Q3", 3.0, {"visibility": 3.5, "flow": 2.6},
                             questionnaire=shipped)  # fmt: skip
        DimensionTarget.objects.create(
            assessment=latest.assessment, dimension=shipped.dimensions.get(lineage="flow"),
            level=4,
        )  # fmt: skip
        snapshot(team, "2026-Q2", DoraSnapshot.EVENTS, EARLIER)
        snapshot(team, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)


@pytest.mark.parametrize(
    "query",
    ["", "?view=tiers", "?view=comparison&segment=org_size:1000-4999", "?period=2026-Q3",
     "?sort=dora&dir=desc"],
)  # fmt: skip
def test_dashboard_queries_do_not_grow_with_teams(teams, shipped, client, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.coe import comparison

    def count():
        dashboard(client, teams, query)  # warm: sessions, content types, kept pages
        comparison._cache.clear()  # the comparison itself is built afresh
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/coe/{query}")
        return len(ctx.captured_queries), response.content.decode().count("1.40 to level 4")

    grow(teams, shipped, 3)
    few, shown = count()
    grow(teams, shipped, 20)
    many, more_shown = count()
    assert few == many
    # Team A and the grown teams show their own target (the page shows what grew).
    assert (shown, more_shown) == (4, 24)

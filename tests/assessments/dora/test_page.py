"""The team's DORA page: the five metrics in DORA's two factors, the 2025 comparison with a
segment's published benchmarks (or tiers, one click away), and the page parameters."""

import re

import pytest

from assessments.dora import quickcheck
from assessments.dora import services as dora_services
from assessments.models import DoraEntry, Organization

WORKED_EXAMPLE = {  # docs/dora.md and the reference's worked example
    "lead_time": 10.0,
    "deployment_frequency": 2.0,
    "time_to_restore": 0.5,
    "change_failure_rate": 30.0,
    "rework_rate": 20.0,
}
FACTOR_ORDER = [(key, list(metrics)) for key, _label, metrics in quickcheck.FACTORS]
SIZE_NOTE = "Organisation sizes: in DORA's published size figures the recovery-time score"


def page(client, world, user=None, **params):
    client.force_login(user or world.member_a)
    response = client.get(f"/teams/{world.team_a.id}/dora/", params)
    assert response.status_code == 200
    return response


def html_of(response):
    return response.content.decode()


def grouping(html):
    """The factors and their metrics in the order the first card draws them."""
    card = html.split("dora-card", 1)[1].split("</table>")[0]
    groups = []
    for factor, metric in re.findall(r'data-factor="(\w+)"|data-metric="(\w+)"', card):
        if factor:
            groups.append((factor, []))
        else:
            groups[-1][1].append(metric)
    return groups


def set_org(world, **fields):
    Organization.objects.filter(pk=world.org.pk).update(**fields)


@pytest.fixture
def entered(world):
    return dora_services.save_entry(world.lead_a, world.team_a, "2026-Q4", WORKED_EXAMPLE)


@pytest.mark.parametrize("view", ["comparison", "tiers"])
def test_team_dora_card_groups_metrics_by_quickcheck_factors(world, client, entered, view):
    html = html_of(page(client, world, view=view))
    assert grouping(html) == FACTOR_ORDER
    # Recovery time is a throughput metric, on the card as in the score.
    assert FACTOR_ORDER[0] == ("throughput", ["lead_time", "deployment_frequency",
                                              "time_to_restore"])  # fmt: skip


def test_team_dora_comparison_shows_scores_z_and_bands_of_worked_example(world, client, entered):
    response = page(client, world, view="comparison", segment="industry:all")
    card = response.context["measured_card"]
    rows = {row["metric"]: row["compared"] for f in card["factors"] for row in f["rows"]}
    assert rows["lead_time"]["score_text"] == "8.0"
    assert rows["lead_time"]["z_text"] == "+1.04"
    assert rows["lead_time"]["band_label"] == "well above typical"
    assert rows["change_failure_rate"]["z_text"] == "\N{MINUS SIGN}0.52"
    assert rows["change_failure_rate"]["band_label"] == "below typical"
    factors = {f["key"]: f["compared"]["score"] for f in card["factors"]}
    assert factors == {"throughput": pytest.approx(9.3333, abs=1e-4), "stability": 7.5}
    assert card["overall"]["score"] == 8.6
    html = html_of(response)
    assert "z +1.04" in html
    assert 'aria-label="Score 8.0 against a mean of 5.5 (standard deviation 2.4): z +1.04, well ' \
           'above typical"' in html  # fmt: skip
    # lead time z = +1.04: (1.04 + 3) / 6 of the bar
    assert 'class="dora-dist-marker" style="left: 67.3%"' in html


def test_team_dora_cites_the_benchmarks_and_segment(world, client, entered):
    html = html_of(page(client, world, view="comparison"))
    assert "<cite>DORA Quick Check 2025 benchmarks</cite>" in html
    assert "published for <strong>All industries</strong> (industry)" in html
    assert "How the 2025 comparison works" in html


def test_team_dora_opens_with_the_organisations_view_and_segment(world, client, entered):
    set_org(world, dora_view=Organization.DORA_VIEW_TIERS, dora_segment="industry:retail")
    tiers = page(client, world)
    assert tiers.context["view"] == "tiers"
    assert "Overall tier:" in html_of(tiers)
    assert "dora-card-comparison" not in html_of(tiers)
    set_org(world, dora_view=Organization.DORA_VIEW_COMPARISON)
    comparison = page(client, world)
    assert comparison.context["view"] == "comparison"
    assert comparison.context["segment"].label == "Retail/Consumer/e-Commerce"
    assert "Overall tier:" not in html_of(comparison)
    assert '<option value="industry:retail" selected>Retail/Consumer/e-Commerce (default)' in (
        html_of(comparison)
    )


def test_team_dora_view_parameter_switches_and_tabs_keep_the_rest(world, client, entered):
    response = page(client, world, view="tiers", segment="org_size:1000-4999", benchmark="2019")
    assert response.context["view"] == "tiers"
    assert response.context["view_urls"] == {
        "comparison": f"/teams/{world.team_a.id}/dora/?view=comparison&segment=org_size%3A1000-4999"
        "&benchmark=2019",
        "tiers": f"/teams/{world.team_a.id}/dora/?view=tiers&segment=org_size%3A1000-4999"
        "&benchmark=2019",
    }
    html = html_of(response)
    assert "Tiers (2019 report)" in html
    assert 'aria-current="page" href="/teams/' in html


def test_team_dora_segment_parameter_switches_the_comparison(world, client, entered):
    response = page(client, world, view="comparison", segment="org_size:1000-4999")
    assert response.context["segment"] == quickcheck.get_segment("org_size", "1000-4999")
    html = html_of(response)
    assert "published for <strong>1,000 to 4,999 employees</strong> (organisation size)" in html
    card = response.context["measured_card"]
    recovery = card["factors"][0]["rows"][2]["compared"]
    assert recovery["mean_text"] == "7.4"  # published 2.6, read as 10 - 2.6


@pytest.mark.parametrize(
    ("segment", "note"),
    [("org_size:1000-4999", True), ("org_size:all", True), ("industry:all", False),
     ("industry:retail", False)],
)  # fmt: skip
def test_team_dora_size_recovery_note_only_for_size_segments(world, client, entered, segment,
                                                             note):  # fmt: skip
    html = html_of(page(client, world, view="comparison", segment=segment))
    assert (SIZE_NOTE in html) is note


def test_team_dora_size_note_not_in_tiers_view(world, client, entered):
    assert SIZE_NOTE not in html_of(page(client, world, view="tiers", segment="org_size:all"))


def test_team_dora_unknown_segment_says_so_and_uses_the_organisations(world, client, entered):
    set_org(world, dora_segment="industry:retail")
    response = page(client, world, view="comparison", segment="industry:atlantis")
    assert response.context["segment"].key == "retail"
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "Unknown segment 'industry:atlantis': 'atlantis' is not a known industry: all, retail, "
        "media, non-profit, technology, telecommunications, other, education, "
        "financial-services, healthcare, energy, government, insurance, industrials. Showing "
        "Retail/Consumer/e-Commerce, the organisation's."
    ]


def test_team_dora_unknown_view_says_so_and_uses_the_organisations(world, client, entered):
    response = page(client, world, view="league-table")
    assert response.context["view"] == "comparison"
    assert [str(m) for m in response.context["messages"]] == [
        "Unknown view 'league-table': use comparison or tiers. Showing the 2025 comparison."
    ]


def test_team_dora_with_only_some_metrics(world, client):
    dora_services.save_entry(
        world.lead_a, world.team_a, "2026-Q4", {"lead_time": 10.0, "rework_rate": 20.0}
    )
    response = page(client, world, view="comparison", segment="industry:all")
    card = response.context["measured_card"]
    scores = {
        row["metric"]: row["compared"] and row["compared"]["score"]
        for factor in card["factors"]
        for row in factor["rows"]
    }
    assert scores == {
        "lead_time": 8.0,
        "deployment_frequency": None,
        "time_to_restore": None,
        "change_failure_rate": None,
        "rework_rate": 8.0,
    }
    assert [f["compared"]["score"] for f in card["factors"]] == [8.0, 8.0]
    assert card["overall"]["score"] == 8.0
    assert grouping(html_of(response)) == FACTOR_ORDER  # every metric has its row, "—" if none


def test_team_dora_band_differences_between_survey_and_measured(world, client):
    survey = dora_services.compare_2025({"lead_time": 0.5}, quickcheck.get_segment())
    measured = dora_services.compare_2025({"lead_time": 200.0}, quickcheck.get_segment())
    assert dora_services.compare_bands(survey, measured) == [
        {"metric": "lead_time", "self_assessed": "well above typical",
         "measured": "below typical", "direction": "better"},
    ]  # fmt: skip
    assert dora_services.compare_bands(measured, survey)[0]["direction"] == "worse"
    assert dora_services.compare_bands(survey, None) == []


def test_team_dora_entry_keeps_the_page_parameters(world, client):
    client.force_login(world.lead_a)
    response = client.post(
        f"/teams/{world.team_a.id}/dora/entry/",
        {"period": "2026-Q4", "lead_time": "3", "lead_time_unit": "hours",
         "deployment_frequency_unit": "day", "time_to_restore_unit": "hours",
         "view": "tiers", "benchmark": "2019", "next": "https://evil.example/"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{world.team_a.id}/dora/?view=tiers&benchmark=2019"
    assert DoraEntry.objects.get().lead_time == 3.0
    html = html_of(client.get(response["Location"]))
    assert '<input type="hidden" name="view" value="tiers">' in html
    assert '<input type="hidden" name="benchmark" value="2019">' in html


def test_team_dora_offers_the_organisations_industry_and_size_first(world, client, entered):
    set_org(world, industry="retail", org_size="500-999", dora_segment="org_size:500-999")
    response = page(client, world, view="comparison")
    options = response.context["segment_options"]
    assert options[0] == ("This organisation", [
        {"value": "industry:retail", "label": "Retail/Consumer/e-Commerce", "selected": False,
         "default": False},
        {"value": "org_size:500-999", "label": "500 to 999 employees", "selected": True,
         "default": True},
    ])  # fmt: skip
    assert [group for group, _ in options] == ["This organisation", "Industry",
                                               "Organisation size"]  # fmt: skip
    html = html_of(response)
    assert html.count(" selected>") == 1  # the segment is listed twice, selected once
    assert '<option value="org_size:500-999" selected>500 to 999 employees (default)' in html

"""Each team against itself (reports.coe.progress and what the comparison loads for it):
distance to the team's own targets, its maturity and DORA 2025 trend, its band against the
segment; the DORA bands distribution and the 2025 sort of the cross-team heatmap."""

from types import SimpleNamespace

import pytest

from assessments.dora import quickcheck
from assessments.models import DimensionTarget, DoraSnapshot
from reports.coe import comparison, progress
from tests.factories import make_result

# The reference's worked example (docs: dora-2025.md): overall 8.6, throughput 9.33,
# stability 7.5.
EXAMPLE = {"lead_time": 10.0, "deployment_frequency": 2.0, "time_to_restore": 0.5,
           "change_failure_rate": 30.0, "rework_rate": 20.0}  # fmt: skip
# A quarter earlier: lead time 200 h (score 4), once every two days (score 6); overall 7.0,
# throughput 6.67, stability 7.5.
EARLIER = {**EXAMPLE, "lead_time": 200.0, "deployment_frequency": 0.5}
ALL_INDUSTRIES = quickcheck.get_segment("industry", "all")


def measured(values, period):
    """A classification as the comparison keeps it: its values and period."""
    return {"values": values, "period": period, "overall": None}


# --- distance to the team's own targets ----------------------------------------------------


@pytest.mark.parametrize(
    ("level", "rules_version", "floor"), [(1, 2, 1.0), (4, 2, 4.0), (5, 2, 4.8), (5, 1, 5.0)]
)
def test_level_floor_is_where_the_level_starts(level, rules_version, floor):
    assert progress.level_floor(level, rules_version) == floor


def test_target_gaps_use_the_teams_targets_else_the_next_level_largest_first():
    scores = {"flow": 3.88, "quality": 2.5, "tests": 4.0, "ops": None, "arch": 4.85}
    gaps = progress.target_gaps(scores, {"flow": 5, "tests": 4}, 2, {"flow": "Flow"})
    assert [(g.lineage, g.name, g.target, g.target_set, g.gap) for g in gaps] == [
        ("flow", "Flow", 5, True, 0.92),  # level 5 starts at 4.80 under rules v2
        ("quality", "quality", 3, False, 0.5),  # no target: the next level
    ]  # tests reached its target 4; ops has no score; arch is level 5 already


def test_target_gaps_leave_out_a_target_below_the_level_reached():
    assert progress.target_gaps({"flow": 3.2}, {"flow": 2}, 2) == []


def test_target_gaps_of_level_5_under_rules_v1_start_at_five():
    (gap,) = progress.target_gaps({"flow": 4.85}, {}, 1)
    assert (gap.target, gap.gap) == (5, 0.15)


def test_target_gaps_round_float_noise_as_the_level_does():
    # 2.99999999 is level 3: no gap to a target of 3, and 1.0 to the next level.
    assert progress.target_gaps({"flow": 2.99999999}, {"flow": 3}, 2) == []
    assert [g.gap for g in progress.target_gaps({"flow": 2.99999999}, {}, 2)] == [1.0]


# --- DORA 2025: trend and band --------------------------------------------------------------


def test_dora_progress_of_the_worked_example_against_all_industries():
    p = progress.dora_progress(
        measured(EXAMPLE, "2026-Q3"), measured(EARLIER, "2026-Q2"), ALL_INDUSTRIES
    )
    assert (p.period, p.previous_period) == ("2026-Q3", "2026-Q2")
    assert [(a.key, a.score, a.change, a.band) for a in p.aspects] == [
        ("overall", 8.6, 1.6, "well_above"),  # z = (8.6 - 6.72) / 1.2 = 1.57
        ("throughput", 9.3333, 2.67, "well_above"),  # (9.33 - 6.0) / 2.1 = 1.59
        ("stability", 7.5, 0.0, "typical"),  # (7.5 - 7.9) / 2.0 = -0.2
    ]  # fmt: skip
    assert [a.z for a in p.aspects] == [1.57, 1.59, -0.2]
    assert p.comparison["lead_time"].z == 1.04
    assert p.comparison["change_failure_rate"].z == -0.52


def test_dora_progress_without_an_earlier_period_has_no_change_and_none_without_data():
    p = progress.dora_progress(measured(EXAMPLE, "2026-Q3"), None, ALL_INDUSTRIES)
    assert p.previous_period is None
    assert [a.change for a in p.aspects] == [None, None, None]
    assert progress.dora_progress(None, None, ALL_INDUSTRIES) is None


def test_dora_progress_of_some_metrics_only():
    p = progress.dora_progress(
        measured({"lead_time": 10.0, "deployment_frequency": None}, "2026-Q3"), None,
        ALL_INDUSTRIES,
    )  # fmt: skip
    assert [(a.key, a.score, a.band) for a in p.aspects] == [
        ("overall", 8.0, "well_above"),  # (8.0 - 6.72) / 1.2 = 1.07
        ("throughput", 8.0, "above"),  # (8.0 - 6.0) / 2.1 = 0.95
        ("stability", None, None),
    ]  # fmt: skip


def test_band_depends_on_the_segment():
    # The same throughput of 6.67 is typical for all industries ((6.67 - 6.0) / 2.1 = 0.32)
    # and above typical for industrials & manufacturing ((6.67 - 5.1) / 2.3 = 0.68).
    industrials = quickcheck.get_segment("industry", "industrials")
    bands = [
        progress.dora_progress(measured(EARLIER, "2026-Q3"), None, segment).aspects[1]
        for segment in (ALL_INDUSTRIES, industrials)
    ]
    assert [(a.key, a.score, a.z, a.band) for a in bands] == [
        ("throughput", 6.6667, 0.32, "typical"), ("throughput", 6.6667, 0.68, "above")
    ]  # fmt: skip


def fake_row(dimensions=None, targets=None, now=None, before=None, rules_version=2):
    result = SimpleNamespace(scoring_rules_version=rules_version) if dimensions else None
    return SimpleNamespace(
        result=result, dimensions=dimensions or {}, targets=targets or {},
        dora_measured=now, dora_previous=before,
    )  # fmt: skip


def test_team_progress_counts_own_targets_and_next_levels_apart():
    row = fake_row({"flow": 3.88, "quality": 2.5, "tests": 4.0}, {"flow": 5, "tests": 4})
    p = progress.team_progress(row, ALL_INDUSTRIES, {"flow": "Flow", "quality": "Quality"})
    assert (p.scored_dimensions, p.targets_set) == (3, 2)
    assert [g.name for g in p.own_gaps] == ["Flow"]
    assert [g.name for g in p.next_gaps] == ["Quality"]
    assert p.next_gap_range == (0.5, 0.5)
    assert p.dora is None


def test_team_progress_tier_change_reads_better_worse_or_same():
    def tier(now, before):
        row = fake_row(
            now={"values": {}, "period": "Q", "overall": now},
            before=before and {"values": {}, "period": "P", "overall": before},
        )
        return progress.team_progress(row, ALL_INDUSTRIES).tier_change

    assert tier("high", "medium") == 1
    assert tier("low", "high") == -1
    assert tier("elite", "elite") == 0
    assert tier("high", None) is None


# --- what the comparison loads for it -------------------------------------------------------


def snapshot(team, period, source, values):
    return DoraSnapshot.objects.create(
        team=team, period=period, source=source, benchmark="2024", values=values, tiers={},
        score={},
    )  # fmt: skip


@pytest.fixture
def tracked(world, mini):
    """team_a: results 2026-Q2 and Q3, targets flow 5 on Q3; measured DORA in Q1 (entry),
    Q2 (events and entry) and Q3 (events), a survey in Q3. team_b: nothing measured."""
    make_result(world.team_a, "2026-Q2", 2.0, {"flow": 2.5, "quality": 1.0})
    latest = make_result(world.team_a, "2026-Q3", 3.0, {"flow": 3.5, "quality": 2.0})
    DimensionTarget.objects.create(
        assessment=latest.assessment,
        dimension=latest.questionnaire.dimensions.get(lineage="flow"),
        level=5,
    )
    snapshot(world.team_a, "2026-Q1", DoraSnapshot.ENTRY, {**EARLIER, "lead_time": 5000.0})
    snapshot(world.team_a, "2026-Q2", DoraSnapshot.ENTRY, {**EARLIER, "lead_time": 5000.0})
    snapshot(world.team_a, "2026-Q2", DoraSnapshot.EVENTS, EARLIER)
    snapshot(world.team_a, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)
    snapshot(world.team_a, "2026-Q3", DoraSnapshot.SURVEY, EXAMPLE)
    snapshot(world.team_b, "2026-Q3", DoraSnapshot.SURVEY, EXAMPLE)
    return world


def test_comparison_loads_targets_previous_measured_period_and_names(tracked):
    data = comparison.build_comparison(tracked.org, questionnaire_key="mini")
    rows = {r.team.name: r for r in data.rows}
    a, b = rows["Team A"], rows["Team B"]
    assert a.targets == {"flow": 5}
    assert (a.dora_measured["period"], a.dora_previous["period"]) == ("2026-Q3", "2026-Q2")
    # Events win over an entry of the same period.
    assert a.dora_previous["values"]["lead_time"] == 200.0
    assert (b.dora_measured, b.dora_previous, b.targets) == (None, None, {})
    assert data.dimension_names == {"flow": "Flow", "quality": "Quality"}


def test_comparison_of_a_period_takes_the_previous_measured_period_before_it(tracked):
    data = comparison.build_comparison(tracked.org, "2026-Q2", questionnaire_key="mini")
    a = next(r for r in data.rows if r.team.name == "Team A")
    assert (a.dora_measured["period"], a.dora_previous["period"]) == ("2026-Q2", "2026-Q1")
    assert a.dora_survey is None  # the survey is of 2026-Q3
    assert a.targets == {}  # targets were set on the 2026-Q3 result
    data = comparison.build_comparison(tracked.org, "2026-Q4", questionnaire_key="mini")
    a = next(r for r in data.rows if r.team.name == "Team A")
    # Nothing measured in 2026-Q4: no figures, and no trend from an older period.
    assert (a.dora_measured, a.dora_previous) == (None, None)


def test_band_distribution_counts_teams_per_band_and_without_measured_data(tracked):
    data = comparison.build_comparison(tracked.org, questionnaire_key="mini")
    dist = comparison.distribution(data.rows, None, "band", segment=ALL_INDUSTRIES)
    assert dist["rows"] == [
        ("Well below typical", None, 0), ("Below typical", None, 0), ("Typical", None, 0),
        ("Above typical", None, 0), ("Well above typical", None, 1),
        ("No measured data", None, 1),
    ]  # fmt: skip


def test_heatmap_sorts_by_the_2025_overall_score_in_the_comparison_view(world, mini):
    from tests.factories import TeamFactory

    team_c = TeamFactory(organization=world.org, name="Team C")
    snapshot(world.team_a, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)  # 8.6
    snapshot(world.team_b, "2026-Q3", DoraSnapshot.EVENTS, EARLIER)  # 7.0
    data = comparison.build_comparison(world.org, questionnaire_key="mini")
    ordered = comparison.sort_and_filter(data.rows, "dora", "desc", dora_view="comparison")
    assert [r.team.name for r in ordered] == ["Team A", "Team B", team_c.name]

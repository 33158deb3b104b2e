"""Each team against itself: the CoE dashboard's default view.

DORA's guidance on using its metrics (docs/scoring.md, "CoE charts"): measure in order to
improve, no competition between teams, no disparate comparisons. So the dashboard opens on each
team's own trend (its change since its previous result: maturity overall and the DORA 2025
overall, throughput and stability scores) and its distance to its own targets (maturity: the
dimensions below their target level and by how much; DORA: its band against the organisation's
segment of the published 2025 distribution, not against the other teams). Ranking teams side
by side is the "Cross-team context" section's, labelled as such.

Plain Python over the comparison's rows (``comparison.TeamRow``); no queries.
"""

from dataclasses import dataclass

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.maturity import scoring
from reports.coe import comparison

# A band in a dense table: "typical" is said once, in the legend and for screen readers
# (templates/reports/_coe_band.html), so "well above typical" fits a narrow column.
SHORT_BAND_LABELS = {key: label.removesuffix(" typical") for key, label in quickcheck.BANDS}
# The DORA 2025 figures a team's trend follows, in the order pages show them.
DORA_ASPECTS = (("overall", "Overall"), *((key, label) for key, label, _ in quickcheck.FACTORS))


def level_floor(level, rules_version=scoring.SCORING_RULES_VERSION):
    """The lowest score of ``level`` (``scoring.level_for_score``): the level itself, except
    level 5 from scoring rules v2, which starts at 4.80."""
    if level >= scoring.MAX_LEVEL and rules_version >= 2:
        return float(scoring.LEVEL_5_FROM)
    return float(level)


@dataclass(frozen=True)
class TargetGap:
    lineage: str
    name: str
    score: float
    target: int
    target_set: bool  # the team chose the target; otherwise it is the next level
    gap: float  # score points to the start of the target level


def target_gaps(dimension_scores, targets, rules_version, names=None):
    """The dimensions whose score is below their target level, largest gap first.

    ``dimension_scores``: {lineage: score or None}; ``targets``: {lineage: level} the team set;
    a dimension without one aims at the level above its own (none above level 5), as the result
    page and the roadmap do. A dimension without a score has no distance."""
    names = names or {}
    gaps = []
    for lineage, score in dimension_scores.items():
        if score is None:
            continue
        level = scoring.level_for_score(score, rules_version)
        target = targets.get(lineage) or min(level + 1, scoring.MAX_LEVEL)
        gap = round(level_floor(target, rules_version) - round(score, 4), 2)
        if gap > 0:
            gaps.append(
                TargetGap(lineage, names.get(lineage, lineage), score, target,
                          lineage in targets, gap)
            )  # fmt: skip
    gaps.sort(key=lambda g: (-g.gap, g.name))
    return gaps


@dataclass(frozen=True)
class AspectTrend:
    """One DORA 2025 figure of a team: its score now, its change since its previous measured
    period, and where it stands in the segment's published distribution."""

    key: str
    label: str
    score: float | None
    change: float | None
    band: str | None
    band_label: str | None
    z: float | None


@dataclass(frozen=True)
class DoraProgress:
    period: str
    previous_period: str | None
    aspects: tuple  # AspectTrend for overall, throughput and stability
    comparison: dict  # aspect (metric included) -> quickcheck.Comparison


def dora_progress(measured, previous, segment):
    """A team's DORA 2025 trend and band from its measured classifications (this period's and
    the previous one's; ``comparison.TeamRow``), None without measured data."""
    now = comparison.dora_2025(measured, segment)
    if now is None:
        return None
    before = comparison.dora_2025(previous, segment)
    aspects = []
    for key, label in DORA_ASPECTS:
        score = now["scores"].get(key)
        earlier = before["scores"].get(key) if before else None
        compared = now["comparison"].get(key)
        aspects.append(
            AspectTrend(
                key, label,
                score,
                None if score is None or earlier is None else round(score - earlier, 2),
                compared.band if compared else None,
                compared.band_label if compared else None,
                compared.z if compared else None,
            )
        )  # fmt: skip
    return DoraProgress(
        measured["period"], previous["period"] if previous else None, tuple(aspects),
        now["comparison"],
    )  # fmt: skip


@dataclass(frozen=True)
class TeamProgress:
    row: object  # comparison.TeamRow
    gaps: list  # TargetGap, largest first
    scored_dimensions: int
    targets_set: int
    dora: DoraProgress | None
    tier: str | None  # measured overall tier (tiers view)
    previous_tier: str | None

    @property
    def own_gaps(self):
        """Below a target the team set."""
        return [g for g in self.gaps if g.target_set]

    @property
    def next_gaps(self):
        """Below the next level, in the dimensions without a target of the team's."""
        return [g for g in self.gaps if not g.target_set]

    @property
    def next_gap_range(self):
        """(smallest, largest) distance to the next level, None without such a dimension."""
        gaps = [g.gap for g in self.next_gaps]
        return (min(gaps), max(gaps)) if gaps else None

    @property
    def tier_change(self):
        """+1 a tier better than the previous measured period, -1 worse, 0 the same, None
        without both (tiers run elite, high, medium, low)."""
        if not self.tier or not self.previous_tier:
            return None
        before, now = dora.TIERS.index(self.previous_tier), dora.TIERS.index(self.tier)
        return (before > now) - (before < now)


def team_progress(row, segment, names=None):
    """What the dashboard's default view shows of one team (``comparison.TeamRow``)."""
    result = row.result
    gaps, scored = [], 0
    if result is not None:
        gaps = target_gaps(row.dimensions, row.targets, result.scoring_rules_version, names)
        scored = sum(1 for score in row.dimensions.values() if score is not None)
    measured, previous = row.dora_measured, row.dora_previous
    return TeamProgress(
        row=row,
        gaps=gaps,
        scored_dimensions=scored,
        targets_set=sum(1 for lineage in row.targets if row.dimensions.get(lineage) is not None),
        dora=dora_progress(measured, previous, segment),
        tier=(measured or {}).get("overall"),
        previous_tier=(previous or {}).get("overall"),
    )

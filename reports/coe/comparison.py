"""The CoE's view of an organisation: one row per team for a period, and what is derived from
the rows (heatmap, distributions, movers, roll-ups, trend). Every figure comes from the teams'
own results; a team counts once. The queries are a fixed number whatever the number of teams
(pinned by tests), and the arithmetic on the rows is plain Python.

Period semantics: for period P, a team's result is its latest result of the questionnaire key
in P or before (so a team that skipped a quarter still shows, with its period named); without
P, simply its latest result. "Previous" is the team's result before that one."""

import hashlib
import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.levels import LEVEL_NAMES
from assessments.maturity import scoring, selectors
from assessments.models import (
    Dimension,
    DimensionTarget,
    DoraSnapshot,
    Organization,
    Result,
    Team,
)
from assessments.periods import current_period, shift_period
from assessments.questionnaires.selectors import latest_published
from assessments.valuestream import services as valuestream_services
from vsm_site.caching import COMPARISON_MEMO_SECONDS, COMPARISON_MEMO_SIZE, ProcessMemo


@dataclass
class TeamRow:
    team: Team
    result: Result | None
    previous: Result | None
    dimensions: dict  # lineage -> score or None
    dora_measured: dict | None = None  # classification (tiers, overall, values) or None
    dora_survey: dict | None = None
    dora_gaps: list = field(default_factory=list)
    flow: dict | None = None  # latest value stream map summary
    # The measured classification of the team's period with data before ``dora_measured``'s:
    # what its DORA trend is measured against.
    dora_previous: dict | None = None
    # {dimension lineage: level} the team set as targets on its latest result's assessment
    # (DimensionTarget); dimensions without one aim at the next level.
    targets: dict = field(default_factory=dict)

    @property
    def overall_score(self):
        return self.result.overall_score if self.result else None

    @property
    def overall_level(self):
        return self.result.overall_level if self.result else None

    @property
    def overall_incomplete(self):
        """A result whose dimensions are scored but carry too little of the weight for an
        overall score (scoring rules v2): listed as incomplete, never ranked by overall."""
        return selectors.overall_incomplete(self.result)

    @property
    def change(self):
        if self.result is None or self.previous is None:
            return None
        if self.result.overall_score is None or self.previous.overall_score is None:
            return None
        return round(self.result.overall_score - self.previous.overall_score, 2)


@dataclass
class Comparison:
    organization: object
    period: str | None
    group: object | None
    questionnaire_key: str
    benchmark: object
    columns: list  # [(lineage, name)] in questionnaire order
    rows: list  # TeamRow
    versions: list  # questionnaire labels in use among the rows' results
    # {lineage: name} of every dimension of the versions in use (newest name wins).
    dimension_names: dict = field(default_factory=dict)
    # Figures derived from the rows by the pages (memoised with the cached comparison).
    derived: dict = field(default_factory=dict)


LOOKBACK_QUARTERS = 12


def _latest_results(team_ids, key, period=None):
    """The latest result per team (at or before ``period``) and the one before it: one query
    that ranks each team's results by period (a window function) and keeps the top two."""
    upper = period or current_period()
    ranked = (
        Result.objects.filter(
            team_id__in=team_ids,
            questionnaire_key=key,
            period__lte=upper,
            period__gt=shift_period(upper, -LOOKBACK_QUARTERS),
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("team_id")], order_by=F("period").desc())
        )
        .filter(rank__lte=2)
        .select_related("questionnaire")
        .only(
            "id", "assessment_id", "team_id", "period", "overall_score", "overall_level",
            "respondents", "low_confidence", "dimension_scores", "questionnaire_id",
            "scoring_rules_version",
            "reviewed_at", "reviewed_by_id", "review_note",
            "questionnaire__key", "questionnaire__version",
        )
    )  # fmt: skip
    latest, previous = {}, {}
    for r in ranked:
        (latest if r.rank == 1 else previous)[r.team_id] = r
    return latest, previous


def _dora_for(team_ids, period, benchmark):
    """Per team, in one query: ``(measured, survey, gaps, previous)``: the measured (events,
    else entry) and survey classifications of the period (the latest period with data when no
    period is given), where they differ, and the measured classification of the team's latest
    earlier period with measured data (its DORA trend is the change since then)."""
    snaps = DoraSnapshot.objects.filter(team_id__in=team_ids)
    if period:
        snaps = snaps.filter(
            period__lte=period, period__gt=shift_period(period, -LOOKBACK_QUARTERS)
        )
    measured, survey, previous = {}, {}, {}
    # Newest first; for one period "events" sorts after "entry", so reverse source order.
    for snap in snaps.order_by("team_id", "-period", "-source").only(
        "team_id", "period", "source", "values"
    ):
        if snap.source == DoraSnapshot.SURVEY:
            if not period or snap.period == period:
                survey.setdefault(snap.team_id, (snap.period, snap.values))
        elif snap.team_id not in measured:
            if not period or snap.period == period:
                measured[snap.team_id] = (snap.period, snap.values)
            else:
                measured[snap.team_id] = None  # nothing measured in the chosen period
        elif measured[snap.team_id] and snap.period < measured[snap.team_id][0]:
            previous.setdefault(snap.team_id, (snap.period, snap.values))
    out = {}
    for team_id in team_ids:
        m = measured.get(team_id)
        s = survey.get(team_id)
        p = previous.get(team_id)
        mc = dora_services.classify(m[1], benchmark) | {"period": m[0]} if m else None
        sc = dora_services.classify(s[1], benchmark) | {"period": s[0]} if s else None
        pc = dora_services.classify(p[1], benchmark) | {"period": p[0]} if p else None
        gaps = []
        if mc and sc and mc["period"] == sc["period"]:
            gaps = dora_services.compare_self_and_measured(sc, mc)
        out[team_id] = (mc, sc, gaps, pc)
    return out


def _targets_for(results):
    """{team id: {dimension lineage: level}}: the targets set on each result's assessment
    (one query). The result's frozen data carries them too, but reading it for every team
    would load every question's statistics."""
    team_of = {r.assessment_id: r.team_id for r in results}
    out = {}
    rows = DimensionTarget.objects.filter(assessment_id__in=list(team_of)).values_list(
        "assessment_id", "dimension__lineage", "level"
    )
    for assessment_id, lineage, level in rows:
        out.setdefault(team_of[assessment_id], {})[lineage] = level
    return out


def _columns(results, key, organization):
    """Dimension columns (lineage, name) of the newest questionnaire version in use, the
    labels of the versions in use and {lineage: name} over all of them (one query)."""
    versions = {}
    for r in results:
        versions[r.questionnaire_id] = r.questionnaire
    # Newest by publication, not by number: an organisation's copy counts its own versions.
    latest = max(
        versions.values(), key=lambda q: (q.published_at or q.loaded_at, q.version), default=None
    )
    if latest is None:
        latest = latest_published(key, organization)
        if latest is None:
            return [], [], {}
    rows = Dimension.objects.filter(questionnaire_id__in={latest.id, *versions}).values_list(
        "questionnaire_id", "position", "lineage", "name"
    )
    columns, names = [], {}
    for questionnaire_id, _position, lineage, name in sorted(
        rows, key=lambda row: (row[0] == latest.id, row[1])
    ):
        names[lineage] = name  # the newest version's name is set last
        if questionnaire_id == latest.id:
            columns.append((lineage, name))
    labels = sorted(f"{q.key} v{q.version}" for q in versions.values())
    return columns, labels, names


def data_version(organization):
    """What a cached comparison is keyed on besides its arguments: the organisation's data
    version, moved on by every write to what a comparison reads (``assessments.data_version``),
    and its default benchmark. Read afresh (one primary-key lookup), so a caller holding an
    older copy of the organisation never gets a stale comparison."""
    return repr(
        Organization.objects.filter(pk=organization.pk)
        .values_list("data_version", "default_benchmark")
        .first()
    )


def cached_comparison(organization, period=None, group=None, questionnaire_key="vsm-maturity",
                      benchmark_key=None):  # fmt: skip
    """``build_comparison`` through a small in-process cache keyed by the organisation's data
    version: the dashboard, the API and the exports of a large organisation compute it once
    per change and per worker process. A new result, review, DORA snapshot or map changes the
    version at once; edits the version cannot see (a team renamed) show within
    ``COMPARISON_MEMO_SECONDS``.
    (A shared cache would have to pickle hundreds of model instances per hit.)"""
    key = hashlib.sha256(
        repr((organization.id, period, getattr(group, "id", None), questionnaire_key,
              benchmark_key, data_version(organization))).encode()
    ).hexdigest()  # fmt: skip
    return _cache.get_or_build(
        key,
        lambda: build_comparison(organization, period, group, questionnaire_key, benchmark_key),
    )


_cache = ProcessMemo(size=COMPARISON_MEMO_SIZE, seconds=COMPARISON_MEMO_SECONDS)


def build_comparison(organization, period=None, group=None, questionnaire_key="vsm-maturity",
                     benchmark_key=None, with_flow=True):  # fmt: skip
    """All teams of the organisation (or group), one row each, for ``period``."""
    benchmark = dora_services.resolve_benchmark(benchmark_key, organization)
    teams = Team.objects.filter(organization=organization).select_related("group")
    if group is not None:
        teams = teams.filter(group=group)
    teams = list(teams.order_by("name"))
    ids = [t.id for t in teams]
    latest, previous = _latest_results(ids, questionnaire_key, period)
    columns, versions, names = _columns(latest.values(), questionnaire_key, organization)
    dora_rows = _dora_for(ids, period, benchmark)
    targets = _targets_for(latest.values())
    flows = {}
    if with_flow:
        flows = valuestream_services.latest_maps_for_teams(ids)
    rows = []
    for team in teams:
        result = latest.get(team.id)
        measured, survey, gaps, dora_previous = dora_rows.get(team.id, (None, None, [], None))
        rows.append(
            TeamRow(
                team=team,
                result=result,
                previous=previous.get(team.id),
                dimensions=dict(result.dimension_scores) if result else {},
                dora_measured=measured,
                dora_survey=survey,
                dora_gaps=gaps,
                flow=flows.get(team.id),
                dora_previous=dora_previous,
                targets=targets.get(team.id, {}),
            )
        )
    return Comparison(organization, period, group, questionnaire_key, benchmark, columns, rows,
                      versions, names)  # fmt: skip


# --- derived figures (plain Python over the rows) -------------------------------------------


def median_row(comparison):
    """The organisation median of each column and of the overall score (teams with a score)."""
    medians = {}
    for lineage, _ in comparison.columns:
        values = [r.dimensions.get(lineage) for r in comparison.rows]
        values = [v for v in values if v is not None]
        medians[lineage] = round(statistics.median(values), 2) if values else None
    overall = [r.overall_score for r in comparison.rows if r.overall_score is not None]
    medians["overall"] = round(statistics.median(overall), 2) if overall else None
    return medians


def level_distribution(rows):
    counts = Counter(r.overall_level for r in rows if r.overall_level)
    out = {level: counts.get(level, 0) for level in range(1, 6)}
    out["incomplete"] = sum(1 for r in rows if r.overall_incomplete)
    return out


def dora_2025(classification, segment):
    """DORA 2025 scores and the comparison with ``segment`` of a stored classification's
    metric values (``dora_services.compare_2025``), None without one."""
    if not classification:
        return None
    return dora_services.compare_2025(classification["values"], segment)


def band_distribution(rows, segment):
    """Teams per band of their measured DORA 2025 overall score against ``segment``."""
    counts = Counter()
    for row in rows:
        scored = dora_2025(row.dora_measured, segment)
        if scored and "overall" in scored["comparison"]:
            counts[scored["comparison"]["overall"].band] += 1
    return {key: counts.get(key, 0) for key, _label in quickcheck.BANDS}


def tier_distribution(rows):
    counts = Counter(
        r.dora_measured["overall"] for r in rows if r.dora_measured and r.dora_measured["overall"]
    )
    return {tier: counts.get(tier, 0) for tier in dora.TIERS}


def movers(rows, count=5):
    changed = [r for r in rows if r.change is not None]
    up = sorted((r for r in changed if r.change > 0), key=lambda r: (-r.change, r.team.name))
    down = sorted((r for r in changed if r.change < 0), key=lambda r: (r.change, r.team.name))
    return {"up": up[:count], "down": down[:count]}


def rollups(comparison):
    """Team -> group -> organisation: means over the teams' own results (every team counts
    once; an organisation figure is never an average of group averages), with team counts."""

    def summarise(rows):
        scored = [r for r in rows if r.overall_score is not None]
        incomplete = sum(1 for r in rows if r.overall_incomplete)
        dims = {}
        for lineage, _ in comparison.columns:
            values = [r.dimensions.get(lineage) for r in scored]
            values = [v for v in values if v is not None]
            dims[lineage] = (round(statistics.fmean(values), 2), len(values)) if values else None
        overall = [r.overall_score for r in scored]
        return {
            "teams": len(rows),
            "scored": len(scored),
            "incomplete": incomplete,
            "overall": round(statistics.fmean(overall), 2) if overall else None,
            "median": round(statistics.median(overall), 2) if overall else None,
            "dimensions": dims,
        }

    groups = {}
    for row in comparison.rows:
        groups.setdefault(row.team.group.name if row.team.group else "No group", []).append(row)
    return {
        "organization": summarise(comparison.rows),
        "groups": [(name, summarise(rows)) for name, rows in sorted(groups.items())],
    }


# A trend point is drawn only where at least this many teams have a result in the period
# (docs/scoring.md, "CoE charts"): below it a median and quartiles describe one or two teams,
# not the organisation, and would identify them.
TREND_MIN_TEAMS = 3


def organisation_trend(organization, questionnaire_key="vsm-maturity", group=None, last=8):
    """Per period, n and the median, quartiles and range of the teams' overall scores (one
    query; see ``summarise_trend``)."""
    results = Result.objects.filter(
        team__organization=organization, questionnaire_key=questionnaire_key
    )
    if group is not None:
        results = results.filter(team__group=group)
    scores = results.exclude(overall_score=None).values_list(
        "period", "team_id", "created_at", "id", "overall_score"
    )
    return summarise_trend(scores, last=last)


def cached_trend(organization, group=None, questionnaire_key="vsm-maturity"):
    """``organisation_trend`` kept per organisation data version, as ``cached_comparison`` is:
    it reads every result of the organisation (16,000 rows at 2,000 teams and 8 quarters) and
    depends on no period or benchmark, so the dashboard of another period or benchmark set
    reuses it."""
    key = (organization.id, getattr(group, "id", None), questionnaire_key,
           data_version(organization))  # fmt: skip
    return _trend_cache.get_or_build(
        key, lambda: organisation_trend(organization, questionnaire_key, group)
    )


_trend_cache = ProcessMemo(size=COMPARISON_MEMO_SIZE, seconds=COMPARISON_MEMO_SECONDS)


def summarise_trend(scores, last=8, min_teams=TREND_MIN_TEAMS):
    """``scores``: (period, team id, created at, id, overall score) rows. Each team counts once
    per period, with its latest result there. Per period (the newest ``last``): ``teams`` (n),
    and where n >= ``min_teams`` (``drawn``) the median, quartiles and range; fewer teams get
    None figures instead of statistics of one or two teams."""
    latest = {}
    for period, team_id, created_at, pk, score in scores:
        key = (period, team_id)
        order = (created_at, pk)
        if key not in latest or order > latest[key][0]:
            latest[key] = (order, score)
    by_period = {}
    for (period, _team), (_order, score) in latest.items():
        by_period.setdefault(period, []).append(score)
    rows = []
    for period in sorted(by_period)[-last:]:
        values = sorted(by_period[period])
        row = {"period": period, "teams": len(values), "drawn": len(values) >= min_teams,
               "median": None, "q1": None, "q3": None, "min": None, "max": None}  # fmt: skip
        if row["drawn"]:
            quartiles = statistics.quantiles(values, n=4)
            row.update(
                median=round(statistics.median(values), 2),
                q1=round(quartiles[0], 2),
                q3=round(quartiles[2], 2),
                min=round(values[0], 2),
                max=round(values[-1], 2),
            )
        rows.append(row)
    return rows


def trend_labels(trend, min_teams=TREND_MIN_TEAMS):
    """The x labels of the trend chart: every period names its n, and says so when it is not
    drawn."""
    return [
        f"{t['period']} (n={t['teams']})"
        if t["drawn"]
        else f"{t['period']} (n={t['teams']}, under {min_teams}: not drawn)"
        for t in trend
    ]


def distribution(rows, previous_rows, kind, segment=None):
    """Teams per overall level (``kind`` "level"), per measured DORA tier ("tier") or per band
    of the measured DORA 2025 overall score against ``segment`` ("band") in the selected
    period and, when given, the previous one: ``categories`` (key, label) and one count per
    category for each. Teams without a result (or without measured DORA data) form their own
    category, so each period's counts add up to the teams shown."""
    if kind == "level":
        keys = [*range(1, 6), "incomplete"]
        labels = [*(f"{n} {LEVEL_NAMES[n]}" for n in range(1, 6)), "Overall incomplete"]
        none_label = "No result"

        def count(some):
            return level_distribution(some)
    elif kind == "band":
        keys = [key for key, _label in quickcheck.BANDS]
        labels = [label.capitalize() for _key, label in quickcheck.BANDS]
        none_label = "No measured data"

        def count(some):
            return band_distribution(some, segment)
    else:
        keys = list(dora.TIERS)
        labels = [dora.TIER_LABELS[t] for t in keys]
        none_label = "No measured data"

        def count(some):
            return tier_distribution(some)

    def counts(some):
        by_key = count(some)
        values = [by_key[k] for k in keys]
        return [*values, len(some) - sum(values)]

    selected = counts(rows)
    previous = counts(previous_rows) if previous_rows is not None else None
    categories = list(zip([*keys, None], [*labels, none_label], strict=True))
    # "No result" and "Overall incomplete" are drawn only where some team is in them.
    for index in (len(categories) - 1, keys.index("incomplete") if "incomplete" in keys else -1):
        if index < 0 or selected[index] or (previous is not None and previous[index]):
            continue
        del categories[index], selected[index]
        if previous is not None:
            del previous[index]
    return {
        "categories": categories,
        "selected": selected,
        "previous": previous,
        "teams": len(rows),
        "rows": [
            (label, previous[i] if previous is not None else None, selected[i])
            for i, (_key, label) in enumerate(categories)
        ],
    }


def previous_period_rows(comparison):
    """The same teams one period earlier, for distributions compared with the previous period
    (None without a chosen period). Derived from the rows already loaded (a team's result at
    or before the previous period is its latest one when that is older than the chosen
    period, else the one before it) plus one query for that period's DORA snapshots."""
    if not comparison.period:
        return None
    earlier = shift_period(comparison.period, -1)
    ids = [row.team.id for row in comparison.rows]
    dora_rows = _dora_for(ids, earlier, comparison.benchmark)
    rows = []
    for row in comparison.rows:
        result = row.result
        if result is not None and result.period > earlier:
            result = row.previous
        measured, survey, gaps, _previous = dora_rows.get(row.team.id, (None, None, [], None))
        rows.append(
            TeamRow(team=row.team, result=result, previous=None,
                    dimensions=dict(result.dimension_scores) if result else {},
                    dora_measured=measured, dora_survey=survey, dora_gaps=gaps)
        )  # fmt: skip
    return rows


def sort_and_filter(rows, sort="team", direction="asc", name="", gaps_only=False,
                    reviewed=None, dora_view="tiers"):  # fmt: skip
    """Filter by team name substring, DORA gap, review state; sort by any column ("team",
    "group", "overall", "change", "dora" (the measured tier, or in the "comparison"
    ``dora_view`` the measured DORA 2025 overall score), "flow" or "dim:<lineage>"; teams
    without a value last)."""
    if name:
        needle = name.casefold()
        rows = [r for r in rows if needle in r.team.name.casefold()]
    if gaps_only:
        rows = [r for r in rows if r.dora_gaps]
    if reviewed is not None:
        rows = [r for r in rows if r.result and bool(r.result.reviewed_at) == reviewed]

    def value(row):
        if sort == "team":
            return row.team.name.casefold()
        if sort == "group":
            return (row.team.group.name if row.team.group else "").casefold()
        if sort == "overall":
            return row.overall_score
        if sort == "change":
            return row.change
        if sort == "dora" and dora_view == "comparison":
            measured = row.dora_measured
            return quickcheck.scores(measured["values"]).overall if measured else None
        if sort == "dora":
            overall = row.dora_measured["overall"] if row.dora_measured else None
            return None if overall is None else -dora.TIERS.index(overall)
        if sort == "flow":
            return (row.flow or {}).get("flow_efficiency")
        if sort.startswith("dim:"):
            return row.dimensions.get(sort[4:])
        return row.team.name.casefold()

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), r.team.name), reverse=(direction == "desc"))
    return present + missing


def level_of(score):
    return scoring.level_for_score(score) if score is not None else None

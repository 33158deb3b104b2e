"""A team's history: its results over time, per dimension (followed across questionnaire
versions by lineage, with a visible break where a version does not map), and its DORA tiers."""

from assessments.dora import services as dora_services
from assessments.dora.services import benchmark_context
from assessments.levels import LEVEL_NAMES, score_text
from assessments.maturity import scoring, selectors
from assessments.models import Dimension, Result
from vsm_site import charts


def dimension_series(rows):
    """``[(lineage, name, [score or None per row])]`` in the newest version's order; a
    dimension missing from a result (new or dropped in a version) is None there: a break."""
    questionnaire_ids = {row["result"].questionnaire_id for row in rows}
    names = {}
    order = []
    for lineage, name in (
        Dimension.objects.filter(questionnaire_id__in=questionnaire_ids)
        .order_by("-questionnaire__version", "position")
        .values_list("lineage", "name")
    ):
        if lineage not in names:
            names[lineage] = name
            order.append(lineage)
    return [
        (lineage, names[lineage],
         [row["result"].dimension_scores.get(lineage) for row in rows])
        for lineage in order
    ]  # fmt: skip


def _charts(team, rows, series):
    """The overall trend chart and one chart per dimension. (The page's content, charts
    included, is kept per data version by the view: nothing is kept here.)"""
    periods = [row["period"] for row in rows]
    return (
        trend_chart(team, rows, id_prefix="hist-overall"),
        [
            charts.line_chart(
                periods,
                [charts.Series(name, values)],
                title=f"{name} over time",
                description="; ".join(
                    f"{p}: " + ("no score" if v is None else score_text(v))
                    for p, v in zip(periods, values, strict=True)
                ),
                band_labels=None,
                id_prefix=f"hist-{lineage}",
            )
            for lineage, name, values in series
        ],
    )


def history_context(team, questionnaire_key="vsm-maturity"):
    rows = trend_rows(team, questionnaire_key, with_data=False)
    previous = None
    for row in rows:
        score = row["overall_score"]
        comparable = row["comparable"] and score is not None and previous is not None
        row["change"] = round(score - previous, 2) if comparable else None
        previous = score
    series = dimension_series(rows)
    periods = [row["period"] for row in rows]
    overall_chart, dimension_charts = _charts(team, rows, series) if rows else ("", [])
    dimension_rows = []
    versions = [row["result"].scoring_rules_version for row in rows]
    for (lineage, name, values), chart in zip(series, dimension_charts, strict=True):
        cells = []
        before = None
        for value, version in zip(values, versions, strict=True):
            delta = round(value - before, 2) if value is not None and before is not None else None
            cells.append(
                {
                    "score": value,
                    # formatted here: a few hundred floatformat calls were most of the render
                    "text": score_text(value, 1),
                    "delta": delta,
                    "arrow": " ▲" if delta and delta > 0 else (" ▼" if delta else ""),
                    "level": _level(value, version),
                }
            )
            before = value
        dimension_rows.append({"lineage": lineage, "name": name, "cells": cells, "chart": chart})
    benchmark = dora_services.resolve_benchmark(None, team.organization)
    # Tiers against the organisation's set and, beside them, the 2025 scores compared with its
    # segment (shown when its view is the comparison): oldest period first.
    dora_rows = list(
        reversed(
            dora_services.team_dora_overview(
                team, benchmark, dora_services.organization_segment(team.organization)
            )
        )
    )
    roadmaps = dict(
        Result.objects.filter(team=team, roadmap__isnull=False).values_list("id", "roadmap__id")
    )
    return {
        "team": team,
        "rows": rows,
        "latest": rows[-1] if rows else None,
        "has_break": any(not row["comparable"] for row in rows[1:]),
        "overall_chart": overall_chart,
        "dimension_rows": dimension_rows,
        "periods": periods,
        "dora_rows": dora_rows,
        **benchmark_context(benchmark),
        "roadmap_results": roadmaps,
        "level_names": LEVEL_NAMES,
    }


def _level(score, rules_version):
    return scoring.level_for_score(score, rules_version) if score is not None else None


def trend_rows(team, questionnaire_key, with_data=True):
    """The team's results of one questionnaire key, oldest first, with a break (None) where the
    questionnaire changed and a dimension of the earlier result does not continue in the later
    one (by lineage). A version that only adds dimensions continues the line; ``added`` names
    the lineages that start there. Without
    ``with_data`` the results' full data (per-question statistics) is not loaded."""
    results = Result.objects.filter(team=team, questionnaire_key=questionnaire_key)
    if not with_data:
        results = results.defer("data")
    results = list(results.select_related("questionnaire").order_by("period"))
    rows = []
    previous_lineages = None
    for r in results:
        if with_data:
            lineages = {d.get("lineage", d["key"]) for d in r.data["dimensions"]}
        else:
            lineages = set(r.dimension_scores)  # {lineage: score} of every dimension
        comparable = previous_lineages is None or previous_lineages <= lineages
        rows.append(
            {
                "added": _names(r, lineages - previous_lineages) if previous_lineages else [],
                "incomplete": selectors.overall_incomplete(r),
                "period": r.period,
                "overall_score": r.overall_score,
                "overall_level": r.overall_level,
                "questionnaire": r.questionnaire.label,
                "comparable": comparable,
                "result": r,
            }
        )
        previous_lineages = lineages
    return rows


def _names(result, lineages):
    """The names, in questionnaire order, of the result's dimensions with these lineages (the
    dimensions a version adds to the line; usually none, then no query)."""
    if not lineages:
        return []
    return list(
        Dimension.objects.filter(questionnaire_id=result.questionnaire_id, lineage__in=lineages)
        .order_by("position")
        .values_list("name", flat=True)
    )


def trend_chart(team, rows, id_prefix=None):
    """Overall score per period. Each run of comparable results is its own line, so a
    questionnaire version that does not continue the previous one shows as a visible break
    (a new line, named after its version) instead of a slope nobody measured."""
    segments = []
    for index, row in enumerate(rows):
        if not segments or not row["comparable"]:
            segments.append({"labels": [], "indexes": []})
        if row["questionnaire"] not in segments[-1]["labels"]:
            segments[-1]["labels"].append(row["questionnaire"])  # a line may span versions
        segments[-1]["indexes"].append(index)
    for segment in segments:
        labels = segment["labels"]
        segment["name"] = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    series = []
    for segment in segments[-6:]:  # the chart has six distinguishable line styles
        values = [
            row["overall_score"] if i in segment["indexes"] else None for i, row in enumerate(rows)
        ]
        series.append(charts.Series(segment["name"], values))
    return charts.line_chart(
        [row["period"] for row in rows],
        series,
        title=f"{team.name}: overall maturity over time",
        description="; ".join(
            f"{row['period']}: "
            + ("no score" if row["overall_score"] is None else score_text(row["overall_score"]))
            for row in rows
        ),
        y_min=1,
        y_max=5,
        y_label="Score",
        band_labels=LEVEL_NAMES,
        id_prefix=id_prefix,
    )

"""Builds the contexts of the roadmap and portfolio PDFs (shapes documented in
reports/pdf/render.py). The roadmap PDF's sources are read once by
``reports.roadmap.document.gather``; the builders below only arrange them."""

from django.utils import timezone

from assessments import permissions
from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.levels import LEVEL_DESCRIPTIONS, LEVEL_NAMES
from assessments.maturity import selectors as maturity_selectors
from assessments.models import Result
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.valuestream import services as valuestream_services
from reports.coe.history import trend_chart
from reports.models import Roadmap, RoadmapItem
from reports.results.content import (
    comments_hidden_note,
    compare_with_previous,
    dimension_presentation,
    overall_presentation,
    radar_for,
    result_comments,
)
from reports.roadmap import document
from vsm_site import charts

PHASE_LABELS = dict(RoadmapItem.PHASE_CHOICES)
COMPARISON = "comparison"
# The five metrics in DORA's two factors, in the order every page shows them.
FACTOR_METRICS = tuple(m for _key, _label, metrics in quickcheck.FACTORS for m in metrics)


def _plan_item(item, subjects):
    return {
        "title": item.title,
        "kind": "dora" if item.kind == "dora" else "maturity",
        "subject": subjects.get(item.key, ""),
        "why": list(item.why),
        "focus_areas": list(item.focus_areas),
        "steps": list(item.steps),
        "success_metric": item.success_metric,
        "owner_role": item.owner_role,
        "owner_name": (item.owner.get_full_name() or item.owner.username) if item.owner else "",
        "due_date": item.due_date,
        "done": item.done,
        "priority": item.priority,
        "from_level": item.from_level,
        "to_level": item.to_level,
        "from_tier": item.from_tier or None,
        "to_tier": item.to_tier or None,
    }


def _plan(sources, dimension_names):
    items, benchmark, roadmap = sources.items, sources.benchmark, sources.roadmap
    subjects = {f"dimension:{k}": name for k, name in dimension_names.items()}
    subjects.update({f"sustain:{k}": name for k, name in dimension_names.items()})
    subjects.update(
        {f"dora:{m}": dora.metric_label(m, benchmark.year) for m in dora.METRICS}
        | {"dora:rework_rate": "Deployment rework rate"}
    )
    phases = [
        {
            "key": key,
            "label": label,
            "items": [_plan_item(i, subjects) for i in items if i.phase == key],
        }
        for key, label in RoadmapItem.PHASE_CHOICES
    ]
    ordered = [i for phase in phases for i in phase["items"] if not i["done"]]
    return {"phases": phases, "top": ordered[:3], "formula": roadmap.formula}


def _metric_label(metric, year):
    return dora.REWORK_RATE_LABEL if metric == dora.REWORK_RATE else dora.metric_label(metric, year)


def _tier_set_label(benchmark):
    """The tiers' benchmark year, as the tiers are labelled: "DORA 2024"."""
    return f"DORA {benchmark.year}" if benchmark.year is not None else benchmark.name


def _dora(sources):
    benchmark, measured, survey = sources.benchmark, sources.measured, sources.self_assessed
    if measured is None and survey is None:
        return None
    metrics = []
    for metric in FACTOR_METRICS:
        value = (measured or {}).get("values", {}).get(metric)
        metrics.append(
            {
                "metric": metric,
                "label": _metric_label(metric, benchmark.year),
                "value_display": dora_services.display_value(metric, value)
                if value is not None
                else "",
                # Rework rate has no published tiers: None here, "no tiers" in the PDF.
                "tier": (measured or {}).get("tiers", {}).get(metric),
                "self_tier": (survey or {}).get("tiers", {}).get(metric),
            }
        )
    gaps = dora_services.compare_self_and_measured(survey, measured)
    view = sources.dora_view
    comparison = _comparison(measured, survey, sources.segment) if view == COMPARISON else None
    return {
        "view": view,
        "benchmark_name": benchmark.name,
        "benchmark_key": benchmark.key,
        "tier_set_label": _tier_set_label(benchmark),
        "rule_text": dora.explain_rule(benchmark),
        "measured_source": (measured or {}).get("source"),
        "metrics": metrics,
        "overall": (measured or {}).get("overall"),
        "self_overall": (survey or {}).get("overall"),
        "score": (measured or survey)["score"],
        "gaps": [
            {
                "label": dora.metric_label(g["metric"], benchmark.year),
                "self_assessed": g["self_assessed"],
                "measured": g["measured"],
            }
            for g in gaps
        ],
        "comparison": comparison,
    }


def _compared_row(aspect, label, compared, value_display=""):
    """One line of the 2025 comparison; ``score`` None when the team has no value for it."""
    found = compared.get(aspect)
    if found is None:
        return {"aspect": aspect, "label": label, "value_display": value_display, "score": None}
    return {
        "aspect": aspect,
        "label": label,
        "value_display": value_display,
        "score": found.score,
        "mean": found.mean,
        "sd": found.sd,
        "z": found.z,
        "band": found.band,
        "band_label": found.band_label,
        # Where the team stands on a drawing of the segment from -3 to +3 sd (percent).
        "position": round(quickcheck.position(found.z) * 100, 1),
    }


def recovery_note(segment):
    """What a page says where it shows recovery time against an organisation size."""
    if not segment.recovery_inverted:
        return ""
    published = segment.published["recovery"][0]
    mean = segment.stats["time_to_restore"].mean
    industries = quickcheck.get_segment("industry", "all").stats["time_to_restore"].mean
    return (
        "The organisation-size benchmarks store failed deployment recovery time the other way "
        f"round ({published:g} for {segment.label}, where the industry figures from the same "
        f"respondents give {industries:g} for all industries), so it is read as "
        f"10 − {published:g} = {mean:g}."
    )


def _comparison(measured, survey, segment):
    """DORA's 2025 comparison of the measured values (else the self-assessed ones) with the
    organisation's segment, grouped by DORA's two factors (quickcheck.FACTORS)."""
    chosen = measured or survey
    values = chosen.get("values", {})
    compared = dora_services.compare_2025(values, segment)["comparison"]
    year = int(quickcheck.EDITION)
    factors = [
        {
            "key": key,
            "label": label,
            "summary": _compared_row(key, label, compared),
            "metrics": [
                _compared_row(
                    m,
                    _metric_label(m, year),
                    compared,
                    dora_services.display_value(m, values[m]) if values.get(m) is not None else "",
                )
                for m in metrics
            ],
        }
        for key, label, metrics in quickcheck.FACTORS
    ]
    return {
        "citation": quickcheck.CITATION,
        "edition": quickcheck.EDITION,
        "segment_label": segment.label,
        "segment_kind": quickcheck.SEGMENT_KIND_LABELS[segment.kind],
        "source": "measured" if measured is not None else "self-assessed",
        "factors": factors,
        "overall": _compared_row("overall", "Overall", compared),
        "recovery_note": recovery_note(segment),
    }


def _appendix(result, candid, hidden, threshold):
    """``hidden``: dimension key -> its spread is hidden (``dimension_spread_hidden``)."""
    structure = questionnaire_selectors.questionnaire_structure(result.questionnaire)
    stats = {row["key"]: row for row in result.data.get("questions", [])}
    dimensions = []
    for dimension, questions in structure:
        dimensions.append(
            {
                "name": dimension.name,
                "hidden_distribution": hidden.get(dimension.key, not candid),
                "questions": [
                    {
                        "text": q.text,
                        "mean": (stats.get(q.key) or {}).get("mean"),
                        "distribution": (stats.get(q.key) or {}).get("distribution", {}),
                        "dont_know": (stats.get(q.key) or {}).get("dont_know", 0),
                        "not_applicable": (stats.get(q.key) or {}).get("not_applicable", 0),
                    }
                    for q in questions
                ],
            }
        )
    comments = [
        {"dimension": dimension, "question": question, "comment": comment}
        for dimension, question, comment, _ in (result_comments(result) if candid else ())
        if comment  # the PDF quotes comments; evidence links are followed on the result page
    ]
    return {
        "dimensions": dimensions,
        "comments": comments,
        "comments_hidden": "" if candid else comments_hidden_note(result.team.organization),
        "hidden_distribution": not candid,
        "some_hidden": any(hidden.values()),
        "threshold": threshold,
    }


def roadmap_context(result, viewer=None, sources=None):
    """The roadmap PDF's context. The comments and spread of a low-confidence result are left
    out unless ``viewer`` may see them (``may_see_candid_detail``). A stored roadmap PDF may be
    downloaded by everyone who sees the team, so it is built without a viewer (as
    ``services.build_pdf`` does); pass one only for a document that viewer alone reads.
    ``sources``: ``document.gather(result)`` when the caller has it already."""
    sources = sources or document.gather(result)
    result, team, roadmap = sources.result, sources.team, sources.roadmap
    candour = permissions.candour(viewer, team.organization, result.low_confidence)
    candid = candour != permissions.CANDOUR_NONE
    threshold = permissions.confidence_threshold(result)
    previous = sources.previous
    deltas = compare_with_previous(result, previous)
    dimensions = []
    hidden = {}
    for row in result.data["dimensions"]:
        change = deltas.get(row["key"])
        shown = dimension_presentation(row, candour, threshold)
        hidden[row["key"]] = shown["spread_hidden"]
        dimensions.append(
            {
                **shown,
                "key": row["key"],
                "name": row["name"],
                "score": row["score"],
                "level": row["level"],
                "level_name": LEVEL_NAMES.get(row["level"], ""),
                "min": None if shown["spread_hidden"] else row["min"],
                "max": None if shown["spread_hidden"] else row["max"],
                "target": row.get("target"),
                "disagreement": row["disagreement"] and not shown["spread_hidden"],
                "insufficient": row["insufficient"],
                "change": change["delta"] if change else None,
            }
        )
    rows = sources.history
    return {
        "team": {
            "name": team.name,
            "group": team.group.name if team.group else "",
            "organization": team.organization.name,
        },
        "period": result.period,
        "generated_at": timezone.now(),
        "result": {
            "overall_score": result.overall_score,
            "overall_level": result.overall_level,
            "level_name": LEVEL_NAMES.get(result.overall_level, ""),
            "level_description": LEVEL_DESCRIPTIONS.get(result.overall_level, ""),
            "respondents": result.respondents,
            "low_confidence": result.low_confidence,
            "questionnaire": result.questionnaire.label,
            "scoring_rules_version": str(result.scoring_rules_version),
            "explanation": result.data.get("explanation", ""),
            "dimensions": dimensions,
            **overall_presentation(result),
        },
        "radar_svg": radar_for(result, previous, deltas, id_prefix="pdf-radar"),
        "dora": _dora(sources),
        # The legend lists the tiers of the set in use only: a 2022 roadmap never shows Elite.
        "legend_tiers": dora.get_benchmark(sources.benchmark).tiers,
        "trend": {
            "svg": trend_chart(team, rows, id_prefix="pdf-trend"),
            "rows": [{k: v for k, v in r.items() if k != "result"} for r in rows],
        },
        "plan": _plan(sources, {d["key"]: d["name"] for d in result.data["dimensions"]}),
        "review": {
            "next_assessment": roadmap.next_assessment,
            "checkpoints": [
                (timezone.datetime.fromisoformat(d).date(), label)
                for d, label in roadmap.checkpoints
            ],
        },
        "appendix": _appendix(result, candid, hidden, threshold),
        "vsm": valuestream_services.pdf_vsm_context(
            team, current=sources.current_map, future=sources.future_map
        ),
    }


# The bands' colours, as on the CoE dashboard (ColorBrewer RdBu, like the tiers); the band is
# always written out as well, so colour is never the only cue.
BAND_COLOURS = {
    "well_below": "#b2182b",
    "below": "#f4a582",
    "typical": "#d9d9d9",
    "above": "#92c5de",
    "well_above": "#2166ac",
}


def _team_comparison(compared):
    """A team's line of the portfolio in the 2025 comparison: overall, each factor and each
    metric as {score, z, band, band_label}, None where the team has no value; None without
    figures (or in the tiers view)."""
    if compared is None:
        return None

    def cell(aspect):
        found = compared.get(aspect)
        if found is None:
            return None
        return {
            "score": found.score,
            "z": found.z,
            "band": found.band,
            "band_label": found.band_label,
        }

    return {
        "overall": cell("overall"),
        "factors": {key: cell(key) for key, _label, _metrics in quickcheck.FACTORS},
        "metrics": {metric: cell(metric) for metric in FACTOR_METRICS},
    }


def portfolio_context(report):
    """Every team of the organisation (or group): latest result, DORA tiers, distribution,
    movers and the most common top priorities."""
    from collections import Counter

    from assessments.models import DoraSnapshot, Team

    teams = Team.objects.filter(organization=report.organization).select_related("group")
    if report.group_id:
        teams = teams.filter(group_id=report.group_id)
    teams = list(teams.order_by("group__name", "name"))
    results = Result.objects.filter(team__in=teams, questionnaire_key="vsm-maturity")
    if report.period:
        results = results.filter(period__lte=report.period)
    latest, previous = {}, {}
    for r in results.order_by("team_id", "-period").only(
        "id", "team_id", "period", "overall_score", "overall_level", "dimension_scores"
    ):
        if r.team_id not in latest:
            latest[r.team_id] = r
        elif r.team_id not in previous:
            previous[r.team_id] = r
    benchmark = dora_services.resolve_benchmark(None, report.organization)
    comparison_view = report.organization.dora_view == COMPARISON
    segment = dora_services.resolve_segment(None, report.organization) if comparison_view else None
    snapshots = {}
    for snap in DoraSnapshot.objects.filter(
        team__in=teams, source__in=[DoraSnapshot.EVENTS, DoraSnapshot.ENTRY]
    ).order_by("team_id", "-period", "-source"):
        snapshots.setdefault(snap.team_id, snap)  # newest period; events before entry
    top_items = Counter()
    for roadmap in Roadmap.objects.filter(result__in=latest.values()).prefetch_related("items"):
        for item in sorted(roadmap.items.all(), key=lambda i: i.position)[:3]:
            top_items[item.title] += 1
    rows = []
    for team in teams:
        r = latest.get(team.id)
        p = previous.get(team.id)
        snap = snapshots.get(team.id)
        classified = dora_services.classify(snap.values, benchmark) if snap else None
        compared = None
        if segment is not None and snap:
            compared = dora_services.compare_2025(snap.values, segment)["comparison"]
        change = None
        if r and p and r.overall_score is not None and p.overall_score is not None:
            change = round(r.overall_score - p.overall_score, 2)
        rows.append(
            {
                "name": team.name,
                "group": team.group.name if team.group else "",
                "overall_score": r.overall_score if r else None,
                "overall_level": r.overall_level if r else None,
                "level_name": LEVEL_NAMES.get(r.overall_level, "") if r else "",
                # Dimensions scored, too little weight for an overall (rules v2): said so.
                "incomplete": maturity_selectors.overall_incomplete(r),
                "dora_overall": classified["overall"] if classified else None,
                "dora_tiers": classified["tiers"] if classified else {},
                "dora_2025": _team_comparison(compared),
                "change": change,
            }
        )
    level_counts = Counter(row["overall_level"] for row in rows if row["overall_level"])
    tier_counts = Counter(row["dora_overall"] for row in rows if row["dora_overall"])
    band_counts = Counter(
        (row["dora_2025"]["overall"] or {}).get("band") if row["dora_2025"] else None
        for row in rows
    )
    movers = sorted((row for row in rows if row["change"] is not None), key=lambda x: x["change"])
    scope = report.group.name if report.group else report.organization.name
    return {
        "organization": report.organization.name,
        "group": report.group.name if report.group else None,
        "period": report.period or "latest",
        "generated_at": timezone.now(),
        "teams": rows,
        "distribution_svg": charts.bar_chart(
            [f"{n} {LEVEL_NAMES[n]}" for n in range(1, 6)],
            [level_counts.get(n, 0) for n in range(1, 6)],
            title=f"{scope}: teams per maturity level",
            colours=[charts.LEVEL_COLOURS[n] for n in range(1, 6)],
            id_prefix="pdf-levels",
        ),
        "dora_distribution_svg": charts.bar_chart(
            [dora.TIER_LABELS[t] for t in dora.TIERS],
            [tier_counts.get(t, 0) for t in dora.TIERS],
            title=f"{scope}: teams per DORA tier ({benchmark.name})",
            colours=[charts.TIER_COLOURS[t] for t in dora.TIERS],
            id_prefix="pdf-tiers",
        ),
        "dora_view": report.organization.dora_view,
        "tier_set_label": _tier_set_label(benchmark),
        "dora_comparison": None
        if segment is None
        else {
            "citation": quickcheck.CITATION,
            "segment_label": segment.label,
            "segment_kind": quickcheck.SEGMENT_KIND_LABELS[segment.kind],
            "recovery_note": recovery_note(segment),
            "band_distribution_svg": charts.bar_chart(
                [label for _key, label in quickcheck.BANDS] + ["Not measured"],
                [band_counts.get(key, 0) for key, _label in quickcheck.BANDS]
                + [band_counts.get(None, 0)],
                title=f"{scope}: teams per band, overall DORA score against {segment.label}",
                description=f"{quickcheck.CITATION}. Each team is set against the published "
                "figures, not against the other teams.",
                colours=[BAND_COLOURS[key] for key, _label in quickcheck.BANDS] + ["#bbbbbb"],
                id_prefix="pdf-bands",
            ),
        },
        "movers": {
            "up": [
                {"name": m["name"], "change": m["change"]}
                for m in reversed(movers)
                if m["change"] > 0
            ][:5],
            "down": [{"name": m["name"], "change": m["change"]} for m in movers if m["change"] < 0][
                :5
            ],
        },  # fmt: skip
        "common_priorities": [
            {"title": title, "count": count} for title, count in top_items.most_common(8)
        ],
    }

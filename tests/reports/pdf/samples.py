"""Realistic contexts for the PDF documents, in the shape documented in ``reports/pdf.py``.

The dimensions and questions come from the shipped questionnaire and the roadmap text from the
shipped practice content, so the samples look like a real report; the charts are made with the
real chart functions. The numbers are fixed, so renders are repeatable.

Used by the tests, and handy for looking at the documents (in ``manage.py shell``)::

    from reports import pdf
    from tests.reports.pdf.samples import sample_roadmap_context
    html = pdf.render_roadmap_html(sample_roadmap_context())
    open("/tmp/roadmap.pdf", "wb").write(pdf.html_to_pdf(html))
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from assessments.levels import LEVEL_NAMES
from vsm_site import charts
from vsm_site.charts import LEVEL_COLOURS, TIER_COLOURS, Series

TEAM_NAME = "Payments Checkout & Wallet"
PERIOD = "2026-Q2"
HOSTILE_COMMENT = '<script>alert(1)</script> & "quotes"'
BENCHMARK_NAME = "DORA 2024 (Accelerate State of DevOps)"
LONG_TEAM_NAME = (
    "Customer Onboarding, Identity Verification and Know Your Customer Compliance Platform "
    "Engineering Team for Europe, the Middle East & Africa"
)
PHASE_LABELS = {
    "now": "Now: the next 90 days",
    "next": "Next: 3 to 6 months",
    "later": "Later: 6 to 12 months",
}
GENERATED_AT = dt.datetime(2026, 7, 3, 9, 30, tzinfo=dt.UTC)

# Per dimension (questionnaire order): score, previous score, target.
SCORES = {
    "visibility": (2.4, 2.1, 3.0),
    "flow": (1.8, 1.7, 3.0),
    "ideation": (2.9, 2.6, 3.0),
    "development": (3.4, 3.3, 4.0),
    "testing": (2.6, 2.7, 3.0),
    "deployment": (3.1, 2.6, 4.0),
    "operations": (2.2, 2.2, 3.0),
    "measurement": (1.6, None, 3.0),
    "tooling": (3.7, 3.5, 4.0),
    "organisation": (2.8, 2.9, 3.0),
}
TREND = [
    ("2025-Q1", 1.84, "vsm-maturity v1"),
    ("2025-Q2", 2.02, "vsm-maturity v1"),
    ("2025-Q3", None, "vsm-maturity v1"),
    ("2025-Q4", 2.21, "vsm-maturity v1"),
    ("2026-Q1", 2.44, "vsm-maturity v1"),
    ("2026-Q2", 2.58, "vsm-maturity v1"),
]
# (phase, kind, subject key, from, to, owner name, due date, done, priority)
PLAN = [
    ("now", "maturity", "measurement", 1, 2, "Priya Raman", dt.date(2026, 8, 14), False, 9.2),
    ("now", "maturity", "flow", 1, 2, "", dt.date(2026, 8, 28), False, 8.7),
    ("now", "dora", "lead_time", "medium", "high", "Jonas Berg", dt.date(2026, 9, 25), True, 8.1),
    ("next", "maturity", "visibility", 2, 3, "Priya Raman", dt.date(2026, 11, 13), False, 7.4),
    ("next", "maturity", "operations", 2, 3, "", dt.date(2026, 12, 4), False, 6.9),
    ("next", "dora", "change_failure_rate", "low", "medium", "", None, False, 6.2),
    ("later", "maturity", "testing", 2, 3, "Ana Sousa", dt.date(2027, 3, 26), False, 5.1),
    ("later", "maturity", "deployment", 3, 4, "", dt.date(2027, 5, 28), False, 4.4),
    ("later", "dora", "deployment_frequency", "high", "elite", "", None, False, 3.8),
]
DORA_METRICS = [
    ("deployment_frequency", "Deployment frequency", "2.3 per week", "high", "elite"),
    ("lead_time", "Lead time for changes", "4.5 days", "medium", "high"),
    ("time_to_restore", "Failed deployment recovery time", "3 hours", "high", "high"),
    ("change_failure_rate", "Change failure rate", "21%", "low", "medium"),
]
TIER_LABELS = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}


@cache
def _questionnaire() -> dict:
    path = Path(settings.BASE_DIR) / "assessments/questionnaires/vsm-maturity-v1.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def _practices() -> dict:
    path = Path(settings.BASE_DIR) / "reports/roadmap/content/practices.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _level(score):
    return None if score is None else max(1, min(5, int(score)))


def _distribution(mean: float, seed: int) -> dict[int, int]:
    """Seven-ish answers spread around ``mean``, deterministic per question."""
    centre = _level(mean)
    counts = dict.fromkeys(range(1, 6), 0)
    counts[centre] += 3 + seed % 2
    counts[max(1, centre - 1)] += 1 + seed % 3 // 2
    counts[min(5, centre + 1)] += 1 + (seed + 1) % 2
    return counts


def _dimensions() -> list[dict]:
    rows = []
    for index, dim in enumerate(_questionnaire()["dimensions"]):
        score, previous, target = SCORES[dim["key"]]
        level = _level(score)
        rows.append(
            {
                "key": dim["key"],
                "name": dim["name"],
                "score": score,
                "level": level,
                "level_name": LEVEL_NAMES[level],
                "min": round(max(1.0, score - 0.9), 1),
                "max": round(min(5.0, score + 1.1), 1),
                "target": target,
                "disagreement": index in (1, 7),
                "insufficient": False,
                "change": None if previous is None else round(score - previous, 2),
            }
        )
    return rows


def _plan() -> dict:
    names = {d["key"]: d["name"] for d in _questionnaire()["dimensions"]}
    metric_labels = {key: label for key, label, *_ in DORA_METRICS}
    practices = _practices()
    phases = {key: {"key": key, "label": label, "items": []} for key, label in PHASE_LABELS.items()}
    for phase, kind, key, start, goal, owner, due, done, priority in PLAN:
        if kind == "maturity":
            content = practices["dimensions"][key]
            entry = content["levels"][start]
            subject = names[key]
            why = [
                f"{subject} scores {SCORES[key][0]:.1f}, below the target of {SCORES[key][2]:.0f}.",
                "Other improvements in the plan depend on it.",
            ]
            focus = _questionnaire_focus(key, start)
        else:
            content = practices["dora"][key]
            # DORA steps are written per value to reach (the planner picks one from the
            # benchmark set); a sample takes the loosest target.
            entry = {
                "title": f"Reach {TIER_LABELS[goal]}",
                "steps": content["targets"][0]["steps"],
                "success_metric": f"{metric_labels[key]} reaches {TIER_LABELS[goal]}.",
            }
            subject = metric_labels[key]
            why = [
                f"{subject} is {TIER_LABELS[start]} against {BENCHMARK_NAME}.",
                "The team rated it one tier better than it measures.",
            ]
            focus = []
        phases[phase]["items"].append(
            {
                "title": entry["title"],
                "kind": kind,
                "subject": subject,
                "why": why,
                "focus_areas": focus,
                # A step is text, or {do: text, aims: question} (practices.yaml's header).
                "steps": [
                    step["do"] if isinstance(step, dict) else step for step in entry["steps"]
                ],
                "success_metric": entry["success_metric"],
                "owner_role": content["owner_role"],
                "owner_name": owner,
                "due_date": due,
                "done": done,
                "priority": priority,
                "from_level": start if kind == "maturity" else None,
                "to_level": goal if kind == "maturity" else None,
                "from_tier": start if kind == "dora" else None,
                "to_tier": goal if kind == "dora" else None,
            }
        )
    ordered = [item for phase in phases.values() for item in phase["items"]]
    return {
        "phases": list(phases.values()),
        "top": sorted(ordered, key=lambda item: -item["priority"])[:3],
        "formula": (
            "priority = gap × weight × leverage × confidence\n\n"
            "gap: target level minus current score (DORA: tiers below the next tier, counted "
            "as 1 per tier). weight: the dimension's questionnaire weight (1.5 for End-to-end "
            "visibility and Flow optimisation, otherwise 1.0; DORA metrics 1.2). leverage: 1.5 "
            "when other planned items depend on this one, otherwise 1.0. confidence: 0.6 for "
            "low-confidence results or wide disagreement, otherwise 1.0.\n\n"
            "Items are sorted by priority; the highest go into Now, until the phase holds "
            "three items, then Next and Later. Ties keep questionnaire order."
        ),
    }


def _questionnaire_focus(key: str, level: int) -> list[str]:
    for dim in _questionnaire()["dimensions"]:
        if dim["key"] == key:
            return list(dim.get("focus_areas", {}).get(level, []))[:3]
    return []


def _appendix(dimensions: list[dict]) -> dict:
    scores = {d["key"]: d["score"] for d in dimensions}
    rows = []
    seed = 0
    for dim in _questionnaire()["dimensions"]:
        questions = []
        for offset, question in enumerate(dim["questions"]):
            seed += 1
            mean = round(min(5.0, max(1.0, scores[dim["key"]] + (offset % 3 - 1) * 0.4)), 2)
            questions.append(
                {
                    "text": question["text"],
                    "mean": mean,
                    # Half the rows with string keys, as a JSONField returns them.
                    "distribution": {
                        (str(k) if seed % 2 else k): n for k, n in _distribution(mean, seed).items()
                    },
                    "dont_know": seed % 3,
                }
            )
        rows.append({"name": dim["name"], "questions": questions})
    questions = {d["key"]: d["questions"] for d in _questionnaire()["dimensions"]}
    names = {d["key"]: d["name"] for d in _questionnaire()["dimensions"]}
    comment_rows = [
        ("visibility", 0, "Work disappears once it goes to the release team; we only see it "
                          "again in production."),
        ("flow", 1, "Reviews wait two days on average because only two people may approve "
                    "changes to the payment service."),
        ("flow", 2, f"Our release checklist lives in a wiki nobody reads. {HOSTILE_COMMENT}"),
        ("deployment", 0, "Deployments are scripted, but the database migration step is still "
                          "run by hand on Friday evenings."),
        ("measurement", 0, "We do not know our lead time. Someone estimated \"about three "
                           "weeks\" in the last retro."),
        ("organisation", 3, "Retrospective actions are written down but rarely have an owner, "
                            "so the same issues come back every month."),
    ]  # fmt: skip
    comments = [
        {"dimension": names[key], "question": questions[key][index]["text"], "comment": text}
        for key, index, text in comment_rows
    ]
    return {"dimensions": rows, "comments": comments, "hidden_distribution": False}


def _dora() -> dict:
    return {
        "benchmark_name": BENCHMARK_NAME,
        "benchmark_key": "2024",
        "rule_text": (
            "Each measured value is placed in the benchmark cell that contains it. Published "
            'edges are read literally: "less than one hour" excludes one hour, "between one '
            'day and one week" includes both ends.\n\n'
            "A value between two published cells takes the worse of the two tiers; a value "
            "beyond every cell takes the lowest tier. The overall tier is the lowest tier of "
            "the four metrics and needs at least three of them."
        ),
        "measured_source": "events",
        "metrics": [
            {"metric": key, "label": label, "value_display": value, "tier": tier, "self_tier": own}
            for key, label, value, tier, own in DORA_METRICS
        ],
        "overall": "low",
        "self_overall": "medium",
        "score": {"overall": 5.6, "throughput": 6.8, "stability": 3.9},
        "gaps": [
            {"label": label, "self_assessed": own, "measured": tier}
            for _key, label, _value, tier, own in DORA_METRICS
            if tier != own
        ],
    }


def sample_roadmap_context() -> dict:
    """A team's roadmap context: 10 dimensions, 9 items over three phases, 6 trend periods."""
    dimensions = _dimensions()
    axes = [d["name"] for d in dimensions]
    radar = charts.radar_chart(
        axes,
        [
            Series(PERIOD, [d["score"] for d in dimensions]),
            Series("2026-Q1", [SCORES[d["key"]][1] for d in dimensions], style="dashed"),
            Series("Target", [d["target"] for d in dimensions], style="dotted"),
        ],
        title=f"{TEAM_NAME}: maturity by dimension, {PERIOD}",
        max_value=5,
        min_value=0,
        id_prefix="radar",
    )
    trend_svg = charts.line_chart(
        [period for period, _, _ in TREND],
        [Series("Overall score", [score for _, score, _ in TREND])],
        title=f"{TEAM_NAME}: overall maturity over time",
        description="The 2025-Q3 assessment was not completed.",
        y_min=1,
        y_max=5,
        band_labels=LEVEL_NAMES,
        id_prefix="trend",
    )
    vsm_svg = charts.stacked_bar(
        ["Idea to ready", "Development", "Code review", "Testing", "Release and deploy"],
        [
            ("Process time (h)", [6, 30, 3, 10, 2], "#0072b2"),
            ("Wait time (h)", [70, 24, 46, 38, 96], "#e69f00"),
        ],
        title="Where time goes, per stage",
        value_format="{:.0f}",
        id_prefix="vsm",
    )
    return {
        "team": {"name": TEAM_NAME, "group": "Payments", "organization": "Acme Retail"},
        "period": PERIOD,
        "generated_at": GENERATED_AT,
        "result": {
            "overall_score": 2.58,
            "overall_level": 2,
            "level_name": LEVEL_NAMES[2],
            "level_description": (
                "Practices are planned and repeated within the team, but vary between teams "
                "and depend on the people involved."
            ),
            "respondents": 7,
            "low_confidence": False,
            "questionnaire": "vsm-maturity v1",
            "scoring_rules_version": "scoring-2",
            "explanation": (
                'Each answer gives the level of the statement chosen; "don\'t know" answers '
                "are left out. A dimension's score is the mean of its answers over all "
                "respondents, and the overall score is the weighted mean of the dimension "
                "scores (End-to-end visibility and Flow optimisation weigh 1.5).\n\n"
                "A level is reached when the score reaches the whole number: 2.58 is level 2, "
                "Managed. A dimension is not scored when fewer than half of its questions were "
                "answered."
            ),
            "dimensions": dimensions,
        },
        "radar_svg": radar,
        "dora": _dora(),
        "trend": {
            "svg": trend_svg,
            "rows": [
                {"period": p, "overall_score": s, "overall_level": _level(s), "questionnaire": q}
                for p, s, q in TREND
            ],
        },
        "plan": _plan(),
        "review": {
            "next_assessment": dt.date(2026, 12, 10),
            "checkpoints": [
                (dt.date(2026, 8, 6), "Check-in: Now items started, owners named"),
                (dt.date(2026, 9, 17), "Baseline lead time and flow metrics reviewed"),
                (dt.date(2026, 10, 29), "Now phase complete; Next items planned into the backlog"),
            ],
        },
        "appendix": _appendix(dimensions),
        "vsm": {
            "svg": vsm_svg,
            "lead_time_hours": 325,
            "process_time_hours": 51,
            "flow_efficiency": 0.157,
            "bottleneck": "Release and deploy: changes wait for the fortnightly release window",
        },
    }


# -- portfolio ----------------------------------------------------------------------------------

GROUPS = ("Payments", "Platform", "Customer", "Data & Analytics", "Logistics")
PREFIXES = (
    "Checkout", "Wallet", "Fraud", "Ledger", "Billing", "Identity", "Search", "Catalogue",
    "Pricing", "Orders",
)  # fmt: skip
SUFFIXES = ("Core", "Web", "Mobile", "API", "Ops")
TIERS = ("elite", "high", "medium", "low")
DORA_KEYS = ("deployment_frequency", "lead_time", "time_to_restore", "change_failure_rate")


def sample_portfolio_teams() -> list[dict]:
    teams = []
    for index in range(50):
        name = LONG_TEAM_NAME if index == 17 else f"{PREFIXES[index % 10]} {SUFFIXES[index // 10]}"
        score = round(1.2 + ((index * 37) % 36) / 10, 2)
        base = (index * 7) % 4
        tiers = {
            key: TIERS[min(3, base + (1 if (index + offset) % 5 == 0 else 0))]
            for offset, key in enumerate(DORA_KEYS)
        }
        worst = max(tiers.values(), key=TIERS.index)
        change = None if index % 9 == 4 else round(((index * 13) % 15 - 6) / 10, 1)
        teams.append(
            {
                "name": name,
                "group": GROUPS[index % 5],
                "overall_score": score,
                "overall_level": _level(score),
                "level_name": LEVEL_NAMES[_level(score)],
                "dora_overall": None if index % 11 == 3 else worst,
                "dora_tiers": {
                    key: (None if index % 11 == 3 and key == "change_failure_rate" else tier)
                    for key, tier in tiers.items()
                },
                "change": change,
            }
        )
    return teams


def sample_portfolio_context() -> dict:
    """An organisation's portfolio: 50 teams, one with a very long name."""
    teams = sample_portfolio_teams()
    level_counts = [sum(1 for t in teams if t["overall_level"] == level) for level in range(1, 6)]
    previous_counts = [9, 17, 14, 8, 2]
    tier_counts = [sum(1 for t in teams if t["dora_overall"] == tier) for tier in TIERS]
    segments = [
        (
            f"{level} {LEVEL_NAMES[level]}",
            [previous_counts[level - 1], level_counts[level - 1]],
            LEVEL_COLOURS[level],
        )
        for level in range(1, 6)
    ]
    distribution = charts.stacked_bar(
        ["2026-Q1", PERIOD], segments, title="Teams per maturity level", id_prefix="levels"
    )
    dora_distribution = charts.bar_chart(
        [TIER_LABELS[t] for t in TIERS] + ["Not measured"],
        [*tier_counts, sum(1 for t in teams if t["dora_overall"] is None)],
        title="Teams per overall DORA tier",
        colours=[TIER_COLOURS[t] for t in TIERS] + ["#bbbbbb"],
        id_prefix="tiers",
    )
    changed = [t for t in teams if t["change"] is not None]
    up = sorted((t for t in changed if t["change"] > 0), key=lambda t: -t["change"])[:5]
    down = sorted((t for t in changed if t["change"] < 0), key=lambda t: t["change"])[:5]
    return {
        "organization": "Acme Retail",
        "group": None,
        "period": PERIOD,
        "generated_at": GENERATED_AT,
        "teams": teams,
        "distribution_svg": distribution,
        "dora_distribution_svg": dora_distribution,
        "movers": {
            "up": [{"name": t["name"], "change": t["change"]} for t in up],
            "down": [{"name": t["name"], "change": t["change"]} for t in down],
        },
        "common_priorities": [
            {"title": "Establish a baseline for a few agreed metrics", "count": 21},
            {"title": "Limit work in progress and split large items", "count": 17},
            {"title": "Put the whole value stream on one board", "count": 14},
            {"title": "Get changes to production within a week", "count": 11},
            {"title": "Detect problems before users report them", "count": 9},
        ],
    }

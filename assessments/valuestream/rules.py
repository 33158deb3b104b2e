"""Value stream maps, pure: stages in, figures out.

Follows the VSM guide's "Value Stream Mapping Process", drawn as practitioners draw it
(Rother & Shook, "Learning to See"; Martin & Osterling, "Value Stream Mapping"). A
*current-state* map lists the stages work goes through from request to delivery, in order,
each with its active work (process time), the time work waits before it (wait time), the share
of the work it *receives* complete and accurate as the stage itself reports it (%C&A, recorded
by the receiving stage, as Martin & Osterling ask the downstream customer), whether work
arrives from another team (a handoff), the people involved, its pain points, the guide stage it
belongs to (``category``, chosen by the team; ``stage_category`` only proposes one from the
name) and whether the team marked it as the stream's constraint.

Times are working hours (``TIME_UNIT``): 8 h a working day, 40 h a working week; a wait over a
weekend adds no hours. Process and wait times in one unit keep flow efficiency honest (a week
of calendar waiting against days of working time would understate it about fourfold).

``compute_figures`` turns the stages into lead time, flow efficiency, rolled %C&A, handoffs,
the intake wait (before the first stage: the backlog, reported on its own), the largest delay
(the longest wait *between* stages), the constraint and the roadmap's focus (rules in
``FORMULAS``). A *future-state* map has the same shape plus the changes planned per stage;
``draft_future_state`` drafts one from the current map for the lead to edit.

No Django, no database: ``validate_stages`` checks raw JSON-like input (the API body, the
stored JSON, the page's form) and is the one place the input rules live. Its errors are
``StageError`` (a ``ValueError``) with a message naming the stage and field, and ``field`` as a
JSON path with 0-based indexes (``stages[1].wait_time_hours`` is the second stage's wait).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

MAX_STAGES = 30
# Ten calendar years of hours (over forty years of working hours). A longer wait or process
# time is a typo (minutes entered as hours, a stray zero), not a value stream anybody runs.
MAX_HOURS = 10 * 365 * 24
MAX_NAME_CHARS = 60
MAX_NOTE_CHARS = 200
MAX_ACTIVITIES = 20
MAX_ACTIVITY_CHARS = 100
MAX_MARKS = 10  # pain points or planned changes per stage
MAX_PEOPLE = 1000
MAX_PERCENT = 100  # %C&A

TIME_UNIT = "working hours"
WORKING_HOURS_PER_DAY = 8
TIME_UNIT_NOTE = (
    "Times are working hours: 8 h a working day, 40 h a working week; a wait over a weekend "
    "adds no hours."
)

PAIN_POINT_KINDS = MappingProxyType(
    {
        "delay": "Delay",
        "rework": "Rework",
        "quality": "Quality issue",
        "manual_work": "Manual work",
    }
)
# The guide's "Future State Design" levers a lead can plan per stage.
CHANGE_KINDS = MappingProxyType(
    {
        "remove_waste": "Remove waste",
        "reduce_handoffs": "Reduce handoffs",
        "automate": "Automate",
        "pull": "Pull system",
    }
)

STAGE_FIELDS = (
    "name",
    "process_time_hours",
    "wait_time_hours",
    "percent_complete_accurate",
    "handoff",
    "activities",
    "people",
    "pain_points",
    "planned_changes",
    "category",
    "constraint",
    "position",
)

FORMULAS = MappingProxyType(
    {
        "lead_time_hours": "Lead time = total process time + total wait time: the elapsed time "
        "from request to delivery, summed over the stages.",
        "process_time_hours": "Process time = the sum of the stages' process times (hours of "
        "active work on an item).",
        "wait_time_hours": "Wait time = the sum of the waits before each stage (hours an item "
        "sits in a queue with nobody working on it).",
        "flow_efficiency": "Flow efficiency = process time ÷ lead time × 100%: the share of "
        "the lead time someone works on the item. No value when the lead time is 0.",
        "rolled_percent_complete_accurate": "Rolled %C&A = the product of every stage's "
        "%C&A (as fractions) × 100%: the share of work that passes the whole stream without "
        "being sent back or corrected.",
        "handoffs": "Handoffs = the number of stages whose work arrives from another team.",
        "intake_wait_hours": "Intake wait = the wait before the first stage: the backlog of "
        "requests nobody has started. Shown on its own and never the largest delay: a long "
        "intake queue says more is asked than the stream takes in, not that a stage holds work "
        "up.",
        "largest_delay": "Largest delay = the stage with the longest wait before it among the "
        "stages after the first, i.e. the longest wait between stages (the earliest on a tie; "
        "none when nothing waits between stages).",
        "constraint": "Constraint = the stage the team marked as the one that limits how much "
        "the whole stream delivers (at most one; none when not marked).",
        "bottleneck": "Roadmap focus = the constraint when the team marked one, else the stage "
        "after the largest delay. The roadmap ranks the improvements of its guide stage first; "
        "the intake wait never does.",
        "worst_quality_stage": "Lowest %C&A = the stage that receives the smallest share of "
        "complete and accurate work, as it reports (the earliest on a tie; none when every "
        "stage is at 100%): the largest quality loss, at the handover into it.",
    }
)

FUTURE_DRAFT_RULES = (
    "The wait before a stage is halved when the stage is the roadmap focus (the constraint "
    "the team marked, else the stage after the largest delay: pull work in with a WIP limit "
    "instead of queueing it), receives a handoff (bring the teams together) or is marked with "
    "a delay (remove the waiting step); it is halved once, whatever the reasons.",
    "The process time of a stage marked with manual work drops by a quarter (automate it).",
    "The %C&A of a stage marked with rework or quality issues moves halfway to 100% (build "
    "quality in).",
    "Names, activities, people, handoffs, guide stages and the constraint stay; the current "
    "pain points become the planned changes that address them. The draft is a starting point: "
    "edit it before saving.",
)


class StageError(ValueError):
    """Invalid stage input. ``field`` is a JSON path such as ``stages[1].wait_time_hours``."""

    def __init__(self, message: str, field: str = "stages"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PainPoint:
    kind: str
    note: str = ""

    @property
    def label(self) -> str:
        return PAIN_POINT_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class PlannedChange:
    kind: str
    note: str = ""

    @property
    def label(self) -> str:
        return CHANGE_KINDS.get(self.kind, self.kind)


class _Guess:
    def __repr__(self):
        return "GUESS"


# A Stage built without a category takes the one its name proposes (``stage_category``).
GUESS: str | None = _Guess()  # type: ignore[assignment]


@dataclass(frozen=True)
class Stage:
    """One stage of a map. Times in working hours; ``wait_time_hours`` is the wait *before* it.
    ``percent_complete_accurate`` is the share of the work it receives complete and accurate,
    as this stage reports it. ``category`` is the guide stage it belongs to (one of
    ``DEFAULT_STAGE_KEYS``, or None for none of them); left out, the name proposes one.
    ``constraint``: the team marked it as the stream's constraint."""

    name: str
    process_time_hours: float
    wait_time_hours: float
    percent_complete_accurate: float = 100.0
    handoff: bool = False
    activities: tuple[str, ...] = ()
    people: int | None = None
    pain_points: tuple[PainPoint, ...] = ()
    planned_changes: tuple[PlannedChange, ...] = ()
    category: str | None = GUESS
    constraint: bool = False

    def __post_init__(self):
        if self.category is GUESS:
            object.__setattr__(self, "category", stage_category(self.name))

    @classmethod
    def from_json(cls, data: dict) -> Stage:
        """A stage from ``to_json``'s shape, trusted as stored (input goes through
        ``validate_stages``). Stages stored before the team chose guide stages and a constraint
        have neither key: they take the category their name proposes and no constraint."""
        return cls(
            name=data["name"],
            process_time_hours=float(data["process_time_hours"]),
            wait_time_hours=float(data["wait_time_hours"]),
            percent_complete_accurate=float(data.get("percent_complete_accurate", 100.0)),
            handoff=bool(data.get("handoff", False)),
            activities=tuple(data.get("activities") or ()),
            people=data.get("people"),
            pain_points=tuple(
                PainPoint(p["kind"], p.get("note", "")) for p in data.get("pain_points") or ()
            ),
            planned_changes=tuple(
                PlannedChange(c["kind"], c.get("note", ""))
                for c in data.get("planned_changes") or ()
            ),
            category=data.get("category", GUESS),
            constraint=bool(data.get("constraint", False)),
        )

    def to_json(self) -> dict:
        """The stored and API shape (pain points and changes as objects)."""
        return {
            "name": self.name,
            "process_time_hours": self.process_time_hours,
            "wait_time_hours": self.wait_time_hours,
            "percent_complete_accurate": self.percent_complete_accurate,
            "handoff": self.handoff,
            "activities": list(self.activities),
            "people": self.people,
            "pain_points": [{"kind": p.kind, "note": p.note} for p in self.pain_points],
            "planned_changes": [{"kind": c.kind, "note": c.note} for c in self.planned_changes],
            "category": self.category,
            "constraint": self.constraint,
        }


@dataclass(frozen=True)
class MapFigures:
    """Everything ``compute_figures`` derives; percentages are 0-100. Unrounded: ``to_json``
    rounds for storage and display."""

    stage_count: int
    lead_time_hours: float
    process_time_hours: float
    wait_time_hours: float
    flow_efficiency: float | None
    rolled_percent_complete_accurate: float
    handoffs: int
    intake_wait_hours: float | None  # before the first stage; None without stages
    intake_stage: str | None
    largest_delay: str | None  # the stage after the longest wait between stages
    largest_delay_wait_hours: float | None
    constraint: str | None  # the stage the team marked
    # The roadmap's focus: the constraint, else the largest delay ("constraint",
    # "largest_delay" or None), the wait before it and the guide stage it belongs to.
    bottleneck: str | None
    bottleneck_kind: str | None
    bottleneck_wait_hours: float | None
    bottleneck_category: str | None
    worst_quality_stage: str | None
    worst_quality_percent: float | None
    pain_points: tuple[tuple[str, int], ...] = field(default=())  # (kind, count), every kind

    @property
    def flow_efficiency_fraction(self) -> float | None:
        return None if self.flow_efficiency is None else min(self.flow_efficiency / 100, 1.0)

    def to_json(self) -> dict:
        return {
            "stage_count": self.stage_count,
            "lead_time_hours": _r(self.lead_time_hours),
            "process_time_hours": _r(self.process_time_hours),
            "wait_time_hours": _r(self.wait_time_hours),
            "flow_efficiency": _r(self.flow_efficiency),
            "rolled_percent_complete_accurate": _r(self.rolled_percent_complete_accurate),
            "handoffs": self.handoffs,
            "intake_wait_hours": _r(self.intake_wait_hours),
            "intake_stage": self.intake_stage,
            "largest_delay": self.largest_delay,
            "largest_delay_wait_hours": _r(self.largest_delay_wait_hours),
            "constraint": self.constraint,
            "bottleneck": self.bottleneck,
            "bottleneck_kind": self.bottleneck_kind,
            "bottleneck_wait_hours": _r(self.bottleneck_wait_hours),
            "bottleneck_category": self.bottleneck_category,
            "worst_quality_stage": self.worst_quality_stage,
            "worst_quality_percent": _r(self.worst_quality_percent),
            "pain_points": dict(self.pain_points),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --------------------------------------------------------------------------------------------
# Figures


def compute_figures(stages: Sequence[Stage]) -> MapFigures:
    """Lead time, process and wait time, flow efficiency, rolled %C&A, handoffs, the intake
    wait, the largest delay, the constraint, the roadmap's focus and the lowest-%C&A stage of
    ``stages`` (rules: ``FORMULAS``)."""
    stages = list(stages)
    process = math.fsum(s.process_time_hours for s in stages)
    wait = math.fsum(s.wait_time_hours for s in stages)
    lead = process + wait
    efficiency = process / lead * 100 if lead > 0 else None

    # Start from the lowest %C&A and multiply the others' fractions in: each factor is at most
    # 1, so the float result can never come out above the lowest stage's value.
    rolled = 100.0
    worst = None
    if stages:
        worst = min(range(len(stages)), key=lambda i: (stages[i].percent_complete_accurate, i))
        rolled = stages[worst].percent_complete_accurate
        for index, stage in enumerate(stages):
            if index != worst:
                rolled *= stage.percent_complete_accurate / 100

    # The wait before the first stage is the intake queue, not a delay between stages: it
    # grows with demand, and counting it made the first stage everyone's bottleneck.
    delay = None
    if len(stages) > 1:
        longest = max(range(1, len(stages)), key=lambda i: (stages[i].wait_time_hours, -i))
        if stages[longest].wait_time_hours > 0:
            delay = stages[longest]
    constraint = next((s for s in stages if s.constraint), None)
    if constraint is not None:
        bottleneck, kind = constraint, "constraint"
    elif delay is not None:
        bottleneck, kind = delay, "largest_delay"
    else:
        bottleneck, kind = None, None
    worst_stage = stages[worst] if worst is not None else None
    if worst_stage is not None and worst_stage.percent_complete_accurate >= 100:
        worst_stage = None

    counts = dict.fromkeys(PAIN_POINT_KINDS, 0)
    for stage in stages:
        for point in stage.pain_points:
            counts[point.kind] = counts.get(point.kind, 0) + 1
    return MapFigures(
        stage_count=len(stages),
        lead_time_hours=lead,
        process_time_hours=process,
        wait_time_hours=wait,
        flow_efficiency=efficiency,
        rolled_percent_complete_accurate=rolled,
        handoffs=sum(1 for s in stages if s.handoff),
        intake_wait_hours=stages[0].wait_time_hours if stages else None,
        intake_stage=stages[0].name if stages else None,
        largest_delay=delay.name if delay else None,
        largest_delay_wait_hours=delay.wait_time_hours if delay else None,
        constraint=constraint.name if constraint else None,
        bottleneck=bottleneck.name if bottleneck else None,
        bottleneck_kind=kind,
        bottleneck_wait_hours=bottleneck.wait_time_hours if bottleneck else None,
        bottleneck_category=bottleneck.category if bottleneck else None,
        worst_quality_stage=worst_stage.name if worst_stage else None,
        worst_quality_percent=worst_stage.percent_complete_accurate if worst_stage else None,
        pain_points=tuple(counts.items()),
    )


# --------------------------------------------------------------------------------------------
# Future state


def draft_future_state(stages: Sequence[Stage]) -> list[Stage]:
    """A future-state draft of a current map (rules: ``FUTURE_DRAFT_RULES``)."""
    figures = compute_figures(stages)
    drafted = []
    for stage in stages:
        changes: list[PlannedChange] = []
        kinds = {p.kind for p in stage.pain_points}
        wait, process, pca = stage.wait_time_hours, stage.process_time_hours, None
        reasons = []
        if figures.bottleneck is not None and stage.name == figures.bottleneck:
            reasons.append(
                PlannedChange("pull", "Pull work in with a WIP limit instead of queueing it")
            )
        if stage.handoff:
            reasons.append(
                PlannedChange(
                    "reduce_handoffs",
                    "Bring the teams on both sides of the handoff together earlier",
                )
            )
        if "delay" in kinds:
            reasons.append(
                PlannedChange(
                    "remove_waste", _notes(stage, "delay", "Remove the step work waits for")
                )
            )
        if reasons:
            wait = _round_hours(wait / 2)
            changes.extend(reasons)
        if "manual_work" in kinds:
            process = _round_hours(process * 0.75)
            changes.append(
                PlannedChange("automate", _notes(stage, "manual_work", "Automate the manual steps"))
            )
        if kinds & {"rework", "quality"}:
            pca = round(
                stage.percent_complete_accurate + (100 - stage.percent_complete_accurate) / 2, 1
            )
            changes.append(
                PlannedChange(
                    "remove_waste",
                    _notes(
                        stage,
                        ("rework", "quality"),
                        "Build quality in: clearer acceptance criteria, automated checks",
                    ),
                )
            )
        drafted.append(
            replace(
                stage,
                wait_time_hours=wait,
                process_time_hours=process,
                percent_complete_accurate=stage.percent_complete_accurate if pca is None else pca,
                pain_points=(),
                planned_changes=tuple(_truncate_note(c) for c in changes),
            )
        )
    return drafted


def _notes(stage: Stage, kinds, default: str) -> str:
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    notes = [p.note for p in stage.pain_points if p.kind in kinds and p.note]
    return "; ".join(notes) if notes else default


def _truncate_note(change: PlannedChange) -> PlannedChange:
    if len(change.note) <= MAX_NOTE_CHARS:
        return change
    return replace(change, note=change.note[: MAX_NOTE_CHARS - 1].rstrip() + "…")


def _round_hours(hours: float) -> float:
    return round(hours, 1)


# --------------------------------------------------------------------------------------------
# Which roadmap stage a free-text stage name stands for

DEFAULT_STAGE_KEYS = ("ideation", "development", "testing", "deployment", "operations")
STAGE_LABELS = MappingProxyType({key: key.capitalize() for key in DEFAULT_STAGE_KEYS})
# Word beginnings that place a stage name under one of the guide's five stages (its
# "Software Value Stream" table: code review belongs to development there, build and package
# to deployment, integration, user acceptance and performance testing to testing).
STAGE_KEYWORDS = MappingProxyType(
    {
        "ideation": ("idea", "requirement", "discover", "plan", "backlog", "refine", "analys",
                     "intake", "prioriti", "design", "architect"),
        "development": ("develop", "dev", "code", "coding", "implement", "program", "engineer",
                        "pull_request", "merge_request"),
        "testing": ("test", "qa", "uat", "verif", "validat", "acceptance", "pentest",
                    "regression", "e2e"),
        "deployment": ("deploy", "release", "build", "package", "rollout", "ship", "deliver",
                       "cab"),
        "operations": ("operat", "ops", "monitor", "support", "maint", "incident"),
    }
)  # fmt: skip
# Words that say where or how rather than what: they decide only when no word of
# STAGE_KEYWORDS does. "Production deployment" is a deployment (to production), "Production
# support" operations, "Production" alone operations; "Code review" is development, "Security
# review" a check of the built change before it ships, as the guide's performance testing is:
# testing; "Change approval" deployment, "Design approval" ideation.
CONTEXT_KEYWORDS = MappingProxyType(
    {
        "ideation": ("request",),
        "development": ("review",),
        "testing": ("secur", "audit", "compliance"),
        "deployment": ("approv",),
        "operations": ("production", "run"),
    }
)  # fmt: skip
# Two words that name one thing: "Pull request review" is development, not a request.
STAGE_PHRASES = (("pull", "request"), ("merge", "request"))


def stage_category(name: str) -> str | None:
    """The guide stage (``DEFAULT_STAGE_KEYS``) a stage name proposes, or None. Only a
    proposal: the team chooses each stage's category in the editor (``Stage.category``).

    An exact key wins ("Testing" is testing); otherwise the first word of the name that begins
    with one of ``STAGE_KEYWORDS`` decides ("Code review" is development, "Release approval"
    deployment, "Production deployment" deployment), and failing that the first word that
    begins with one of ``CONTEXT_KEYWORDS`` ("Security review" is testing, "Production"
    operations)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    joined = "_".join(words)
    if joined in DEFAULT_STAGE_KEYS:
        return joined
    merged: list[str] = []
    for word in words:
        if merged and (merged[-1], word) in STAGE_PHRASES:
            merged[-1] = f"{merged[-1]}_{word}"
        else:
            merged.append(word)
    return _first_match(merged, STAGE_KEYWORDS) or _first_match(merged, CONTEXT_KEYWORDS)


def _first_match(words, table) -> str | None:
    for word in words:
        for key, prefixes in table.items():
            if any(word.startswith(prefix) for prefix in prefixes):
                return key
    return None


DEFAULT_STAGES = (
    Stage("Ideation", 0, 0, activities=("Requirements gathering", "Prioritisation", "Planning")),
    Stage("Development", 0, 0, activities=("Coding", "Code review", "Unit testing")),
    Stage("Testing", 0, 0, activities=("Integration testing", "UAT", "Performance testing")),
    Stage("Deployment", 0, 0, activities=("Build", "Package", "Deploy", "Monitor")),
    Stage("Operations", 0, 0, activities=("Monitoring", "Support", "Maintenance")),
)


# --------------------------------------------------------------------------------------------
# Input


def validate_stages(raw) -> list[Stage]:
    """Stages from JSON-like input, in stage order; raises StageError naming the first problem.

    ``raw`` is a list of objects with ``name``, ``process_time_hours`` and
    ``wait_time_hours`` (required) and ``percent_complete_accurate`` (0-100, default 100),
    ``handoff`` (default false), ``activities`` (strings), ``people`` (a count or null),
    ``pain_points`` and ``planned_changes`` (kinds as strings or ``{"kind", "note"}``
    objects), ``category`` (one of DEFAULT_STAGE_KEYS, or null for none of them; left out,
    the one the name proposes: ``stage_category``), ``constraint`` (default false; true on
    one stage at most) and ``position`` (optional; given on one stage, required on all, running
    1..n without gaps; the list is then ordered by it). At least one stage, at most
    MAX_STAGES; names unique regardless of case and spacing; times 0..MAX_HOURS (working
    hours).
    """
    if not isinstance(raw, list | tuple):
        raise StageError("stages must be a list of stages.")
    if not raw:
        raise StageError("stages: a value stream map needs at least one stage.")
    if len(raw) > MAX_STAGES:
        raise StageError(f"stages: at most {MAX_STAGES} stages, got {len(raw)}.")
    parsed = [_stage(item, index) for index, item in enumerate(raw)]

    positions = [position for _, position in parsed]
    given = [p for p in positions if p is not None]
    if given and len(given) != len(positions):
        missing = positions.index(None)
        raise StageError(
            f"{_where(missing, parsed[missing][0].name)}: position is missing; give every stage "
            "a position or none.",
            f"stages[{missing}].position",
        )
    if given and sorted(given) != list(range(1, len(given) + 1)):
        shown = ", ".join(str(p) for p in sorted(given))
        raise StageError(
            f"stages: positions must run 1 to {len(given)} without gaps or repeats, got {shown}.",
            "stages",
        )

    seen: dict[str, int] = {}
    for index, (stage, _) in enumerate(parsed):
        key = " ".join(stage.name.casefold().split())
        if key in seen:
            first = seen[key]
            raise StageError(
                f"{_where(index, stage.name)}: the name repeats stage {first + 1} "
                f"({_show(parsed[first][0].name)}); stage names must be unique.",
                f"stages[{index}].name",
            )
        seen[key] = index

    marked = [index for index, (stage, _) in enumerate(parsed) if stage.constraint]
    if len(marked) > 1:
        first, second = marked[:2]
        raise StageError(
            f"{_where(second, parsed[second][0].name)} and stage {first + 1} "
            f"({_show(parsed[first][0].name)}) are both marked as the constraint; a value "
            "stream has one constraint: mark one stage only.",
            f"stages[{second}].constraint",
        )

    if given:
        parsed.sort(key=lambda pair: pair[1])
    return [stage for stage, _ in parsed]


def _where(index: int, name: str | None = None) -> str:
    return f"Stage {index + 1}" + (f" ({_show(name)})" if name else "")


def _show(value) -> str:
    """A value as JSON shows it, shortened: messages quote what the caller sent."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:39] + "…"


def _num(value: float) -> str:
    return f"{value:.10g}"


def _stage(item, index: int) -> tuple[Stage, int | None]:
    if not isinstance(item, dict):
        raise StageError(
            f"{_where(index)}: each stage must be an object with a name and its times.",
            f"stages[{index}]",
        )
    unknown = sorted(str(k) for k in item if k not in STAGE_FIELDS)
    raw_name = item.get("name")
    name = " ".join(raw_name.split()) if isinstance(raw_name, str) else None
    where = _where(index, name or None)
    if unknown:
        raise StageError(
            f"{where}: unknown field {', '.join(map(_show, unknown))}; allowed: "
            f"{', '.join(STAGE_FIELDS)}.",
            f"stages[{index}].{unknown[0]}",
        )

    def fail(field_name: str, message: str):
        raise StageError(f"{where}: {message}", f"stages[{index}].{field_name}")

    if raw_name is None:
        fail("name", "name is required.")
    if not isinstance(raw_name, str):
        fail("name", "name must be text.")
    if not name:
        fail("name", "name cannot be blank.")
    if len(name) > MAX_NAME_CHARS:
        fail("name", f"name must be at most {MAX_NAME_CHARS} characters.")

    def number(field_name, high, unit, required=True, default=None):
        value = item.get(field_name)
        if value is None:
            if required:
                fail(field_name, f"{field_name} is required ({unit}).")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            fail(field_name, f"{field_name} must be a number, not {_show(value)}.")
        if not math.isfinite(value):
            fail(field_name, f"{field_name} must be a finite number.")
        if unit == "percent" and not 0 <= value <= high:
            fail(field_name, f"{field_name} is a percentage: 0 to 100, got {_num(value)}.")
        if value < 0:
            fail(field_name, f"{field_name} cannot be negative, got {_num(value)}.")
        if value > high:
            fail(
                field_name,
                f"{field_name} must be at most {_num(high)} working hours, got {_num(value)}.",
            )
        return float(value)

    process = number("process_time_hours", MAX_HOURS, "hours")
    wait = number("wait_time_hours", MAX_HOURS, "hours")
    pca = number("percent_complete_accurate", MAX_PERCENT, "percent", required=False, default=100.0)

    handoff = item.get("handoff", False)
    if handoff is None:
        handoff = False
    if not isinstance(handoff, bool):
        fail("handoff", f"handoff must be true or false, not {_show(handoff)}.")

    people = item.get("people")
    if people is not None:
        if isinstance(people, bool) or not isinstance(people, int | float):
            fail("people", f"people must be a whole number, not {_show(people)}.")
        if isinstance(people, float):
            if not people.is_integer():
                fail("people", f"people must be a whole number, not {_show(people)}.")
            people = int(people)
        if not 0 <= people <= MAX_PEOPLE:
            fail("people", f"people must be between 0 and {MAX_PEOPLE}, got {people}.")

    activities = item.get("activities") or []
    if not isinstance(activities, list | tuple):
        fail("activities", "activities must be a list of short texts.")
    if len(activities) > MAX_ACTIVITIES:
        fail("activities", f"at most {MAX_ACTIVITIES} activities, got {len(activities)}.")
    cleaned = []
    for activity in activities:
        if not isinstance(activity, str):
            fail("activities", f"activities must be texts, not {_show(activity)}.")
        text = " ".join(activity.split())
        if len(text) > MAX_ACTIVITY_CHARS:
            fail("activities", f"each activity must be at most {MAX_ACTIVITY_CHARS} characters.")
        if text:
            cleaned.append(text)

    pain_points = _marks(item.get("pain_points"), "pain_points", PAIN_POINT_KINDS, PainPoint, fail)
    changes = _marks(
        item.get("planned_changes"), "planned_changes", CHANGE_KINDS, PlannedChange, fail
    )

    category = GUESS
    if "category" in item:
        category = item["category"]
        if category is not None and (
            not isinstance(category, str) or category not in DEFAULT_STAGE_KEYS
        ):
            fail(
                "category",
                f"unknown category {_show(category)}; allowed: {', '.join(DEFAULT_STAGE_KEYS)}, "
                "or null for none of them.",
            )

    constraint = item.get("constraint", False)
    if constraint is None:
        constraint = False
    if not isinstance(constraint, bool):
        fail("constraint", f"constraint must be true or false, not {_show(constraint)}.")

    position = item.get("position")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)):
        fail("position", f"position must be a whole number, not {_show(position)}.")

    stage = Stage(
        name=name,
        process_time_hours=process,
        wait_time_hours=wait,
        percent_complete_accurate=pca,
        handoff=handoff,
        activities=tuple(cleaned),
        people=people,
        pain_points=pain_points,
        planned_changes=changes,
        category=category,
        constraint=constraint,
    )
    return stage, position


def _marks(raw, field_name, kinds, cls, fail):
    """Pain points or planned changes: kind strings or {"kind", "note"} objects."""
    if raw is None:
        return ()
    what = field_name.replace("_", " ")
    if not isinstance(raw, list | tuple):
        fail(field_name, f"{field_name} must be a list.")
    if len(raw) > MAX_MARKS:
        fail(field_name, f"at most {MAX_MARKS} {what} per stage, got {len(raw)}.")
    allowed = ", ".join(kinds)
    marks = []
    for entry in raw:
        if isinstance(entry, str):
            kind, note = entry, ""
        elif isinstance(entry, dict):
            extra = sorted(str(k) for k in entry if k not in ("kind", "note"))
            if extra:
                fail(field_name, f"{what} take a kind and a note, not {', '.join(extra)}.")
            kind, note = entry.get("kind"), entry.get("note") or ""
            if not isinstance(note, str):
                fail(field_name, f"a {what[:-1]} note must be text.")
        else:
            fail(field_name, f"{what} are kinds ({allowed}) or {{kind, note}} objects.")
        if not isinstance(kind, str) or kind not in kinds:  # a list or object: unhashable
            singular = what[:-1] if what.endswith("s") else what
            fail(field_name, f"unknown {singular} kind {_show(kind)}; allowed: {allowed}.")
        note = " ".join(note.split())
        if len(note) > MAX_NOTE_CHARS:
            fail(field_name, f"a note must be at most {MAX_NOTE_CHARS} characters.")
        marks.append(cls(kind, note))
    return tuple(marks)

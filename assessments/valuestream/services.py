"""Value stream maps, read and written around the pure rules in ``valuestream.py``.

Writes: ``save_map`` adds a version (a map is never changed in place, so a team's flow
efficiency over time stays readable). Reads: the latest map of a kind, a team's history, the
latest maps of many teams at once (for the CoE comparison), the map as the roadmap planner and
the roadmap PDF need it. Views, API and the demo call these; none of them computes figures on
its own.

Figures are read from the stored stages, recomputed (``figures_of``, ``figures_json``): the
``figures`` column keeps what they were at save time, but maps saved before the intake wait,
the largest delay, the constraint and the chosen guide stages existed must show them as well,
and a rule tightened since must reach old versions too.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery, TextField
from django.db.models.functions import Cast

from assessments import permissions
from assessments.models import Team, ValueStreamMap
from assessments.valuestream import rules as valuestream
from vsm_site.caching import ProcessMemo
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed

# Maps whose figures a process keeps (``_summary_figures``): a current and a future map for
# each of 2,000 teams, a few hundred bytes each.
FLOW_FIGURES_MEMO_SIZE = 4096

KINDS = (ValueStreamMap.CURRENT, ValueStreamMap.FUTURE)
MAX_NOTE_CHARS = 500


def save_map(user, team, kind, raw_stages, note=""):
    """Validate ``raw_stages`` and store them as the next version of the team's ``kind`` map,
    with their figures. Only the team's leads (and organisation admins) may; nothing is saved
    when the input is invalid (Invalid, with the stage field in ``field``). Two saves at once
    cannot take the same version: the team row is locked while the version is chosen, and the
    unique constraint turns a lost race into Conflict instead of a silent overwrite."""
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead edits its value stream maps.")
    if kind not in KINDS:
        raise Invalid(f"Unknown map kind {kind!r}; use current or future.", field="kind")
    if not isinstance(note, str):
        raise Invalid("note must be text.", field="note")
    note = " ".join(note.split())
    if len(note) > MAX_NOTE_CHARS:
        raise Invalid(f"note must be at most {MAX_NOTE_CHARS} characters.", field="note")
    try:
        stages = valuestream.validate_stages(raw_stages)
    except valuestream.StageError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    figures = valuestream.compute_figures(stages)
    try:
        with transaction.atomic():
            Team.objects.select_for_update().only("id").get(pk=team.pk)
            latest = ValueStreamMap.objects.filter(team=team, kind=kind).aggregate(
                latest=Max("version")
            )["latest"]
            return ValueStreamMap.objects.create(
                team=team,
                kind=kind,
                version=(latest or 0) + 1,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                stages=[s.to_json() for s in stages],
                figures=figures.to_json(),
                note=note,
            )
    except IntegrityError:
        raise Conflict(
            "Someone saved this map at the same moment; reload it and save again."
        ) from None


def current_map(team, kind=ValueStreamMap.CURRENT):
    """The team's latest map of ``kind`` (one query), or None."""
    return (
        ValueStreamMap.objects.filter(team=team, kind=kind)
        .select_related("created_by")
        .order_by("-version")
        .first()
    )


def map_history(team, kind=None):
    """Every version of the team's maps (of one kind, or both), newest first, as a list."""
    maps = ValueStreamMap.objects.filter(team=team).select_related("created_by")
    if kind is not None:
        maps = maps.filter(kind=kind)
    return list(maps.order_by("kind", "-version"))


def stages_of(vsm):
    """The stored stages as ``valuestream.Stage`` objects (read as stored: they were checked
    when saved, and a rule tightened since must not make old versions unreadable)."""
    return [valuestream.Stage.from_json(row) for row in vsm.stages]


def figures_of(vsm):
    """The figures recomputed from the stored stages (full precision)."""
    return valuestream.compute_figures(stages_of(vsm))


def figures_json(vsm):
    """The figures recomputed from the stored stages, rounded as stored and shown."""
    return figures_of(vsm).to_json()


def latest_maps_for_teams(team_ids):
    """{team_id: summary} of the latest current-state map of each team that has one, with the
    projection of its latest future-state map when there is one. One query; figures
    recomputed from the stored stages.

    summary: ``version`` int, ``created_at`` datetime, ``lead_time_hours`` float,
    ``process_time_hours`` float, ``flow_efficiency`` float 0-100 or None (percent),
    ``rolled_percent_complete_accurate`` float 0-100, ``handoffs`` int,
    ``intake_wait_hours`` float, ``largest_delay`` str or None (the stage after the longest
    wait between stages), ``constraint`` str or None (the stage the team marked),
    ``bottleneck`` str or None (the roadmap's focus: the constraint, else the largest delay;
    never the intake wait), ``bottleneck_kind`` "constraint", "largest_delay" or None,
    ``bottleneck_stage`` str or None (the guide stage the team mapped the focus to:
    ideation, development, testing, deployment or operations), ``worst_quality_stage`` str or
    None, ``future`` None or {``version``, ``created_at``, ``lead_time_hours``,
    ``flow_efficiency``}.
    """
    team_ids = list(team_ids)
    if not team_ids:
        return {}
    newest = (
        ValueStreamMap.objects.filter(team_id=OuterRef("team_id"), kind=OuterRef("kind"))
        .order_by("-version")
        .values("version")[:1]
    )
    rows = (
        ValueStreamMap.objects.filter(team_id__in=team_ids, version=Subquery(newest))
        .annotate(stages_text=Cast("stages", TextField()))
        .order_by("team_id", "kind")
        .values_list("team_id", "kind", "version", "created_at", "stages_text")
    )
    currents, futures = {}, {}
    for team_id, kind, version, created_at, stages_text in rows:
        (currents if kind == ValueStreamMap.CURRENT else futures)[team_id] = (
            version,
            created_at,
            _summary_figures(stages_text),
        )
    summaries = {}
    for team_id, (version, created_at, figures) in currents.items():
        future = futures.get(team_id)
        summaries[team_id] = {
            "version": version,
            "created_at": created_at,
            "lead_time_hours": figures["lead_time_hours"],
            "process_time_hours": figures["process_time_hours"],
            "flow_efficiency": figures["flow_efficiency"],
            "rolled_percent_complete_accurate": figures["rolled_percent_complete_accurate"],
            "handoffs": figures["handoffs"],
            "intake_wait_hours": figures["intake_wait_hours"],
            "largest_delay": figures["largest_delay"],
            "constraint": figures["constraint"],
            "bottleneck": figures["bottleneck"],
            "bottleneck_kind": figures["bottleneck_kind"],
            "bottleneck_stage": figures["bottleneck_category"],
            "worst_quality_stage": figures["worst_quality_stage"],
            "future": {
                "version": future[0],
                "created_at": future[1],
                "lead_time_hours": future[2]["lead_time_hours"],
                "flow_efficiency": future[2]["flow_efficiency"],
            }
            if future
            else None,
        }
    return summaries


# The figures the summaries of ``latest_maps_for_teams`` read.
_SUMMARY_FIGURES = (
    "lead_time_hours", "process_time_hours", "flow_efficiency",
    "rolled_percent_complete_accurate", "handoffs", "intake_wait_hours", "largest_delay",
    "constraint", "bottleneck", "bottleneck_kind", "bottleneck_category", "worst_quality_stage",
)  # fmt: skip
# Figures are a function of the stages alone, so they are kept per stored stages (their text's
# digest): a CoE comparison of 500 teams decoded and recomputed 1,000 maps on every build (5x
# the time it took to read the stored figures). A new version has new text; a changed rule
# comes with a new process.
_summary_memo = ProcessMemo(size=FLOW_FIGURES_MEMO_SIZE)


def _summary_figures(stages_text):
    """{figure: value} (``_SUMMARY_FIGURES``, as ``figures_json`` rounds them) of stored
    stages given as their JSON text."""

    def compute():
        stages = [valuestream.Stage.from_json(s) for s in json.loads(stages_text)]
        figures = valuestream.compute_figures(stages).to_json()
        return tuple(figures[name] for name in _SUMMARY_FIGURES)

    key = hashlib.sha256(stages_text.encode()).digest()
    return dict(zip(_SUMMARY_FIGURES, _summary_memo.get_or_build(key, compute), strict=True))


def bottleneck_text(figures):
    """One line on where the time goes, from figures as ``figures_json`` gives them (plain
    text): the roadmap's focus (the constraint the team marked, else the largest delay between
    stages), the intake wait on its own, and the lowest %C&A. Times in working hours."""
    lead = figures.get("lead_time_hours") or 0

    def share(wait):
        return f", {wait / lead * 100:.0f}% of the lead time" if lead else ""

    name = figures.get("bottleneck")
    wait = figures.get("bottleneck_wait_hours") or 0
    if not name:
        text = "Nothing waits between stages"
    elif figures.get("bottleneck_kind") == "constraint":
        text = f"{name} (the constraint the team marked): work waits {_hours(wait)} before it"
        text += share(wait)
    else:
        text = f"{name} (largest delay): work waits {_hours(wait)} before it{share(wait)}"
    intake = figures.get("intake_wait_hours")
    if intake:
        text += f"; intake wait {_hours(intake)} before {figures.get('intake_stage')}"
    worst = figures.get("worst_quality_stage")
    if worst:
        text += f"; lowest %C&A received: {worst} ({figures.get('worst_quality_percent'):g}%)"
    return text


def _hours(value):
    return f"{value:,.1f} h".replace(".0 h", " h")


def pdf_vsm_context(team, current=..., future=...):
    """The roadmap PDF's ``vsm`` section (shape in reports/pdf/render.py): the current map
    drawn, followed by the future map when there is one, and the current figures. None when the
    team has no current map, or its times are all zero (no lead time to speak of). ``current``
    and ``future``: the maps when the caller has read them already (None: the team has none)."""
    from assessments.valuestream.drawing import draw_value_stream

    vsm = current_map(team) if current is ... else current
    if vsm is None or not vsm.figures.get("lead_time_hours"):
        return None
    figures = figures_of(vsm)
    shown = figures.to_json()
    svg = draw_value_stream(
        stages_of(vsm),
        figures,
        title=f"{team.name}: current state (v{vsm.version})",
        id_prefix="pdf-vsm-current",
    )
    if future is ...:
        future = current_map(team, ValueStreamMap.FUTURE)
    if future is not None:
        svg += draw_value_stream(
            stages_of(future),
            figures_of(future),
            title=f"{team.name}: future state (v{future.version}), projected",
            id_prefix="pdf-vsm-future",
        )
    return {
        "svg": svg,
        "lead_time_hours": shown["lead_time_hours"],
        "process_time_hours": shown["process_time_hours"],
        "flow_efficiency": figures.flow_efficiency_fraction,
        "bottleneck": bottleneck_text(shown),
    }

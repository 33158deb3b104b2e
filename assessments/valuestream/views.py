"""The team's value stream page (current and future maps, figures, flow efficiency over time,
versions) and the lead's editor: one row per stage, blank rows to add a stage, a "remove"
box to drop one, the guide stage each stage belongs to (pre-selected from its name, the
team's choice), a box to mark the constraint, no JavaScript. Saving goes through
``valuestream_services.save_map``. Figures shown are recomputed from the stored stages
(``valuestream_services.figures_json``), so old versions show the new ones too."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone

from assessments import permissions
from assessments.models import ValueStreamMap
from assessments.valuestream import rules as valuestream
from assessments.valuestream import services as valuestream_services
from assessments.valuestream.drawing import draw_value_stream, hours, percent
from vsm_site import charts
from vsm_site.http import reported

EXTRA_ROWS = 3
KIND_LABELS = dict(ValueStreamMap.KIND_CHOICES)


# --- the editor's form --------------------------------------------------------------------


def _number_input(**attrs):
    return forms.NumberInput(attrs={"class": "form-control form-control-sm", **attrs})


def _text_input(**attrs):
    return forms.TextInput(attrs={"class": "form-control form-control-sm", **attrs})


# The rules (``valuestream.validate_stages``) speak the API's field names; the page's people
# know the fields by the labels the form shows.
PAGE_LABELS = {
    "process_time_hours": "“Process time (h)”",
    "wait_time_hours": "“Wait before (h)”",
    "percent_complete_accurate": "“%C&A”",
    "a position": "an “Order” number",
    "position": "the “Order” number",
    "positions": "“Order” numbers",
    "activities": "“Activities”",
    "people": "“People”",
    "handoff": "“Handoff”",
    "category": "“Guide stage”",
    "stages:": "Stages:",
}

# The editor's "Guide stage" choice: blank proposes one from the name when saving (new rows,
# no JavaScript to guess while typing); "none" maps the stage to none of the guide's stages.
PROPOSE, NO_CATEGORY = "", "none"
CATEGORY_CHOICES = [
    (PROPOSE, "Propose from the name"),
    *valuestream.STAGE_LABELS.items(),
    (NO_CATEGORY, "None of the guide's stages"),
]
PCA_HELP = (
    "Recorded by this stage about the work it receives: the share it can use as it comes, "
    "without correcting it, adding missing information or asking for clarification."
)
CATEGORY_HELP = (
    "The guide's stage this one belongs to; the roadmap ranks that stage's improvements first "
    "when this stage is the constraint or follows the largest delay. Pre-selected from the "
    "name: check it."
)
HELP_IDS = {
    "wait_time_hours": "vsm-help-times",
    "process_time_hours": "vsm-help-times",
    "percent_complete_accurate": "vsm-help-pca",
    "category": "vsm-help-category",
    "constraint": "vsm-help-constraint",
}
CONSTRAINT_HELP = (
    "The one stage that limits how much the whole stream delivers. When none is marked, the "
    "roadmap focuses on the stage after the largest wait between stages."
)


def as_the_page_says(message):
    """A rule's message with the field names the editor shows (“Wait before (h)”, not
    wait_time_hours)."""
    return re.sub(
        r"\b(" + "|".join(re.escape(k) for k in PAGE_LABELS) + r")(?=\W|$)",
        lambda m: PAGE_LABELS[m.group(1)],
        message,
    )


class StageForm(forms.Form):
    """One stage row. Types only: the value rules are ``valuestream.validate_stages``'s."""

    position = forms.IntegerField(
        required=False, label="Order", widget=_number_input(min=1, step=1, style="width:4.5rem")
    )
    name = forms.CharField(required=False, max_length=200, widget=_text_input())
    activities = forms.CharField(
        required=False, max_length=2000, widget=_text_input(), help_text="Comma-separated."
    )
    process_time_hours = forms.FloatField(
        required=False, label="Process time (h)", widget=_number_input(min=0, step="any")
    )
    wait_time_hours = forms.FloatField(
        required=False, label="Wait before (h)", widget=_number_input(min=0, step="any")
    )
    percent_complete_accurate = forms.FloatField(
        required=False,
        label="%C&A",
        widget=_number_input(min=0, max=100, step="any"),
        help_text=PCA_HELP,
    )
    handoff = forms.BooleanField(required=False, label="Handoff from another team")
    people = forms.IntegerField(required=False, label="People", widget=_number_input(min=0))
    category = forms.ChoiceField(
        required=False,
        label="Guide stage",
        choices=CATEGORY_CHOICES,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        help_text=CATEGORY_HELP,
    )
    constraint = forms.BooleanField(
        required=False, label="The constraint", help_text=CONSTRAINT_HELP
    )

    def __init__(self, *args, future=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handoff"].widget.attrs["class"] = "form-check-input"
        self.fields["constraint"].widget.attrs["class"] = "form-check-input"
        # The explanations stand once above the stages (HELP_IDS); every row's fields point
        # at them, so a screen reader reads them with each field.
        for name, help_id in HELP_IDS.items():
            self.fields[name].widget.attrs["aria-describedby"] = help_id
        groups = [("pain", valuestream.PAIN_POINT_KINDS)]
        if future:
            groups.append(("change", valuestream.CHANGE_KINDS))
        self.mark_groups = []
        for prefix, kinds in groups:
            rows = []
            for kind, label in kinds.items():
                flag, note = f"{prefix}_{kind}", f"{prefix}_{kind}_note"
                self.fields[flag] = forms.BooleanField(required=False, label=label)
                widget = _text_input(placeholder="note (optional)")
                widget.attrs["aria-label"] = f"{label}: note"
                self.fields[note] = forms.CharField(
                    required=False, max_length=400, label=f"{label}: note", widget=widget
                )
                rows.append((self[flag], self[note]))
            self.mark_groups.append((prefix, rows))

    def stage_data(self):
        """The row as raw stage input for validate_stages, or None for an empty row."""
        data = self.cleaned_data
        if data.get("DELETE"):
            return None
        marks = {}
        for prefix, kinds in (
            ("pain", valuestream.PAIN_POINT_KINDS),
            ("change", valuestream.CHANGE_KINDS),
        ):
            marks[prefix] = [
                {"kind": kind, "note": data.get(f"{prefix}_{kind}_note") or ""}
                for kind in kinds
                if data.get(f"{prefix}_{kind}") or data.get(f"{prefix}_{kind}_note")
            ]
        name = (data.get("name") or "").strip()
        times = (data.get("process_time_hours"), data.get("wait_time_hours"))
        if not name and all(t is None for t in times) and not any(marks.values()):
            return None
        activities = [a.strip() for a in (data.get("activities") or "").split(",") if a.strip()]
        category = {}  # left out: the rules propose one from the name
        if data.get("category") == NO_CATEGORY:
            category = {"category": None}
        elif data.get("category"):
            category = {"category": data["category"]}
        return {
            "name": name,
            "process_time_hours": times[0],
            "wait_time_hours": times[1],
            "percent_complete_accurate": data.get("percent_complete_accurate"),
            "handoff": bool(data.get("handoff")),
            "activities": activities,
            "people": data.get("people"),
            "pain_points": marks["pain"],
            "planned_changes": marks["change"],
            "constraint": bool(data.get("constraint")),
            **category,
        }


class BaseStageFormSet(forms.BaseFormSet):
    def __init__(self, *args, future=False, **kwargs):
        self.future = future
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "future": self.future}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def ordered_stages(self):
        """Rows with content, ordered by their "Order" number (then row order)."""
        rows = []
        for index, form in enumerate(self.forms):
            stage = form.stage_data()
            if stage is not None:
                position = form.cleaned_data.get("position")
                rows.append((position if position is not None else float("inf"), index, stage))
        return [stage for _, _, stage in sorted(rows, key=lambda r: (r[0], r[1]))]


StageFormSet = forms.formset_factory(
    StageForm,
    formset=BaseStageFormSet,
    extra=EXTRA_ROWS,
    can_delete=True,
    max_num=valuestream.MAX_STAGES + EXTRA_ROWS,
    absolute_max=valuestream.MAX_STAGES + EXTRA_ROWS,
)


def _initial_rows(stages, blank_times=False):
    rows = []
    for position, stage in enumerate(stages, start=1):
        row = {
            "position": position,
            "name": stage.name,
            "activities": ", ".join(stage.activities),
            "process_time_hours": None if blank_times else stage.process_time_hours,
            "wait_time_hours": None if blank_times else stage.wait_time_hours,
            "percent_complete_accurate": stage.percent_complete_accurate,
            "handoff": stage.handoff,
            "people": stage.people,
            "category": stage.category or NO_CATEGORY,
            "constraint": stage.constraint,
        }
        for point in stage.pain_points:
            row[f"pain_{point.kind}"] = True
            row[f"pain_{point.kind}_note"] = _join(row.get(f"pain_{point.kind}_note"), point.note)
        for change in stage.planned_changes:
            row[f"change_{change.kind}"] = True
            row[f"change_{change.kind}_note"] = _join(
                row.get(f"change_{change.kind}_note"), change.note
            )
        rows.append(row)
    return rows


def _join(first, second):
    return "; ".join(part for part in (first, second) if part)


# --- pages ----------------------------------------------------------------------------------


def focus_reason(figures):
    """Why the roadmap's focus is that stage, and the guide stage it maps to, in words."""
    why = "constraint" if figures["bottleneck_kind"] == "constraint" else "largest delay"
    category = figures["bottleneck_category"]
    if category is None:
        return f"{why}; no guide stage, so the roadmap boosts nothing"
    return f"{why}; guide stage {valuestream.STAGE_LABELS[category].lower()}"


def focus_text(figures):
    """The roadmap's focus in one line: "Testing (largest delay; guide stage testing)"."""
    if not figures["bottleneck"]:
        return "none: nothing waits between stages and no constraint is marked"
    return f"{figures['bottleneck']} ({focus_reason(figures)})"


def _figure_cards(figures):
    """The figures of a map (``figures_json``) as (label, value, detail, formula) for the
    page; ``detail`` says which stage a time belongs to, or why a stage is named."""
    f = valuestream.FORMULAS

    def wait_card(label, wait, name, formula):
        if name is None:
            return (label, "none", "", formula)
        return (label, hours(wait), f"before {name}", formula)

    focus = figures["bottleneck"]
    return [
        ("Lead time", hours(figures["lead_time_hours"]), "", f["lead_time_hours"]),
        ("Process time", hours(figures["process_time_hours"]), "", f["process_time_hours"]),
        ("Wait time", hours(figures["wait_time_hours"]), "", f["wait_time_hours"]),
        ("Flow efficiency", percent(figures["flow_efficiency"]), "", f["flow_efficiency"]),
        wait_card("Intake wait", figures["intake_wait_hours"], figures["intake_stage"],
                  f["intake_wait_hours"]),
        wait_card("Largest delay", figures["largest_delay_wait_hours"], figures["largest_delay"],
                  f["largest_delay"]),
        ("Constraint", figures["constraint"] or "not marked", "", f["constraint"]),
        ("Roadmap focus", focus or "none", focus_reason(figures) if focus else "",
         f["bottleneck"]),
        ("Rolled %C&A", percent(figures["rolled_percent_complete_accurate"]), "",
         f["rolled_percent_complete_accurate"]),
        ("Lowest %C&A received", figures["worst_quality_stage"] or "none", "",
         f["worst_quality_stage"]),
        ("Handoffs", str(figures["handoffs"]), "", f["handoffs"]),
    ]  # fmt: skip


def _map_section(team, vsm, id_prefix):
    if vsm is None:
        return None
    stages = valuestream_services.stages_of(vsm)
    figures = valuestream.compute_figures(stages)
    shown = figures.to_json()
    label = KIND_LABELS[vsm.kind].lower()
    return {
        "map": vsm,
        "stages": stages,
        "figures": shown,
        "category_labels": dict(valuestream.STAGE_LABELS),
        "cards": _figure_cards(shown),
        "svg": draw_value_stream(
            stages, figures, title=f"{team.name}: {label} (v{vsm.version})", id_prefix=id_prefix
        ),
    }


def _pick(maps, kind, version):
    of_kind = [m for m in maps if m.kind == kind]  # newest first
    if version in (None, ""):
        return of_kind[0] if of_kind else None
    try:
        number = int(version)
    except ValueError:
        raise Http404("No such map version.") from None
    found = next((m for m in of_kind if m.version == number), None)
    if found is None:
        raise Http404("No such map version.")
    return found


def _change(current, future, key):
    a, b = current.get(key), future.get(key)
    if a is None or b is None:
        return None
    return round(b - a, 2)


@login_required
def team_value_stream(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    maps = valuestream_services.map_history(team)  # every version, one query
    current = _pick(maps, ValueStreamMap.CURRENT, request.GET.get("current"))
    future = _pick(maps, ValueStreamMap.FUTURE, request.GET.get("future"))
    currents = sorted((m for m in maps if m.kind == ValueStreamMap.CURRENT),
                      key=lambda m: m.version)  # fmt: skip
    trend = None
    if currents:
        labels = [
            f"v{m.version} · {dateformat.format(timezone.localdate(m.created_at), 'j M Y')}"
            for m in currents
        ]
        values = [m.figures.get("flow_efficiency") for m in currents]
        trend = charts.line_chart(
            labels,
            [charts.Series("Flow efficiency (%)", values)],
            title=f"{team.name}: flow efficiency over time",
            description="Flow efficiency of each version of the current-state map.",
            y_min=0,
            y_max=100,
            y_label="%",
            id_prefix="vsm-trend",
        )
    comparison = None
    if current is not None and future is not None:
        c, f = current.figures, future.figures
        comparison = [
            (label, fmt(c[key]), fmt(f[key]), _change(c, f, key), unit)
            for label, key, fmt, unit in (
                ("Lead time", "lead_time_hours", hours, " h"),
                ("Process time", "process_time_hours", hours, " h"),
                ("Flow efficiency", "flow_efficiency", percent, " points"),
                ("Rolled %C&A", "rolled_percent_complete_accurate", percent, " points"),
                ("Handoffs", "handoffs", str, ""),
            )
        ]
    context = {
        "team": team,
        "can_lead": permissions.can_lead_team(request.user, team),
        "current": _map_section(team, current, "vsm-current"),
        "future": _map_section(team, future, "vsm-future"),
        "comparison": comparison,
        "trend": trend,
        "history": [(m, focus_text(valuestream_services.figures_json(m))) for m in maps],
        "time_unit_note": valuestream.TIME_UNIT_NOTE,
        "pain_labels": dict(valuestream.PAIN_POINT_KINDS),
        "change_labels": dict(valuestream.CHANGE_KINDS),
        "draft_rules": valuestream.FUTURE_DRAFT_RULES,
        "max_hours": valuestream.MAX_HOURS,
    }
    return render(request, "assessments/valuestream/team_value_stream.html", context)


@login_required
def value_stream_edit(request, team_id, kind):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    if kind not in valuestream_services.KINDS:
        raise Http404("No such map kind.")
    if not permissions.can_lead_team(request.user, team):
        raise PermissionDenied("Only the team's lead edits its value stream maps.")
    future = kind == ValueStreamMap.FUTURE
    latest = valuestream_services.current_map(team, kind)
    source = None
    if request.method == "POST":
        # Planned changes show for future maps, and for a current map that has some (sent
        # through the API), so that saving from the page keeps them.
        changes = future or any("-change_" in key for key in request.POST)
        formset = StageFormSet(request.POST, prefix="stages", future=changes)
        note = request.POST.get("note", "")
        if formset.is_valid():
            with reported(request, message=lambda exc: as_the_page_says(exc.message)):
                vsm = valuestream_services.save_map(
                    request.user, team, kind, formset.ordered_stages(), note=note
                )
                messages.success(
                    request, f"{KIND_LABELS[kind]} map saved as version {vsm.version}."
                )
                return redirect("team_value_stream", team_id=team.id)
        else:
            messages.error(request, "Some rows have values that are not numbers; see below.")
    else:
        note = ""
        blank_times = False
        if future and request.GET.get("draft"):
            base = valuestream_services.current_map(team)
            if base is None:
                messages.error(request, "Map the current state first: the draft starts from it.")
                return redirect("team_value_stream", team_id=team.id)
            stages = valuestream.draft_future_state(valuestream_services.stages_of(base))
            source = f"Drafted from the current-state map v{base.version}; nothing is saved yet."
            note = f"Drafted from current state v{base.version}"
        elif latest is not None:
            stages = valuestream_services.stages_of(latest)
            source = f"Editing version {latest.version}: saving adds version {latest.version + 1}."
        elif future:
            base = valuestream_services.current_map(team)
            stages = valuestream.draft_future_state(valuestream_services.stages_of(base)) if base \
                else list(valuestream.DEFAULT_STAGES)  # fmt: skip
            blank_times = base is None
            source = "A draft from the current-state map; nothing is saved yet." if base else None
        else:
            stages, blank_times = list(valuestream.DEFAULT_STAGES), True
            source = "The guide's five stages to start from: rename, remove or add stages."
        changes = future or any(s.planned_changes for s in stages)
        formset = StageFormSet(
            initial=_initial_rows(stages, blank_times), prefix="stages", future=changes
        )
    return render(
        request,
        "assessments/valuestream/edit.html",
        {
            "team": team,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "future": future,
            "formset": formset,
            "note": note,
            "source": source,
            "formulas": valuestream.FORMULAS,
            "draft_rules": valuestream.FUTURE_DRAFT_RULES,
            "max_stages": valuestream.MAX_STAGES,
            "max_hours": valuestream.MAX_HOURS,
            "time_unit_note": valuestream.TIME_UNIT_NOTE,
        },
    )

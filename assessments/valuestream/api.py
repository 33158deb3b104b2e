"""REST API for a team's value stream maps: the latest current-state and future-state maps,
saving a new version of either, and every version so far.

Reading needs the team to be visible (members, the CoE of its organisation); writing needs
``permissions.can_lead_team``. ``MapIn`` is both the schema of the body and its check: it
calls ``valuestream.validate_stages`` (the one place the stage rules live, also behind the
page's editor) and declares the limits of rules.py, so the two cannot disagree.

Times are working hours. Stages carry ``category`` (the guide stage the team maps them to;
left out on PUT, the name proposes one) and ``constraint``. Figures are recomputed from the
stored stages on every read, so versions saved before these fields existed answer with them
too (their stages with the category their name proposes, no constraint). ``bottleneck`` and
``bottleneck_wait_hours`` stay for existing clients, with a narrower meaning since issue 18:
the roadmap's focus (the marked constraint, else the largest delay between stages), never the
intake wait before the first stage, which ``intake_wait_hours`` reports on its own.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.models import ValueStreamMap
from assessments.valuestream import rules as valuestream
from assessments.valuestream import services as valuestream_services
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses
from vsm_site.domain_errors import Invalid, NotFound

_F = valuestream.FORMULAS
_KIND_NAMES = {ValueStreamMap.CURRENT: "current-state", ValueStreamMap.FUTURE: "future-state"}


class MarkOut(serializers.Serializer):
    kind = serializers.CharField()
    note = serializers.CharField()


_CATEGORY_HELP = (
    f"The guide stage the team maps this stage to ({', '.join(valuestream.DEFAULT_STAGE_KEYS)}),"
    " or null for none of them."
)
_PCA_HELP = (
    "Percent complete and accurate (0-100): the share of the work this stage receives that it "
    "can use without correcting it, adding missing information or asking for clarification, "
    "as this (receiving) stage reports it."
)


class StageOut(serializers.Serializer):
    name = serializers.CharField()
    process_time_hours = serializers.FloatField(help_text="Working hours of active work.")
    wait_time_hours = serializers.FloatField(help_text="Working hours work waits before the stage.")
    percent_complete_accurate = serializers.FloatField(help_text=_PCA_HELP)
    handoff = serializers.BooleanField(help_text="Work arrives from another team.")
    activities = serializers.ListField(child=serializers.CharField())
    people = serializers.IntegerField(allow_null=True)
    pain_points = MarkOut(many=True, help_text=", ".join(valuestream.PAIN_POINT_KINDS))
    planned_changes = MarkOut(many=True, help_text=", ".join(valuestream.CHANGE_KINDS))
    category = serializers.ChoiceField(
        choices=valuestream.DEFAULT_STAGE_KEYS, allow_null=True, help_text=_CATEGORY_HELP
    )
    constraint = serializers.BooleanField(help_text=_F["constraint"])


# The request body of PUT: MapIn, checked by valuestream.validate_stages (the one place the
# stage rules live; the page's editor goes through it too) and declaring its limits from
# rules.py, so that the schema and the check cannot disagree (vsm_site.api.RequestSerializer).


class MarkIn(serializers.Field):
    # A pain point or planned change as sent: a kind, or {"kind", "note"}. As the last step
    # of MapIn's validation it sees validate_stages' output, {"kind", "note"}.
    max_note_length = valuestream.MAX_NOTE_CHARS
    default_error_messages = {
        "invalid": "A kind or a {kind, note} object with a known kind.",
        "max_length": f"A note has at most {max_note_length} characters.",
    }

    def __init__(self, kinds, **kwargs):
        self.kinds = tuple(kinds)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        kind, note = (data, "") if isinstance(data, str) else (None, None)
        if isinstance(data, dict) and set(data) <= {"kind", "note"}:
            kind, note = data.get("kind"), data.get("note") or ""
        if kind not in self.kinds or not isinstance(note, str):
            self.fail("invalid")
        if len(note) > self.max_note_length:
            self.fail("max_length")
        return {"kind": kind, "note": note}


class MarkInScheme(OpenApiSerializerFieldExtension):
    target_class = MarkIn

    def map_serializer_field(self, auto_schema, direction):
        kinds = {"type": "string", "enum": list(self.target.kinds)}
        return {
            "oneOf": [
                kinds,
                {
                    "type": "object",
                    "properties": {
                        "kind": kinds,
                        "note": {"type": "string", "maxLength": self.target.max_note_length},
                    },
                    "required": ["kind"],
                    "additionalProperties": False,
                },
            ]
        }


class StageIn(serializers.Serializer):
    """One stage of the stream. Names are unique (regardless of case and spacing)."""

    name = serializers.CharField(min_length=1, max_length=valuestream.MAX_NAME_CHARS)
    process_time_hours = serializers.FloatField(
        min_value=0, max_value=valuestream.MAX_HOURS, help_text="Working hours of active work."
    )
    wait_time_hours = serializers.FloatField(
        min_value=0,
        max_value=valuestream.MAX_HOURS,
        help_text="Working hours work waits before it.",
    )
    percent_complete_accurate = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=valuestream.MAX_PERCENT,
        help_text=_PCA_HELP + " Default 100.",
    )  # fmt: skip
    handoff = serializers.BooleanField(
        required=False, allow_null=True, help_text="Work arrives from another team (default false)."
    )
    activities = serializers.ListField(
        child=serializers.CharField(max_length=valuestream.MAX_ACTIVITY_CHARS, allow_blank=True),
        required=False,
        allow_null=True,
        max_length=valuestream.MAX_ACTIVITIES,
    )
    people = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=valuestream.MAX_PEOPLE
    )
    pain_points = serializers.ListField(
        child=MarkIn(tuple(valuestream.PAIN_POINT_KINDS)),
        required=False,
        allow_null=True,
        max_length=valuestream.MAX_MARKS,
        help_text="Kinds as strings or {kind, note} objects.",
    )
    planned_changes = serializers.ListField(
        child=MarkIn(tuple(valuestream.CHANGE_KINDS)),
        required=False,
        allow_null=True,
        max_length=valuestream.MAX_MARKS,
        help_text="Future maps: kinds as strings or {kind, note} objects.",
    )
    category = serializers.ChoiceField(
        choices=valuestream.DEFAULT_STAGE_KEYS,
        required=False,
        allow_null=True,
        help_text=_CATEGORY_HELP + " Left out: the one the stage's name proposes.",
    )
    constraint = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="The team marks this stage as the stream's constraint (one stage at most; "
        "default false).",
    )
    position = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=valuestream.MAX_STAGES,
        help_text="Optional: 1..n without gaps on every stage; otherwise list order.",
    )


class MapIn(RequestSerializer):
    """The stages of a map, in order, and a note on this version."""

    not_an_object = 'The body must be a JSON object: {"stages": [...], "note": "..."}.'
    unknown = "Unknown field(s): {names}; send stages and an optional note."

    stages = serializers.ListField(
        child=StageIn(),
        min_length=1,
        max_length=valuestream.MAX_STAGES,
        help_text=f"1 to {valuestream.MAX_STAGES} stages, in order.",
    )
    note = ServiceChecked(  # checked by valuestream_services.save_map
        serializers.CharField(
            required=False,
            allow_blank=True,
            allow_null=True,
            max_length=valuestream_services.MAX_NOTE_CHARS,
        )
    )

    def check(self, data):
        if "stages" not in data:
            raise Invalid("stages is required: a list of the stages in order.", field="stages")
        try:
            stages = valuestream.validate_stages(data["stages"])
        except valuestream.StageError as exc:
            raise Invalid(exc.message, field=exc.field) from None
        return {**data, "stages": [stage.to_json() for stage in stages]}


class MapOut(serializers.Serializer):
    team = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=[ValueStreamMap.CURRENT, ValueStreamMap.FUTURE])
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    stages = StageOut(many=True)
    stage_count = serializers.IntegerField()
    lead_time_hours = serializers.FloatField(help_text=_F["lead_time_hours"])
    process_time_hours = serializers.FloatField(help_text=_F["process_time_hours"])
    wait_time_hours = serializers.FloatField(help_text=_F["wait_time_hours"])
    flow_efficiency = serializers.FloatField(allow_null=True, help_text=_F["flow_efficiency"])
    rolled_percent_complete_accurate = serializers.FloatField(
        help_text=_F["rolled_percent_complete_accurate"]
    )
    handoffs = serializers.IntegerField(help_text=_F["handoffs"])
    intake_wait_hours = serializers.FloatField(help_text=_F["intake_wait_hours"])
    intake_stage = serializers.CharField(help_text="The first stage: the intake wait is before it.")
    largest_delay = serializers.CharField(allow_null=True, help_text=_F["largest_delay"])
    largest_delay_wait_hours = serializers.FloatField(allow_null=True)
    constraint = serializers.CharField(allow_null=True, help_text=_F["constraint"])
    bottleneck = serializers.CharField(allow_null=True, help_text=_F["bottleneck"])
    bottleneck_kind = serializers.ChoiceField(
        choices=["constraint", "largest_delay"],
        allow_null=True,
        help_text="Why the bottleneck is the roadmap's focus: the team marked it, or it follows "
        "the largest delay.",
    )
    bottleneck_wait_hours = serializers.FloatField(allow_null=True)
    bottleneck_category = serializers.ChoiceField(
        choices=valuestream.DEFAULT_STAGE_KEYS,
        allow_null=True,
        help_text="The guide stage of the bottleneck, which the roadmap ranks first.",
    )
    worst_quality_stage = serializers.CharField(
        allow_null=True, help_text=_F["worst_quality_stage"]
    )
    worst_quality_percent = serializers.FloatField(allow_null=True)
    pain_points = serializers.DictField(
        child=serializers.IntegerField(), help_text="Pain points per kind."
    )


def map_json(vsm):
    """The map as the API answers it: stages with every field (old versions' stages get the
    category their name proposes and no constraint) and figures recomputed from them."""
    stages = valuestream_services.stages_of(vsm)
    return {
        "team": vsm.team_id,
        "kind": vsm.kind,
        "version": vsm.version,
        "created_at": vsm.created_at,
        "created_by": vsm.created_by.username if vsm.created_by else None,
        "note": vsm.note,
        "stages": [stage.to_json() for stage in stages],
        **valuestream.compute_figures(stages).to_json(),
    }


class ValueStreamMapView(APIView):
    """The team's latest map of one kind (``current`` or ``future``, from the URL); PUT saves
    the body as its next version (201). Errors name the stage and field: ``field`` is a JSON
    path with 0-based indexes (``stages[1].wait_time_hours``), the message counts stages from
    1. Times are working hours, each at most 87,600."""

    kind = ValueStreamMap.CURRENT

    @extend_schema(responses={200: MapOut, **error_responses(401, 404)})
    def get(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        vsm = valuestream_services.current_map(team, self.kind)
        if vsm is None:
            raise NotFound(
                f"{team.name} has no {_KIND_NAMES[self.kind]} value stream map yet; "
                "a team lead creates one with PUT."
            )
        return Response(map_json(vsm))

    @extend_schema(
        request=MapIn, responses={201: MapOut, **error_responses(400, 401, 403, 404, 409, 415)}
    )
    def put(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        data = MapIn.validated(request.data)
        vsm = valuestream_services.save_map(
            request.user, team, self.kind, data["stages"], note=data.get("note") or ""
        )
        return Response(map_json(vsm), status=status.HTTP_201_CREATED)


class CurrentMapView(ValueStreamMapView):
    kind = ValueStreamMap.CURRENT


class FutureMapView(ValueStreamMapView):
    kind = ValueStreamMap.FUTURE


class MapHistoryView(APIView):
    """Every version of the team's maps, current-state first, newest version first."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind", OpenApiTypes.STR, enum=["current", "future"], description="One kind only"
            )
        ],
        responses={200: MapOut(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in valuestream_services.KINDS:
            raise Invalid(f"kind must be current or future, not {kind!r}.", field="kind")
        return Response([map_json(m) for m in valuestream_services.map_history(team, kind)])

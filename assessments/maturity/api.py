"""REST API for questionnaires, assessments, answers and results. Thin: parse, ask
permissions, call one service or selector, serialise."""

from django.db import transaction
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.levels import MAX_LEVEL, MIN_LEVEL
from assessments.maturity import presenters, services
from assessments.models import Assessment
from assessments.models import Response as ResponseModel
from assessments.periods import PERIOD_RE, PeriodError, parse_period
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.IntegerField()
    questionnaire = serializers.CharField()
    version = serializers.IntegerField()
    period = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    due_date = serializers.DateField(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    responses_submitted = serializers.IntegerField()
    responses_started = serializers.IntegerField()
    targets = serializers.DictField(child=serializers.IntegerField())


class MyResponseOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=["not started", "draft", "submitted"])
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text='Question key: a level 1-5, null for "don\'t know" or "n/a" for "not '
        'applicable".',
    )
    comments = serializers.DictField(child=serializers.CharField())
    evidence = serializers.DictField(child=serializers.CharField())
    submitted_at = serializers.DateTimeField(allow_null=True)
    dora = serializers.DictField()


class ResultDimensionOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    level_name = serializers.CharField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    disagreement = serializers.BooleanField(
        allow_null=True, help_text="null where the spread is hidden (spread_hidden)."
    )
    insufficient = serializers.BooleanField()
    target = serializers.IntegerField(allow_null=True)
    respondents_scored = serializers.IntegerField(allow_null=True)
    spread_hidden = serializers.BooleanField(
        help_text="Scored by fewer respondents than the organisation's threshold (or the whole "
        "result is low-confidence): min, max, at_or_above and disagreement are withheld."
    )
    applicable = serializers.BooleanField(help_text='False: every respondent said "n/a".')
    at_or_above = serializers.DictField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="Level 2-5: share (0-1) of the answers with a level at or above it (rules v2).",
    )
    dont_know_share = serializers.FloatField(allow_null=True)
    dont_know_warning = serializers.BooleanField()


class ResultOut(serializers.Serializer):
    assessment = serializers.IntegerField()
    team = serializers.IntegerField()
    period = serializers.CharField()
    questionnaire = serializers.CharField()
    version = serializers.IntegerField()
    overall_score = serializers.FloatField(allow_null=True)
    overall_level = serializers.IntegerField(allow_null=True)
    overall_level_name = serializers.CharField(allow_null=True)
    respondents = serializers.IntegerField()
    low_confidence = serializers.BooleanField()
    scoring_rules_version = serializers.IntegerField()
    weakest_dimension = serializers.CharField(allow_null=True)
    coverage = serializers.FloatField(
        allow_null=True, help_text="Share of the applicable dimensions' weight with a score."
    )
    overall_incomplete = serializers.BooleanField(
        help_text="Too little of the weight scored for an overall score (rules v2)."
    )
    dimensions = ResultDimensionOut(many=True)


class AssessmentCreateSerializer(RequestSerializer):
    unknown = None  # other keys are ignored

    team = serializers.IntegerField()
    questionnaire = serializers.SlugField(default="vsm-maturity")
    period = serializers.RegexField(
        PERIOD_RE.pattern,
        max_length=Assessment._meta.get_field("period").max_length,
        help_text="A quarter, e.g. 2026-Q4 (years 2000-2100).",
    )
    version = serializers.IntegerField(required=False, min_value=1)
    due_date = serializers.DateField(required=False)

    def check(self, data):
        if data.get("period") is not None:
            try:
                parse_period(data["period"])
            except PeriodError as exc:
                raise Invalid(str(exc), field="period") from None
        return data


class AssessmentListView(APIView):
    @extend_schema(
        request=AssessmentCreateSerializer,
        responses={201: AssessmentOut, **error_responses(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request):
        data = AssessmentCreateSerializer.validated(request.data)
        team = permissions.get_visible_team_or_404(request.user, data["team"])
        assessment = services.open_assessment(
            request.user,
            team,
            data["period"],
            questionnaire_key=data["questionnaire"],
            version=data.get("version"),
            due_date=data.get("due_date"),
        )
        return Response(presenters.assessment_json(assessment), status=status.HTTP_201_CREATED)


class AssessmentDetailView(APIView):
    @extend_schema(responses={200: AssessmentOut, **error_responses(401, 404)})
    def get(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        return Response(presenters.assessment_json(assessment))


class SurveyOptionField(serializers.ChoiceField):
    """A survey option's key. Its enum stays inline in the schema: lead time and time to
    restore share one set of options, which drf-spectacular would otherwise name twice."""


class SurveyOptionScheme(OpenApiSerializerFieldExtension):
    target_class = SurveyOptionField

    def map_serializer_field(self, auto_schema, direction):
        keys = [key for key in self.target.choices if key != ""]
        return {"oneOf": [{"type": "string", "enum": keys}, {"type": "string", "maxLength": 0}]}


def _survey_option(metric):
    return SurveyOptionField(
        choices=[option.key for option in dora.SURVEY_OPTIONS[metric]],
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A survey option; empty: not answered.",
    )


def _survey_percent():
    return serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=dora.MAX_PERCENT,
        help_text="Percent; null: not answered.",
    )


class DoraSurveyIn(RequestSerializer):
    """The DORA survey questions the respondent answers, any of them."""

    # The rule: dora_services.clean_survey_answers (the answer page's too). It names unknown
    # questions.
    not_an_object = "dora must be an object of metric answers."
    unknown = None

    deployment_frequency = _survey_option("deployment_frequency")
    lead_time = _survey_option("lead_time")
    time_to_restore = _survey_option("time_to_restore")
    change_failure_rate = _survey_percent()
    rework_rate = _survey_percent()

    def check(self, data):
        return dora_services.clean_survey_answers(data)


class ResponseSaveSerializer(RequestSerializer):
    """Part or all of the caller's draft: keys not sent keep their saved value."""

    # answers, comments and evidence are checked by services.save_answers (the answer page's
    # check too), against the questionnaire's questions, after the permission check.
    not_an_object = "The body must be a JSON object with 'answers' and/or 'comments'."

    answers = ServiceChecked(
        serializers.DictField(
            # A level, null or "n/a": one JSON value (services.save_answers checks it).
            child=serializers.JSONField(),
            required=False,
            help_text='Question key: a level 1-5, null for "don\'t know" or "n/a" for "not '
            'applicable".',
        )
    )
    comments = ServiceChecked(
        serializers.DictField(
            child=serializers.CharField(max_length=services.MAX_COMMENT, allow_blank=True),
            required=False,
            help_text="Question key: a comment.",
        )
    )
    evidence = ServiceChecked(
        serializers.DictField(
            child=serializers.RegexField(
                r"^(https?://|$)", max_length=services.MAX_URL, allow_blank=True
            ),
            required=False,
            help_text="Question key: an http(s) link to evidence, or empty.",
        )
    )
    dora = DoraSurveyIn(required=False, allow_null=True)


def _my_response_json(request, assessment):
    response = ResponseModel.objects.filter(assessment=assessment, respondent=request.user).first()
    return presenters.my_response_json(assessment, response)


class MyResponseView(APIView):
    """The caller's own answers to an assessment (GET) and saving a draft (PUT, partial)."""

    @extend_schema(responses={200: MyResponseOut, **error_responses(401, 403, 404)})
    def get(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        if not permissions.is_team_member(request.user, assessment.team):
            raise NotAllowed("Only members of the team answer its assessment.")
        return Response(_my_response_json(request, assessment))

    @extend_schema(
        request=ResponseSaveSerializer,
        responses={200: MyResponseOut, **error_responses(400, 401, 403, 404, 409, 415)},
    )
    def put(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        data = ResponseSaveSerializer.validated(request.data)
        with transaction.atomic():
            services.save_answers(
                request.user,
                assessment,
                answers=data.get("answers"),
                comments=data.get("comments"),
                evidence=data.get("evidence"),
            )
            if data.get("dora"):
                services.save_survey_answers(request.user, assessment, data["dora"])
        return Response(_my_response_json(request, assessment))


class MyResponseSubmitView(APIView):
    @extend_schema(
        request=None, responses={200: MyResponseOut, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        services.submit_response(request.user, assessment)
        return Response(_my_response_json(request, assessment))


class AssessmentCloseView(APIView):
    @extend_schema(
        request=None, responses={200: AssessmentOut, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        services.close_assessment(request.user, assessment)
        return Response(presenters.assessment_json(assessment))


TARGETS_SHAPE = 'The body must be {"targets": {"dimension_key": level}}.'


@extend_schema_serializer(component_name="Targets")
class TargetsIn(RequestSerializer):
    # Each level is checked by services.set_targets (the result page's form's check too),
    # against the questionnaire's dimensions, after the permission check.
    not_an_object = TARGETS_SHAPE
    unknown = None  # other keys are ignored

    targets = ServiceChecked(
        serializers.DictField(
            child=serializers.IntegerField(min_value=MIN_LEVEL, max_value=MAX_LEVEL),
            help_text="Dimension key: the target level.",
        )
    )

    def check(self, data):
        if not isinstance(data.get("targets"), dict):
            raise Invalid(TARGETS_SHAPE)
        return data


class AssessmentTargetsView(APIView):
    @extend_schema(
        request=TargetsIn,
        responses={200: AssessmentOut, **error_responses(400, 401, 403, 404, 415)},
    )
    def put(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        targets = TargetsIn.validated(request.data)["targets"]
        services.set_targets(request.user, assessment, targets)
        return Response(presenters.assessment_json(assessment))


class AssessmentResultView(APIView):
    @extend_schema(responses={200: ResultOut, **error_responses(401, 404)})
    def get(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        result = getattr(assessment, "result", None)
        if result is None:
            raise NotFound("This assessment is still open; its result exists once it is closed.")
        candour = permissions.candour(
            request.user, assessment.team.organization, result.low_confidence
        )
        return Response(presenters.result_json(result, candour=candour))

"""REST API for questionnaires, assessments, answers and results. Thin: parse, ask
permissions, call one service or selector, serialise."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.maturity import presenters, services
from assessments.models import Response as ResponseModel
from vsm_site.api import error_responses
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
    answers = serializers.DictField(child=serializers.IntegerField(allow_null=True))
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
    disagreement = serializers.BooleanField()
    insufficient = serializers.BooleanField()
    target = serializers.IntegerField(allow_null=True)


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
    dimensions = ResultDimensionOut(many=True)


class AssessmentCreateSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    questionnaire = serializers.SlugField(default="vsm-maturity")
    period = serializers.CharField(max_length=20)
    version = serializers.IntegerField(required=False, min_value=1)
    due_date = serializers.DateField(required=False)


class AssessmentListView(APIView):
    @extend_schema(
        request=AssessmentCreateSerializer,
        responses={201: AssessmentOut, **error_responses(400, 401, 403, 404, 409, 415)},
    )
    def post(self, request):
        payload = AssessmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
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


class ResponseSaveSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.JSONField(), required=False)
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    evidence = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    dora = serializers.DictField(required=False, help_text=(
        "deployment_frequency / lead_time / time_to_restore: a survey option key; "
        "change_failure_rate / rework_rate: percent"))  # fmt: skip


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
        if not isinstance(request.data, dict):
            raise Invalid("The body must be a JSON object with 'answers' and/or 'comments'.")
        unknown = set(request.data) - {"answers", "comments", "evidence", "dora"}
        if unknown:
            raise Invalid(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        dora_answers = request.data.get("dora")
        if dora_answers is not None and not isinstance(dora_answers, dict):
            raise Invalid("dora must be an object of metric answers.", field="dora")
        with transaction.atomic():
            services.save_answers(
                request.user,
                assessment,
                answers=request.data.get("answers"),
                comments=request.data.get("comments"),
                evidence=request.data.get("evidence"),
            )
            if dora_answers:
                services.save_survey_answers(request.user, assessment, dora_answers)
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


class AssessmentTargetsView(APIView):
    @extend_schema(request=inline_serializer("Targets", {
        "targets": serializers.DictField(child=serializers.IntegerField())}),
        responses={200: AssessmentOut, **error_responses(400, 401, 403, 404, 415)})  # fmt: skip
    def put(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        targets = request.data.get("targets") if isinstance(request.data, dict) else None
        if not isinstance(targets, dict):
            raise Invalid('The body must be {"targets": {"dimension_key": level}}.')
        services.set_targets(request.user, assessment, targets)
        return Response(presenters.assessment_json(assessment))


class AssessmentResultView(APIView):
    @extend_schema(responses={200: ResultOut, **error_responses(401, 404)})
    def get(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        result = getattr(assessment, "result", None)
        if result is None:
            raise NotFound("This assessment is still open; its result exists once it is closed.")
        show_spread = not result.low_confidence or permissions.can_administer(
            request.user, assessment.team.organization
        )
        return Response(presenters.result_json(result, show_spread=show_spread))

"""REST API for roadmap PDF reports."""

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import dora, permissions
from assessments.api import error_responses
from assessments.errors import Conflict, Invalid, NotAllowed, NotFound

from . import services, views
from .models import RoadmapReport


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "rendering", "ready", "failed"])
    team = serializers.IntegerField(allow_null=True)
    period = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    checksum = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    download_url = serializers.CharField(allow_null=True)


class ReportCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class TooManyReportsOut(serializers.Serializer):
    """429: a limit on PDFs in flight is reached; ``retry_after`` repeats the Retry-After
    header (seconds)."""

    detail = serializers.CharField()
    retry_after = serializers.IntegerField()


def report_json(request, report):
    ready = report.status == RoadmapReport.READY
    return {
        "id": report.id,
        "kind": report.kind,
        "status": report.status,
        "team": report.team_id,
        "period": report.period,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "duration_seconds": report.duration_seconds,
        "checksum": report.checksum or None,
        "error": report.error or None,
        "download_url": request.build_absolute_uri(
            reverse("api_roadmap_report_pdf", args=[report.id])
        )
        if ready
        else None,
    }


class AssessmentRoadmapReportsView(APIView):
    """Request the roadmap PDF of a closed assessment: 202 with the report to poll. Asking
    again answers with the same report while it is in flight, or ready and the roadmap
    unchanged. 429 with Retry-After when the caller or their organisation already has as many
    PDFs in flight as allowed."""

    @extend_schema(
        request=None,
        responses={
            202: ReportCreatedOut,
            429: TooManyReportsOut,
            **error_responses(401, 403, 404, 409),
        },
        parameters=[
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds to wait before asking again.",
            )
        ],
    )
    def post(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        result = getattr(assessment, "result", None)
        if result is None:
            raise Conflict("This assessment is still open; a roadmap needs its closed result.")
        services.generate_roadmap(result)
        try:
            report, _ = services.request_roadmap_report(request.user, result)
        except services.TooManyReports as exc:
            return Response(
                {"detail": exc.message, "retry_after": exc.retry_after},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )
        return Response({"id": report.id, "status": report.status}, status=status.HTTP_202_ACCEPTED)


class RoadmapReportView(APIView):
    @extend_schema(responses={200: ReportOut, **error_responses(401, 404)})
    def get(self, request, report_id):
        report = views.visible_report_or_404(request.user, report_id)
        return Response(report_json(request, report))


class RoadmapReportPdfView(APIView):
    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **error_responses(401, 404, 409),
        }
    )
    def get(self, request, report_id):
        report = views.visible_report_or_404(request.user, report_id)
        if report.status != RoadmapReport.READY or not report.file:
            raise Conflict(f"The report is {report.status}; download it when it is ready.")
        try:
            handle = report.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file of this report is missing; request it again.") from None
        return FileResponse(
            handle,
            as_attachment=True,
            filename=services.report_filename(report),
            content_type="application/pdf",
        )


class ComparisonTeamOut(serializers.Serializer):
    team = serializers.DictField()
    period = serializers.CharField(allow_null=True)
    overall_score = serializers.FloatField(allow_null=True)
    overall_level = serializers.IntegerField(allow_null=True)
    dimensions = serializers.DictField(child=serializers.FloatField(allow_null=True))
    dora = serializers.DictField(child=serializers.CharField(allow_null=True))
    dora_overall = serializers.CharField(allow_null=True)
    dora_self_assessed_differs = serializers.BooleanField()
    previous_overall_score = serializers.FloatField(allow_null=True)
    flow_efficiency = serializers.FloatField(allow_null=True)
    bottleneck = serializers.CharField(allow_null=True)
    reviewed = serializers.BooleanField()


class ComparisonOut(serializers.Serializer):
    period = serializers.CharField(allow_null=True)
    questionnaire = serializers.CharField()
    versions = serializers.ListField(child=serializers.CharField())
    benchmark = serializers.CharField()
    dimensions = serializers.ListField(child=serializers.DictField())
    teams = ComparisonTeamOut(many=True)


class ComparisonView(APIView):
    """Every team of the caller's organisation (or a group) for a period: CoE analysts and
    organisation admins only."""

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, description="e.g. 2026-Q4"),
            OpenApiParameter("group", OpenApiTypes.STR, description="group id or name"),
            OpenApiParameter("organization", OpenApiTypes.STR, description="organisation slug"),
            OpenApiParameter("benchmark", OpenApiTypes.STR),
        ],
        responses={200: ComparisonOut, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        from assessments.models import TeamGroup
        from assessments.periods import PeriodError, parse_period

        from . import comparison

        organizations = list(permissions.analysable_organizations(request.user))
        if not organizations:
            raise NotAllowed("Only CoE analysts and organisation admins compare teams.")
        organization = organizations[0]
        slug = request.query_params.get("organization")
        if slug:
            organization = next((o for o in organizations if o.slug == slug), None)
            if organization is None:
                raise NotFound(f"No organisation {slug!r} you may compare.")
        period = request.query_params.get("period") or None
        if period:
            try:
                parse_period(period)
            except PeriodError as exc:
                raise Invalid(str(exc), field="period") from None
        group = None
        wanted = request.query_params.get("group")
        if wanted:
            groups = TeamGroup.objects.filter(organization=organization)
            group = (groups.filter(pk=wanted).first() if wanted.isdigit() else None) or (
                groups.filter(name=wanted).first()
            )
            if group is None:
                raise Invalid(f"No group {wanted!r} in {organization.name}.", field="group")
        data = comparison.cached_comparison(
            organization, period, group, benchmark_key=request.query_params.get("benchmark")
        )
        return Response(
            {
                "period": period,
                "questionnaire": data.questionnaire_key,
                "versions": data.versions,
                "benchmark": data.benchmark.key,
                "dimensions": [{"key": k, "name": n} for k, n in data.columns],
                "teams": [_comparison_team(row) for row in data.rows],
            }
        )


def _comparison_team(row):
    measured = row.dora_measured or {}
    flow = row.flow or {}
    return {
        "team": {
            "id": row.team.id,
            "name": row.team.name,
            "group": row.team.group.name if row.team.group else None,
        },
        "period": row.result.period if row.result else None,
        "overall_score": row.overall_score,
        "overall_level": row.overall_level,
        "dimensions": row.dimensions,
        "dora": {m: (measured.get("tiers") or {}).get(m) for m in dora.METRICS},
        "dora_overall": measured.get("overall"),
        "dora_self_assessed_differs": bool(row.dora_gaps),
        "previous_overall_score": row.previous.overall_score if row.previous else None,
        "flow_efficiency": flow.get("flow_efficiency"),
        "bottleneck": flow.get("bottleneck"),
        "reviewed": bool(row.result and row.result.reviewed_at),
    }

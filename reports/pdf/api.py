"""REST API for roadmap PDF reports."""

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from reports.models import RoadmapReport
from reports.pdf import services, views
from reports.roadmap import services as roadmap_services
from vsm_site.api import error_responses
from vsm_site.domain_errors import Conflict


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
        roadmap_services.generate_roadmap(result)
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

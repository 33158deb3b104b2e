"""REST API for roadmap PDF reports."""

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.errors import Conflict

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
    """Request the roadmap PDF of a closed assessment: 202 with the report to poll."""

    @extend_schema(request=None, responses={202: ReportCreatedOut})
    def post(self, request, assessment_id):
        assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
        result = getattr(assessment, "result", None)
        if result is None:
            raise Conflict("This assessment is still open; a roadmap needs its closed result.")
        services.generate_roadmap(result)
        report, _ = services.request_roadmap_report(request.user, result)
        return Response({"id": report.id, "status": report.status}, status=status.HTTP_202_ACCEPTED)


class RoadmapReportView(APIView):
    @extend_schema(responses=ReportOut)
    def get(self, request, report_id):
        report = views.visible_report_or_404(request.user, report_id)
        return Response(report_json(request, report))


class RoadmapReportPdfView(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
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

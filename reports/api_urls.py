from django.urls import path

from reports.coe import api as coe_api
from reports.pdf import api

urlpatterns = [
    path("comparison/", coe_api.ComparisonView.as_view(), name="api_comparison"),
    path(
        "assessments/<int:assessment_id>/roadmap-reports/",
        api.AssessmentRoadmapReportsView.as_view(),
        name="api_assessment_roadmap_reports",
    ),
    path(
        "roadmap-reports/<int:report_id>/",
        api.RoadmapReportView.as_view(),
        name="api_roadmap_report",
    ),
    path(
        "roadmap-reports/<int:report_id>/pdf/",
        api.RoadmapReportPdfView.as_view(),
        name="api_roadmap_report_pdf",
    ),
]

"""Roadmap and portfolio PDFs: asking for one, its progress, the download; the portfolio page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.maturity import selectors
from reports.models import RoadmapReport
from reports.pdf import services
from vsm_site.http import reported


@login_required
@require_POST
def roadmap_report_request(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    result = selectors.latest_result(team)
    if result is None:
        messages.error(request, "There is no closed assessment to build a roadmap from yet.")
        return redirect("team_roadmap", team_id=team.id)
    with reported(request):
        report, created = services.request_roadmap_report(request.user, result)
        if created:
            messages.info(request, "Your PDF is being prepared; it appears below when ready.")
        elif report.status == RoadmapReport.READY:
            messages.info(request, "This PDF is up to date with the roadmap; download it below.")
        else:
            messages.info(
                request, "This PDF is already being prepared; it appears below when ready."
            )
    return redirect(f"/teams/{team.id}/roadmap/#reports")


def visible_report_or_404(user, report_id):
    try:
        report = RoadmapReport.objects.select_related(
            "team__organization", "organization", "group", "requested_by"
        ).get(pk=report_id)
    except (RoadmapReport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such report.") from None
    if report.kind == RoadmapReport.ROADMAP:
        allowed = report.team is not None and permissions.can_view_team(user, report.team)
    else:
        allowed = permissions.can_analyse(user, report.organization)
    if not allowed:
        raise Http404("No such report.")
    return report


@login_required
def report_status(request, report_id):
    """The report's row, for htmx polling: it keeps polling while the report is in flight."""
    report = visible_report_or_404(request.user, report_id)
    return render(request, "reports/_report_row.html", {"report": report})


@login_required
def report_download(request, report_id):
    report = visible_report_or_404(request.user, report_id)
    if report.status != RoadmapReport.READY or not report.file:
        raise Http404("This report is not ready.")
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


@login_required
def portfolio(request):
    """CoE portfolio PDFs: request one for the organisation or a group, follow its progress."""
    organizations = list(permissions.analysable_organizations(request.user))
    if not organizations:
        raise PermissionDenied("Only CoE analysts and organisation admins see portfolios.")
    organization = organizations[0]
    if request.GET.get("org") or request.POST.get("org"):
        wanted = request.GET.get("org") or request.POST.get("org")
        organization = next((o for o in organizations if str(o.id) == wanted), None)
        if organization is None:
            raise Http404("No such organisation.")
    groups = list(organization.groups.order_by("name"))
    if request.method == "POST":
        group = None
        if request.POST.get("group"):
            group = next((g for g in groups if str(g.id) == request.POST["group"]), None)
            if group is None:
                messages.error(request, "Choose a group of this organisation.")
                return redirect("portfolio")
        with reported(request):
            report, created = services.request_portfolio_report(
                request.user, organization, group, period=""
            )
            scope = group.name if group else organization.name
            if created:
                messages.info(request, f"The portfolio of {scope} is being prepared.")
            elif report.status == RoadmapReport.READY:
                messages.info(
                    request, f"The portfolio of {scope} is up to date; download it below."
                )
            else:
                messages.info(request, f"The portfolio of {scope} is already being prepared.")
        return redirect("portfolio")
    reports = list(
        RoadmapReport.objects.filter(kind=RoadmapReport.PORTFOLIO, organization=organization)
        .select_related("group", "organization", "requested_by")
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "reports/portfolio.html",
        {
            "organization": organization,
            "organizations": organizations,
            "groups": groups,
            "reports": reports,
        },
    )

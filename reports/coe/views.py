"""The CoE dashboard, exports, result review and the team history page."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.audit import trail as audit
from assessments.data_version import bump as bump_data_version
from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.dora.services import benchmark_context
from assessments.levels import LEVEL_NAMES
from assessments.models import Organization, Result, TeamGroup
from assessments.periods import PeriodError, parse_period, shift_period
from reports.coe import comparison, exports, heatmap, history, progress
from vsm_site import caching, charts
from vsm_site.domain_errors import DomainError, Invalid
from vsm_site.http import attachment_header, download_filename, reported

HEATMAP_PAGE_SIZE = 100  # teams per page of the heatmap (and of the default view)
DORA_VIEWS = (Organization.DORA_VIEW_COMPARISON, Organization.DORA_VIEW_TIERS)


def _memo(derived, kind, key, compute):
    """``compute()`` memoised in the cached comparison's ``derived`` dict, the newest
    ``caching.DERIVED_MEMO_SIZE`` per kind: what depends only on the comparison and the
    filters is computed once."""
    memo = derived.get(kind)
    if memo is None:
        memo = derived.setdefault(kind, caching.ProcessMemo(size=caching.DERIVED_MEMO_SIZE))
    return memo.get_or_build(key, compute)


def _without_page(params):
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


def coe_scope(request):
    """The organisation (and optional group and period) the CoE pages look at, from the query
    string; only organisations the user may analyse. Raises PermissionDenied / DomainError."""
    organizations = list(permissions.analysable_organizations(request.user))
    if not organizations:
        raise PermissionDenied("Only CoE analysts and organisation admins compare teams.")
    organization = organizations[0]
    wanted = request.GET.get("org")
    if wanted:
        organization = next((o for o in organizations if str(o.id) == wanted), None)
        if organization is None:
            raise Http404("No such organisation.")
    group = None
    if request.GET.get("group"):
        group = TeamGroup.objects.filter(
            organization=organization, pk=request.GET["group"]
        ).first() if request.GET["group"].isdigit() else None  # fmt: skip
        if group is None:
            raise DomainError("Choose a group of this organisation.")
    period = request.GET.get("period") or None
    if period:
        try:
            parse_period(period)
        except PeriodError as exc:
            raise DomainError(str(exc)) from None
    return organizations, organization, group, period


def dora_settings(request, organization):
    """The DORA view ("comparison": the 2025 comparison; "tiers": the tiers of a benchmark
    year) and the 2025 segment the CoE pages show: the page's ``view`` and ``segment``
    parameters, else the organisation's settings. Raises Invalid for an unknown one."""
    view = request.GET.get("view") or organization.dora_view or DORA_VIEWS[0]
    if view not in DORA_VIEWS:
        raise Invalid(f"Choose the DORA view {' or '.join(DORA_VIEWS)}.", field="view")
    return view, dora_segment(request, organization)


def dora_segment(request, organization):
    """The DORA 2025 segment: the page's ``segment``, else the organisation's. Raises
    Invalid for an unknown one."""
    try:
        return dora_services.resolve_segment(request.GET.get("segment"), organization)
    except quickcheck.UnknownSegment as exc:
        raise Invalid(str(exc), field="segment") from None


@login_required
def dashboard(request):
    data = None
    with reported(request):
        organizations, organization, group, period = coe_scope(request)
        dora_view, segment = dora_settings(request, organization)
        benchmark_key = request.GET.get("benchmark") or None
        data = comparison.cached_comparison(organization, period, group,
                                           benchmark_key=benchmark_key)  # fmt: skip
    if data is None:
        return redirect("coe_dashboard")
    sort = request.GET.get("sort", "team")
    direction = "desc" if request.GET.get("dir") == "desc" else "asc"
    reviewed = {"yes": True, "no": False}.get(request.GET.get("reviewed", ""))
    query = request.GET.get("q", "").strip()
    gaps_only = request.GET.get("gaps") == "1"
    segment_key = quickcheck.segment_value(segment)
    other_view = DORA_VIEWS[1] if dora_view == DORA_VIEWS[0] else DORA_VIEWS[0]
    # Everything below depends only on the (cached) comparison, the filters and the page, so
    # it is memoised on the comparison: a repeated view of an unchanged organisation renders
    # from memory.
    filters = (query, gaps_only, reviewed)
    view_key = (sort, direction, *filters, dora_view)
    ordered = _memo(
        data.derived,
        "ordered",
        view_key,
        lambda: comparison.sort_and_filter(data.rows, sort, direction, query,
                                           gaps_only=gaps_only, reviewed=reviewed,
                                           dora_view=dora_view),
    )  # fmt: skip
    page = Paginator(ordered, HEATMAP_PAGE_SIZE).get_page(request.GET.get("page"))
    # The heatmap's DORA column follows the view: the measured tier, or the 2025 overall
    # score and band against the segment.
    dora_cell, dora_name = None, None
    if dora_view == "comparison":
        dora_cell = functools.partial(_heatmap_band_cell, segment=segment)
        dora_name = f"DORA 2025 overall (measured, against {segment.label})"
    heatmap_rows = _memo(
        data.derived,
        "heatmap",
        (*view_key, segment_key, page.number),
        lambda: heatmap.render_rows(page.object_list, data.columns, period, dora_cell),
    )
    # The default view: each team against itself, in name order whatever the heatmap's sort
    # (a page of teams, never a ranking).
    by_name = _memo(
        data.derived,
        "ordered",
        ("team", "asc", *filters, dora_view),
        lambda: comparison.sort_and_filter(
            data.rows, "team", "asc", query, gaps_only=gaps_only, reviewed=reviewed
        ),
    )
    teams_page = Paginator(by_name, HEATMAP_PAGE_SIZE).get_page(request.GET.get("page"))
    page_key = (*filters, teams_page.number, dora_view, segment_key)
    team_context = _memo(
        data.derived,
        "progress",
        page_key,
        lambda: _progress_context(data, teams_page.object_list, dora_view, segment),
    )
    progress_html = _memo(
        data.derived,
        "progress_html",
        page_key,
        lambda: render_to_string("reports/_coe_progress.html", team_context),
    )
    dora_html = _memo(
        data.derived,
        "dora_html",
        page_key,
        lambda: render_to_string("reports/_coe_dora.html", team_context),
    )
    summary = _memo(
        data.derived,
        "summary",
        (dora_view, segment_key),
        lambda: _render_summary(data, organization, group, period, dora_view, segment),
    )
    context = {
        "organizations": organizations,
        "organization": organization,
        "group": group,
        "groups": list(organization.groups.order_by("name")),
        "period": period,
        "data": data,
        "rows": page.object_list,
        "page": page,
        "page_query": _without_page(request.GET),
        "heatmap_rows": heatmap_rows,
        "heatmap_header": heatmap.render_header(
            data.columns, sort, direction, request.GET.urlencode(), dora_name
        ),
        "progress_html": progress_html,
        "dora_html": dora_html,
        "citation": quickcheck.CITATION,
        "benchmark_key": benchmark_key or data.benchmark.key,
        "dora_view": dora_view,
        "dora_views": Organization.DORA_VIEW_CHOICES,
        "segment": segment,
        "segment_key": segment_key,
        "segment_choices": quickcheck.segment_choices(),
        "other_view_query": _with(request.GET, view=other_view),
        "row_count": len(data.rows),
        "sort": sort,
        "direction": direction,
        "query": query,
        "gaps_only": gaps_only,
        "reviewed": request.GET.get("reviewed", ""),
        "tier_labels": dora.TIER_LABELS,
        "level_names": LEVEL_NAMES,
        "querystring": request.GET.urlencode(),
        **summary,
    }
    return render(request, "reports/coe_dashboard.html", context)


def _heatmap_band_cell(row, segment):
    scored = comparison.dora_2025(row.dora_measured, segment)
    compared = scored["comparison"].get("overall") if scored else None
    return heatmap.band_cell(compared, progress.SHORT_BAND_LABELS)


def _with(params, **values):
    """The query string with ``values`` set, on its first page."""
    params = params.copy()
    params.pop("page", None)
    for key, value in values.items():
        params[key] = value
    return params.urlencode()


def _progress_context(data, rows, dora_view, segment):
    """The default view's rows (``progress.team_progress``) and the DORA table's columns:
    the five metrics in DORA's two factors, named as the 2025 report names them (comparison
    view) or as the benchmark's year does (tiers view)."""
    year = int(quickcheck.EDITION) if dora_view == "comparison" else data.benchmark.year
    factors = [
        (key, label, [(m, _metric_name(m, year)) for m in metrics])
        for key, label, metrics in quickcheck.FACTORS
    ]
    return {
        "teams": [progress.team_progress(row, segment, data.dimension_names) for row in rows],
        "dora_view": dora_view,
        "segment": segment,
        "citation": quickcheck.CITATION,
        "benchmark": data.benchmark,
        "factors": factors,
        "period": data.period,
        "tier_labels": dora.TIER_LABELS,
        "short_bands": progress.SHORT_BAND_LABELS,
    }


def _metric_name(metric, year):
    return dora.REWORK_RATE_LABEL if metric == dora.REWORK_RATE else dora.metric_label(metric, year)


def _render_summary(data, organization, group, period, dora_view, segment):
    summary = _dashboard_summary(data, organization, group, period, dora_view, segment)
    summary["summary_html"] = render_to_string(
        "reports/_coe_summary.html", {**summary, "data": data, "organization": organization}
    )
    return summary


def _dashboard_summary(data, organization, group, period, dora_view="tiers", segment=None):
    """The dashboard's figures and charts that do not depend on sorting or filtering (the DORA
    chart: teams per tier, or per DORA 2025 band against ``segment`` in the comparison view)."""
    previous_rows = comparison.previous_period_rows(data)
    previous_period = shift_period(period, -1) if previous_rows is not None else None
    levels = comparison.distribution(data.rows, previous_rows, "level")
    scope = group.name if group else organization.name
    teams = f"{len(data.rows)} team{'' if len(data.rows) == 1 else 's'}"
    level_chart = _distribution_chart(
        levels, previous_period, period,
        f"{scope}: {teams} per overall maturity level", "coe-levels",
    )  # fmt: skip
    if dora_view == "comparison":
        dora_dist = comparison.distribution(data.rows, previous_rows, "band", segment=segment)
        dora_chart = _distribution_chart(
            dora_dist, previous_period, period,
            f"{scope}: {teams} per DORA 2025 band (overall, against {segment.label})",
            "coe-bands",
        )  # fmt: skip
    else:
        dora_dist = comparison.distribution(data.rows, previous_rows, "tier")
        dora_chart = _distribution_chart(
            dora_dist, previous_period, period,
            f"{scope}: {teams} per DORA tier ({data.benchmark.name})", "coe-tiers",
        )  # fmt: skip
    trend = comparison.cached_trend(organization, group=group)
    periods = list(
        Result.objects.filter(team__organization=organization)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )
    trend_chart = ""
    if trend:
        trend_chart = charts.line_chart(
            comparison.trend_labels(trend),
            [
                charts.Series("Median", [t["median"] for t in trend]),
                charts.Series("Lower quartile", [t["q1"] for t in trend], style="dashed"),
                charts.Series("Upper quartile", [t["q3"] for t in trend], style="dotted"),
            ],
            title=f"{scope}: overall maturity per period",
            description=(
                "Median and quartiles of the teams' overall scores per period; n is the number "
                "of teams with a result. Periods with fewer than "
                f"{comparison.TREND_MIN_TEAMS} teams are not drawn."
            ),
            band_labels=LEVEL_NAMES,
            id_prefix="coe-trend",
        )
    return {
        "periods": periods,
        "medians": comparison.median_row(data),
        "rollups": comparison.rollups(data),
        "movers": comparison.movers(data.rows),
        "trend": trend,
        "trend_min_teams": comparison.TREND_MIN_TEAMS,
        "levels": levels,
        "dora_dist": dora_dist,
        "dora_view": dora_view,
        "segment": segment,
        "period": period,
        "previous_period": previous_period,
        "level_chart": level_chart,
        "dora_chart": dora_chart,
        "trend_chart": trend_chart,
        **benchmark_context(data.benchmark),
    }


def _distribution_chart(dist, previous_period, period, title, id_prefix):
    """Teams per category: the selected period alone, or the previous one beside it (never
    stacked on it)."""
    labels = [label for _key, label in dist["categories"]]
    groups = [(period or "Latest result", dist["selected"], "#1f4e79", "solid")]
    if dist["previous"] is not None:
        groups.insert(0, (f"{previous_period} (previous)", dist["previous"], "#6f8fb0", "dashed"))
    return charts.grouped_bar_chart(labels, groups, title, id_prefix=id_prefix)


@login_required
def export(request, what, fmt):
    """CSV or XLSX of the comparison table or of the raw answers, for the same scope."""
    scope = None
    with reported(request):
        scope = coe_scope(request)
    if scope is None:
        return redirect("coe_dashboard")
    _, organization, group, period = scope
    if fmt not in ("csv", "xlsx") or what not in ("comparison", "answers"):
        raise Http404("No such export.")
    if what == "comparison":
        data = None
        with reported(request):
            segment = dora_segment(request, organization)
            data = comparison.cached_comparison(
                organization, period, group, benchmark_key=request.GET.get("benchmark") or None
            )
        if data is None:
            return redirect("coe_dashboard")
        table = _memo(
            data.derived,
            "export_table",
            quickcheck.segment_value(segment),
            lambda: exports.comparison_table(data, segment),
        )
    else:
        table = exports.answers_table(request.user, organization, period, group)
    content, content_type = exports.render(table, fmt)
    scope = group.name if group else organization.slug
    filename = download_filename(what, scope, period or "latest", ext=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return response


@login_required
@require_POST
def review_result(request, result_id):
    """A CoE analyst marks a closed result reviewed, with a note (or clears the mark)."""
    try:
        result = Result.objects.select_related("team__organization").get(pk=result_id)
    except Result.DoesNotExist:
        raise Http404("No such result.") from None
    if not permissions.can_view_team(request.user, result.team):
        raise Http404("No such result.")
    if not permissions.can_analyse(request.user, result.team.organization):
        raise PermissionDenied("Only CoE analysts and organisation admins review results.")
    note = request.POST.get("note", "").strip()[:2000]
    before = audit.snapshot([result])  # QuerySet.update skips auditlog's signals
    if request.POST.get("clear"):
        Result.objects.filter(pk=result.pk).update(reviewed_at=None, reviewed_by=None,
                                                   review_note="")  # fmt: skip
        messages.success(request, "Review mark removed.")
    else:
        Result.objects.filter(pk=result.pk).update(
            reviewed_at=timezone.now(), reviewed_by=request.user, review_note=note
        )
        messages.success(request, "Result marked reviewed.")
    bump_data_version(team_id=result.team_id)  # .update() sends no signal
    result.refresh_from_db()
    audit.record([result], before)
    return redirect("result_page", assessment_id=result.assessment_id)


@login_required
def team_history(request, team_id):
    """The team's history. Its content is the same for everyone who may see the team, and
    changes only with the organisation's data version (results, reviews, DORA snapshots, maps,
    roadmaps, team edits): rendered once per version, kept in the cache."""
    team = permissions.get_visible_team_or_404(request.user, team_id)
    body = caching.kept(
        caching.history_body_key(team.id, team.organization.data_version),
        caching.HISTORY_BODY_SECONDS,
        lambda: render_to_string("reports/_team_history_body.html", history.history_context(team)),
    )
    return render(request, "reports/team_history.html", {"team": team, "body": mark_safe(body)})

"""REST API for the CoE comparison of an organisation's teams."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import quickcheck
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.dora.api import (
    QuickCheckComparisonOut,
    QuickCheckScoresOut,
    QuickCheckSegmentOut,
    quick_check_payload,
)
from assessments.periods import PERIOD_RE, PeriodError, parse_period
from vsm_site import caching
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound


class TeamDora2025Out(serializers.Serializer):
    period = serializers.CharField(help_text="The period of the measured figures.")
    scores = QuickCheckScoresOut()
    comparison = serializers.DictField(
        child=QuickCheckComparisonOut(),
        help_text="overall, throughput, stability and each metric present, against the segment.",
    )


class Dora2025Out(serializers.Serializer):
    edition = serializers.CharField()
    segment = QuickCheckSegmentOut()
    citation = serializers.CharField()


class ComparisonTeamOut(serializers.Serializer):
    team = serializers.DictField()
    period = serializers.CharField(allow_null=True)
    overall_score = serializers.FloatField(allow_null=True)
    overall_level = serializers.IntegerField(allow_null=True)
    overall_incomplete = serializers.BooleanField(
        help_text="Dimensions scored, but too little of the weight for an overall score."
    )
    dimensions = serializers.DictField(child=serializers.FloatField(allow_null=True))
    dora = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="Measured tier per metric against the benchmark (benchmark_year).",
    )
    dora_overall = serializers.CharField(allow_null=True)
    dora_2025 = TeamDora2025Out(
        allow_null=True,
        help_text="DORA 2025 scores (0-10) of the measured figures and their comparison with "
        "the segment (dora_2025.segment); null without measured figures.",
    )
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
    benchmark_year = serializers.IntegerField(allow_null=True, help_text="The tiers' report year.")
    dora_2025 = Dora2025Out()
    dimensions = serializers.ListField(child=serializers.DictField())
    teams = ComparisonTeamOut(many=True)


class ComparisonQuery(RequestSerializer):
    unknown = None  # other parameters are ignored

    period = serializers.RegexField(
        PERIOD_RE.pattern,
        required=False,
        allow_blank=True,
        help_text="A quarter, e.g. 2026-Q4; default: each team's latest result.",
    )
    group = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="A group's id or name."
    )
    organization = serializers.CharField(
        required=False, allow_blank=True, help_text="An organisation's slug."
    )
    # Checked by dora_services.resolve_benchmark when the comparison is built.
    benchmark = ServiceChecked(
        serializers.ChoiceField(
            choices=list(dora.benchmark_sets()), required=False, allow_blank=True
        )
    )

    segment = ServiceChecked(
        serializers.ChoiceField(
            choices=[value for _kind, options in quickcheck.segment_choices()
                     for value, _label in options],
            required=False,
            allow_blank=True,
            help_text="What DORA 2025 scores are compared with: industry:<key> or "
            "org_size:<key>; default: the organisation's setting.",
        )
    )  # fmt: skip

    def check(self, data):
        params = {name: data[name] for name in self.fields if name in data}
        if params.get("segment"):
            try:
                quickcheck.parse_segment(params["segment"])
            except quickcheck.UnknownSegment as exc:
                raise Invalid(str(exc), field="segment") from None
        if params.get("period"):
            try:
                parse_period(params["period"])
            except PeriodError as exc:
                raise Invalid(str(exc), field="period") from None
        return params


class ComparisonView(APIView):
    """Every team of the caller's organisation (or a group) for a period: CoE analysts and
    organisation admins only."""

    @extend_schema(
        parameters=[ComparisonQuery],
        responses={200: ComparisonOut, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        from assessments.models import TeamGroup
        from reports.coe import comparison

        organizations = list(permissions.analysable_organizations(request.user))
        if not organizations:
            raise NotAllowed("Only CoE analysts and organisation admins compare teams.")
        organization = organizations[0]
        slug = request.query_params.get("organization")
        if slug:
            organization = next((o for o in organizations if o.slug == slug), None)
            if organization is None:
                raise NotFound(f"No organisation {slug!r} you may compare.")
        query = ComparisonQuery.validated(request.query_params)
        period = query.get("period") or None
        group = None
        wanted = query.get("group")
        if wanted:
            groups = TeamGroup.objects.filter(organization=organization)
            group = (groups.filter(pk=wanted).first() if wanted.isdigit() else None) or (
                groups.filter(name=wanted).first()
            )
            if group is None:
                raise Invalid(f"No group {wanted!r} in {organization.name}.", field="group")
        data = comparison.cached_comparison(
            organization, period, group, benchmark_key=query.get("benchmark")
        )
        segment = dora_services.resolve_segment(query.get("segment"), organization)
        # The teams' part depends only on the comparison and the segment: kept with the cached
        # comparison, so a repeated request renders JSON and nothing else (500 teams' DORA 2025
        # comparisons were most of the time).
        memo = data.derived.get("api_teams")
        if memo is None:
            memo = data.derived.setdefault(
                "api_teams", caching.ProcessMemo(size=caching.DERIVED_MEMO_SIZE)
            )
        teams = memo.get_or_build(
            quickcheck.segment_value(segment),
            lambda: [_comparison_team(row, segment) for row in data.rows],
        )
        return Response(
            {
                "period": period,
                "questionnaire": data.questionnaire_key,
                "versions": data.versions,
                "benchmark": data.benchmark.key,
                "benchmark_year": data.benchmark.year,
                "dora_2025": {
                    "edition": quickcheck.EDITION,
                    "segment": {"kind": segment.kind, "key": segment.key, "label": segment.label},
                    "citation": quickcheck.CITATION,
                },
                "dimensions": [{"key": k, "name": n} for k, n in data.columns],
                "teams": teams,
            }
        )


def _comparison_team(row, segment):
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
        "overall_incomplete": row.overall_incomplete,
        "dimensions": row.dimensions,
        "dora": {m: (measured.get("tiers") or {}).get(m) for m in dora.METRICS},
        "dora_overall": measured.get("overall"),
        "dora_2025": _dora_2025(row.dora_measured, segment),
        "dora_self_assessed_differs": bool(row.dora_gaps),
        "previous_overall_score": row.previous.overall_score if row.previous else None,
        "flow_efficiency": flow.get("flow_efficiency"),
        "bottleneck": flow.get("bottleneck"),
        "reviewed": bool(row.result and row.result.reviewed_at),
    }


def _dora_2025(measured, segment):
    """The measured figures' 2025 scores and comparison, as GET /api/v1/dora/quick-check/
    answers them."""
    if not measured:
        return None
    payload = quick_check_payload(
        {m: v for m, v in measured["values"].items() if v is not None}, segment
    )
    return {
        "period": measured["period"],
        "scores": payload["scores"],
        "comparison": payload["comparison"],
    }

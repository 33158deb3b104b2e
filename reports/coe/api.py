"""REST API for the CoE comparison of an organisation's teams."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import rules as dora
from assessments.periods import PERIOD_RE, PeriodError, parse_period
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses
from vsm_site.domain_errors import Invalid, NotAllowed, NotFound


class ComparisonTeamOut(serializers.Serializer):
    team = serializers.DictField()
    period = serializers.CharField(allow_null=True)
    overall_score = serializers.FloatField(allow_null=True)
    overall_level = serializers.IntegerField(allow_null=True)
    overall_incomplete = serializers.BooleanField(
        help_text="Dimensions scored, but too little of the weight for an overall score."
    )
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

    def check(self, data):
        params = {name: data[name] for name in self.fields if name in data}
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
        "overall_incomplete": row.overall_incomplete,
        "dimensions": row.dimensions,
        "dora": {m: (measured.get("tiers") or {}).get(m) for m in dora.METRICS},
        "dora_overall": measured.get("overall"),
        "dora_self_assessed_differs": bool(row.dora_gaps),
        "previous_overall_score": row.previous.overall_score if row.previous else None,
        "flow_efficiency": flow.get("flow_efficiency"),
        "bottleneck": flow.get("bottleneck"),
        "reviewed": bool(row.result and row.result.reviewed_at),
    }

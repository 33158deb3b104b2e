"""REST API for DORA benchmarks, classification, a team's computed metrics and manual entries."""

import math

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import quickcheck, token_auth
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from vsm_site.api import RequestSerializer, ServiceChecked, error_responses
from vsm_site.domain_errors import Invalid


class BenchmarkCellOut(serializers.Serializer):
    text = serializers.CharField(allow_null=True)


class BenchmarkOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    source = serializers.CharField()
    default = serializers.BooleanField()
    notes = serializers.ListField(child=serializers.CharField())
    rule = serializers.CharField()
    cells = serializers.DictField(child=serializers.DictField(child=serializers.CharField(
        allow_null=True)))  # fmt: skip
    unreachable = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def benchmark_json(bs):
    return {
        "key": bs.key,
        "name": bs.name,
        "year": bs.year,
        "source": bs.source,
        "default": bs.default,
        "notes": list(bs.notes),
        "rule": dora.explain_rule(bs),
        "cells": {
            metric: {
                tier: (bs.cell(metric, tier).text if bs.cell(metric, tier) else None)
                for tier in dora.TIERS
            }
            for metric in dora.METRICS
        },
        "unreachable": dora.unreachable_tiers(bs),
    }


class BenchmarkListView(APIView):
    @extend_schema(responses={200: BenchmarkOut(many=True), **error_responses(401)})
    def get(self, request):
        return Response([benchmark_json(bs) for bs in dora.benchmark_sets().values()])


class ScoreOut(serializers.Serializer):
    overall = serializers.FloatField(allow_null=True)
    throughput = serializers.FloatField(allow_null=True)
    stability = serializers.FloatField(allow_null=True)


class MetricOut(serializers.Serializer):
    value = serializers.FloatField()
    tier = serializers.CharField(allow_null=True)
    score = serializers.FloatField()


class ClassifyOut(serializers.Serializer):
    benchmark = serializers.CharField()
    metrics = serializers.DictField(child=MetricOut())
    overall = serializers.CharField(allow_null=True)
    score = ScoreOut()


PERCENT_METRICS = ("change_failure_rate", dora.REWORK_RATE)
MAX_WINDOW_DAYS = 365


def _benchmark_param():
    """The ``benchmark`` parameter: checked by ``dora_services.resolve_benchmark``."""
    return ServiceChecked(
        serializers.ChoiceField(
            choices=list(dora.benchmark_sets()),
            required=False,
            allow_blank=True,
            help_text="A benchmark set (default: the organisation's, else "
            f"{dora.DEFAULT_BENCHMARK}).",
        )
    )


def _benchmark_of(data):
    return {"benchmark": data["benchmark"]} if "benchmark" in data else {}


def _number(name, raw):
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be a number, not {raw!r}.", field=name) from None
    if not math.isfinite(value):
        raise Invalid(f"{name} must be a finite number.", field=name)
    if value < 0:
        raise Invalid(f"{name} cannot be negative.", field=name)
    if name in PERCENT_METRICS and value > dora.MAX_PERCENT:
        raise Invalid(f"{name} is a percentage: at most {dora.MAX_PERCENT}.", field=name)
    return value


class ClassifyQuery(RequestSerializer):
    """Metric values to classify, any subset (nothing is stored)."""

    unknown = "Unknown parameter(s): {names}."
    allowed_extra = frozenset({"format"})

    deployment_frequency = serializers.FloatField(
        required=False, min_value=0, help_text="Deployments per day."
    )
    lead_time = serializers.FloatField(required=False, min_value=0, help_text="Hours.")
    time_to_restore = serializers.FloatField(required=False, min_value=0, help_text="Hours.")
    change_failure_rate = serializers.FloatField(
        required=False, min_value=0, max_value=dora.MAX_PERCENT, help_text="Percent."
    )
    rework_rate = serializers.FloatField(
        required=False, min_value=0, max_value=dora.MAX_PERCENT, help_text="Percent (score only)."
    )
    benchmark = _benchmark_param()

    def check(self, data):
        values = {
            metric: _number(metric, data[metric])
            for metric in dora.SCORED_METRICS
            if data.get(metric) not in (None, "")
        }
        return {**values, **_benchmark_of(data)}


def classify_payload(values, benchmark):
    classified = dora_services.classify(values, benchmark)
    metrics = {}
    for metric, value in values.items():
        if value is None:
            continue
        metrics[metric] = {
            "value": value,
            "tier": classified["tiers"].get(metric),
            "score": dora.metric_score(metric, value),
        }
    return {
        "benchmark": benchmark.key,
        "metrics": metrics,
        "overall": classified["overall"],
        "score": classified["score"],
    }


class ClassifyView(APIView):
    """Classify any subset of metric values against a benchmark set (no data is stored)."""

    @extend_schema(
        parameters=[ClassifyQuery], responses={200: ClassifyOut, **error_responses(400, 401)}
    )
    def get(self, request):
        query = ClassifyQuery.validated(request.query_params)
        benchmark = dora_services.resolve_benchmark(query.pop("benchmark", None))
        return Response(classify_payload(dict(query), benchmark))


# --- the 2025 comparison (DORA Quick Check 2025 benchmarks) --------------------------------


class QuickCheckQuery(ClassifyQuery):
    """Metric values (any subset) and at most one segment; nothing is stored."""

    benchmark = None
    industry = ServiceChecked(
        serializers.ChoiceField(
            choices=list(quickcheck.segment_keys("industry")),
            required=False,
            help_text="Compare with this industry (default: all industries).",
        )
    )
    org_size = ServiceChecked(
        serializers.ChoiceField(
            choices=list(quickcheck.segment_keys("org_size")),
            required=False,
            help_text="Compare with organisations of this size (instead of an industry).",
        )
    )

    def check(self, data):
        values = {
            metric: _number(metric, data[metric])
            for metric in dora.SCORED_METRICS
            if data.get(metric) not in (None, "")
        }
        industry, size = data.get("industry"), data.get("org_size")
        if industry and size:
            raise Invalid("Give industry or org_size, not both.", field="org_size")
        kind, key, field = (
            ("org_size", size, "org_size") if size else ("industry", industry or "all", "industry")
        )
        try:
            quickcheck.get_segment(kind, key)
        except quickcheck.UnknownSegment as exc:
            raise Invalid(str(exc), field=field) from None
        return {**values, kind: key}


class QuickCheckSegmentOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=quickcheck.SEGMENT_KINDS)
    key = serializers.CharField()
    label = serializers.CharField()


class QuickCheckScoresOut(serializers.Serializer):
    overall = serializers.FloatField(allow_null=True)
    throughput = serializers.FloatField(allow_null=True)
    stability = serializers.FloatField(allow_null=True)
    metrics = serializers.DictField(child=serializers.FloatField())


class QuickCheckComparisonOut(serializers.Serializer):
    mean = serializers.FloatField()
    sd = serializers.FloatField()
    z = serializers.FloatField()
    band = serializers.ChoiceField(choices=[key for key, _ in quickcheck.BANDS])


class QuickCheckOut(serializers.Serializer):
    edition = serializers.CharField()
    segment = QuickCheckSegmentOut()
    scores = QuickCheckScoresOut()
    comparison = serializers.DictField(
        child=QuickCheckComparisonOut(),
        help_text="overall, throughput, stability and each metric present.",
    )


def quick_check_payload(values, segment):
    """The 2025 comparison of metric values against a segment, as the API shows it (scores to
    2 decimals, as the Quick Check prints them)."""
    team_scores = quickcheck.scores(values)

    def r2(value):
        return None if value is None else round(value, 2)

    return {
        "edition": quickcheck.EDITION,
        "segment": {"kind": segment.kind, "key": segment.key, "label": segment.label},
        "scores": {
            "overall": r2(team_scores.overall),
            "throughput": r2(team_scores.throughput),
            "stability": r2(team_scores.stability),
            "metrics": {m: r2(v) for m, v in team_scores.metrics.items()},
        },
        "comparison": {
            aspect: c.as_dict() for aspect, c in quickcheck.compare(team_scores, segment).items()
        },
    }


class QuickCheckView(APIView):
    """DORA's 2025 Quick Check scores of any subset of the five metrics, compared with the
    published 2025 mean and standard deviation of an industry or an organisation size
    ("DORA Quick Check 2025 benchmarks"). Bands: under -1 sd well below typical, -1 to -0.5
    below, -0.5 to 0.5 typical, 0.5 to 1 above, over 1 well above. For organisation sizes the
    published recovery column is read as 10 - value (it is stored in the other direction)."""

    @extend_schema(
        parameters=[QuickCheckQuery], responses={200: QuickCheckOut, **error_responses(400, 401)}
    )
    def get(self, request):
        query = dict(QuickCheckQuery.validated(request.query_params))
        kind = "org_size" if "org_size" in query else "industry"
        segment = quickcheck.get_segment(kind, query.pop(kind, "all"))
        query.pop("industry", None)
        return Response(quick_check_payload(query, segment))


class TeamDoraQuery(RequestSerializer):
    unknown = None  # other parameters are ignored

    window_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        default=dora_services.DEFAULT_WINDOW_DAYS,
        help_text="The days up to now the metrics are computed over.",
    )
    benchmark = _benchmark_param()

    def check(self, data):
        raw = data.get("window_days", str(dora_services.DEFAULT_WINDOW_DAYS))
        try:
            window_days = int(raw)
        except ValueError:
            raise Invalid(
                f"window_days must be a whole number, not {raw!r}.", field="window_days"
            ) from None
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise Invalid(
                f"window_days must be between 1 and {MAX_WINDOW_DAYS}.", field="window_days"
            )
        return {"window_days": window_days, **_benchmark_of(data)}


class TeamDoraOut(serializers.Serializer):
    """The team's metrics computed from its events over the window: tiers against a benchmark
    set, and DORA's 2025 comparison with the organisation's segment (the shape of
    ``/api/v1/dora/quick-check/``)."""

    team = serializers.IntegerField()
    benchmark = serializers.CharField()
    window_days = serializers.IntegerField()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    metrics = serializers.DictField(child=MetricOut())
    overall = serializers.CharField(allow_null=True)
    score = ScoreOut()
    deployments = serializers.IntegerField()
    incidents = serializers.IntegerField()
    changes = serializers.IntegerField()
    recovery_measured_from = serializers.CharField()
    edition = serializers.CharField(help_text="The Quick Check edition compared with: 2025.")
    segment = QuickCheckSegmentOut(
        help_text="The organisation's industry or size the team is compared with."
    )
    scores = QuickCheckScoresOut(
        help_text="DORA's 0-10 scores: throughput is the mean of lead_time, "
        "deployment_frequency and time_to_restore; stability of change_failure_rate and "
        "rework_rate; overall of the metrics present."
    )
    comparison = serializers.DictField(
        child=QuickCheckComparisonOut(),
        help_text="overall, throughput, stability and each metric present, against the "
        "segment's published mean and sd (DORA Quick Check 2025 benchmarks).",
    )


class TeamDoraView(APIView):
    """The team's metrics computed from its events over a window, classified against a
    benchmark set and compared with DORA Quick Check 2025 benchmarks of the organisation's
    segment (its industry or size)."""

    # Besides users, the team's API tokens with the scope "metrics" read it (token_auth).
    authentication_classes = [
        token_auth.TeamTokenAuthentication,
        TokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsAuthenticated, token_auth.TeamTokenScope]
    token_scope = token_auth.METRICS

    @extend_schema(
        description="The team's metrics computed from its events over a window, classified "
        "against a benchmark set and compared with DORA Quick Check 2025 benchmarks of the "
        "organisation's segment (its industry or size). Read-only.\n\n"
        + token_auth.scope_note(token_auth.METRICS),
        parameters=[TeamDoraQuery],
        responses={200: TeamDoraOut, **error_responses(400, 401, 403, 404)},
        extensions=token_auth.scope_extension(token_auth.METRICS),
    )
    def get(self, request, team_id):
        team = token_auth.request_team(request, team_id)
        query = TeamDoraQuery.validated(request.query_params)
        window_days = query["window_days"]
        benchmark = dora_services.resolve_benchmark(query.get("benchmark"), team.organization)
        metrics = dora_services.event_metrics(
            team, window_days=window_days, benchmark_year=benchmark.year
        )
        present = {m: v for m, v in metrics.values().items() if v is not None}
        segment = dora_services.organization_segment(team.organization)
        return Response(
            {
                "team": team.id,
                **classify_payload(present, benchmark),
                "window_days": window_days,
                "window_start": metrics.window_start,
                "window_end": metrics.window_end,
                "deployments": metrics.deployments_count,
                "incidents": metrics.incidents_count,
                "changes": metrics.changes_count,
                "recovery_measured_from": metrics.recovery_measured_from,
                **quick_check_payload(present, segment),
            }
        )


def _entry_field(metric, unit):
    return serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=dora.ENTRY_MAXIMA[metric],
        help_text=f"{unit.capitalize()}; empty: not entered.",
    )


class EntryIn(RequestSerializer):
    """Figures of one period, in canonical units, at least one of them."""

    # Checked by the rule the team DORA page's form goes through too; it names unknown metrics.
    not_an_object = "The body must be a JSON object of metric values."
    unknown = None

    deployment_frequency = _entry_field("deployment_frequency", "deployments per day")
    lead_time = _entry_field("lead_time", "hours")
    time_to_restore = _entry_field("time_to_restore", "hours")
    change_failure_rate = _entry_field("change_failure_rate", "percent")
    rework_rate = _entry_field(dora.REWORK_RATE, "percent")

    def check(self, data):
        return dora_services.check_entry_values(dict(data))


class TeamDoraEntryView(APIView):
    """Metrics entered by hand for a period, in canonical units (deployments per day, hours,
    percent); classified against the organisation's default set and stored."""

    @extend_schema(
        request=EntryIn,
        responses={200: ClassifyOut, **error_responses(400, 401, 403, 404, 415)},
    )
    def put(self, request, team_id, period):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        values = EntryIn.validated(request.data)
        dora_services.save_entry(request.user, team, period, dict(values))
        benchmark = dora_services.resolve_benchmark(None, team.organization)
        entered = {metric: value for metric, value in values.items() if value is not None}
        return Response(classify_payload(entered, benchmark))

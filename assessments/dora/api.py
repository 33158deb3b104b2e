"""REST API for DORA benchmarks, classification, a team's computed metrics and manual entries."""

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import permissions
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from vsm_site.api import error_responses
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


CLASSIFY_PARAMS = [
    OpenApiParameter("deployment_frequency", OpenApiTypes.DOUBLE, description="per day"),
    OpenApiParameter("lead_time", OpenApiTypes.DOUBLE, description="hours"),
    OpenApiParameter("time_to_restore", OpenApiTypes.DOUBLE, description="hours"),
    OpenApiParameter("change_failure_rate", OpenApiTypes.DOUBLE, description="percent"),
    OpenApiParameter("rework_rate", OpenApiTypes.DOUBLE, description="percent (score only)"),
    OpenApiParameter("benchmark", OpenApiTypes.STR, description="2018 ... 2024 or vsm-guide"),
]


def _number(name, raw):
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be a number, not {raw!r}.", field=name) from None
    if not math.isfinite(value):
        raise Invalid(f"{name} must be a finite number.", field=name)
    if value < 0:
        raise Invalid(f"{name} cannot be negative.", field=name)
    if name in ("change_failure_rate", "rework_rate") and value > 100:
        raise Invalid(f"{name} is a percentage: at most 100.", field=name)
    return value


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
        parameters=CLASSIFY_PARAMS, responses={200: ClassifyOut, **error_responses(400, 401)}
    )
    def get(self, request):
        known = set(dora.SCORED_METRICS) | {"benchmark", "format"}
        unknown = set(request.query_params) - known
        if unknown:
            raise Invalid(f"Unknown parameter(s): {', '.join(sorted(unknown))}.")
        benchmark = dora_services.resolve_benchmark(request.query_params.get("benchmark"))
        values = {
            m: _number(m, request.query_params[m])
            for m in dora.SCORED_METRICS
            if request.query_params.get(m) not in (None, "")
        }
        return Response(classify_payload(values, benchmark))


class TeamDoraView(APIView):
    """The team's metrics computed from its events over a window."""

    @extend_schema(
        parameters=[
            OpenApiParameter("window_days", OpenApiTypes.INT, description="1-365, default 90"),
            OpenApiParameter("benchmark", OpenApiTypes.STR),
        ],
        responses={200: inline_serializer("TeamDora", {
            "team": serializers.IntegerField(), "benchmark": serializers.CharField(),
            "window_days": serializers.IntegerField(),
            "window_start": serializers.DateTimeField(), "window_end": serializers.DateTimeField(),
            "metrics": serializers.DictField(child=MetricOut()),
            "overall": serializers.CharField(allow_null=True), "score": ScoreOut(),
            "deployments": serializers.IntegerField(), "incidents": serializers.IntegerField(),
            "changes": serializers.IntegerField(),
            "recovery_measured_from": serializers.CharField(),
        }), **error_responses(400, 401, 404)},
    )  # fmt: skip
    def get(self, request, team_id):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        raw = request.query_params.get("window_days", "90")
        try:
            window_days = int(raw)
        except ValueError:
            raise Invalid(f"window_days must be a whole number, not {raw!r}.") from None
        if not 1 <= window_days <= 365:
            raise Invalid("window_days must be between 1 and 365.", field="window_days")
        benchmark = dora_services.resolve_benchmark(
            request.query_params.get("benchmark"), team.organization
        )
        metrics = dora_services.event_metrics(
            team, window_days=window_days, benchmark_year=benchmark.year
        )
        payload = classify_payload(
            {m: v for m, v in metrics.values().items() if v is not None}, benchmark
        )
        return Response(
            {
                "team": team.id,
                **payload,
                "window_days": window_days,
                "window_start": metrics.window_start,
                "window_end": metrics.window_end,
                "deployments": metrics.deployments_count,
                "incidents": metrics.incidents_count,
                "changes": metrics.changes_count,
                "recovery_measured_from": metrics.recovery_measured_from,
            }
        )


class EntryIn(serializers.Serializer):
    deployment_frequency = serializers.FloatField(required=False, allow_null=True)
    lead_time = serializers.FloatField(required=False, allow_null=True)
    time_to_restore = serializers.FloatField(required=False, allow_null=True)
    change_failure_rate = serializers.FloatField(required=False, allow_null=True)
    rework_rate = serializers.FloatField(required=False, allow_null=True)


class TeamDoraEntryView(APIView):
    """Metrics entered by hand for a period, in canonical units (deployments per day, hours,
    percent); classified against the organisation's default set and stored."""

    @extend_schema(
        request=EntryIn,
        responses={200: ClassifyOut, **error_responses(400, 401, 403, 404, 415)},
    )
    def put(self, request, team_id, period):
        team = permissions.get_visible_team_or_404(request.user, team_id)
        if not isinstance(request.data, dict):
            raise Invalid("The body must be a JSON object of metric values.")
        dora_services.save_entry(request.user, team, period, dict(request.data))
        benchmark = dora_services.resolve_benchmark(None, team.organization)
        values = {
            k: v for k, v in dora_services._check_entry_values(dict(request.data)).items()
            if v is not None
        }  # fmt: skip
        return Response(classify_payload(values, benchmark))

"""Reproducible benchmark organisations, generated with bulk inserts from a seed.

``generate_organization(teams=500, quarters=8, seed=42)`` creates one organisation with groups,
teams, a lead and members per team, and per team ``quarters`` closed assessments with frozen
results on the shipped questionnaire (scores drift per team, so there are movers), plus DORA
snapshots for the latest quarter. It is used by the benchmark commands; nothing else."""

import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from assessments import dora_services, scoring, selectors
from assessments.demo import load_shipped_questionnaires
from assessments.models import (
    Assessment,
    DoraSnapshot,
    Membership,
    Organization,
    OrgRole,
    Result,
    Team,
    TeamGroup,
)
from assessments.periods import current_period, shift_period

BENCH_PASSWORD = "bench-pass-2026"


@transaction.atomic
def generate_organization(teams=500, quarters=8, members=8, seed=42, slug="bench"):
    """Create (or replace) the benchmark organisation; returns a dict of counts and seconds."""
    started = time.perf_counter()
    rng = random.Random(seed)
    Organization.objects.filter(slug=slug).delete()
    User = get_user_model()
    User.objects.filter(username__startswith=f"{slug}-").delete()
    load_shipped_questionnaires()
    questionnaire = selectors.latest_published("vsm-maturity")
    structure = selectors.questionnaire_structure(questionnaire)
    org = Organization.objects.create(name=f"Benchmark {teams} teams", slug=slug)
    groups = TeamGroup.objects.bulk_create(
        [TeamGroup(organization=org, name=f"Value stream {n + 1}") for n in range(10)]
    )
    team_rows = Team.objects.bulk_create(
        [
            Team(
                organization=org,
                group=groups[n % len(groups)],
                name=f"Team {n + 1:03d}",
                slug=f"team-{n + 1:03d}",
            )
            for n in range(teams)
        ]  # fmt: skip
    )
    password = make_password(BENCH_PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"{slug}-coe", password=password)]
        + [
            User(username=f"{slug}-t{t + 1:03d}-m{m + 1}", password=password)
            for t in range(teams)
            for m in range(members)
        ]
    )
    OrgRole.objects.create(user=users[0], organization=org, role=OrgRole.COE_ANALYST)
    memberships = []
    for t, team in enumerate(team_rows):
        for m in range(members):
            user = users[1 + t * members + m]
            memberships.append(
                Membership(user=user, team=team, role=Membership.LEAD if m == 0 else "member")
            )
    Membership.objects.bulk_create(memberships, batch_size=5000)

    periods = [shift_period(current_period(), -q) for q in range(quarters, 0, -1)]
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                team=team,
                questionnaire=questionnaire,
                questionnaire_key=questionnaire.key,
                period=period,
                status="closed",
            )
            for team in team_rows
            for period in periods
        ],  # fmt: skip
        batch_size=5000,
    )
    results = []
    index = 0
    for team in team_rows:
        base = rng.uniform(1.3, 3.8)
        drift = rng.uniform(-0.15, 0.25)
        offsets = {d.lineage: rng.uniform(-0.8, 0.8) for d, _ in structure}
        for q, period in enumerate(periods):
            assessment = assessments[index]
            index += 1
            rows = []
            for dimension, _ in structure:
                score = round(min(5.0, max(1.0, base + drift * q + offsets[dimension.lineage]
                                           + rng.gauss(0, 0.2))), 2)  # fmt: skip
                rows.append(
                    {"key": dimension.key, "name": dimension.name, "lineage": dimension.lineage,
                     "score": score, "level": scoring.level_for_score(score), "min": score - 0.4,
                     "max": score + 0.4, "spread": 0.8, "respondents_scored": members,
                     "insufficient": False, "disagreement": rng.random() < 0.2,
                     "disagreeing_questions": [], "dont_know": 0, "target": None,
                     "target_set": False, "explanation": ""}
                )  # fmt: skip
            weights = {d.lineage: d.weight for d, _ in structure}
            overall = round(sum(r["score"] * weights[r["lineage"]] for r in rows)
                            / sum(weights.values()), 4)  # fmt: skip
            results.append(
                Result(
                    assessment=assessment, team=team, questionnaire=questionnaire,
                    questionnaire_key=questionnaire.key, period=period, overall_score=overall,
                    overall_level=scoring.level_for_score(overall), respondents=members,
                    low_confidence=False, scoring_rules_version=scoring.SCORING_RULES_VERSION,
                    data={"dimensions": rows, "questions": [], "weakest_dimension": None},
                    dimension_scores={r["lineage"]: r["score"] for r in rows},
                )
            )  # fmt: skip
    Result.objects.bulk_create(results, batch_size=2000)

    benchmark = dora_services.resolve_benchmark(None, org)
    snapshots = []
    for team in team_rows:
        values = {
            "deployment_frequency": rng.choice([0.02, 0.1, 0.5, 1.5, 4.0]),
            "lead_time": rng.choice([4, 20, 100, 400, 2000]),
            "time_to_restore": rng.choice([0.5, 5, 30, 200]),
            "change_failure_rate": rng.choice([3, 8, 15, 30, 45]),
            "rework_rate": rng.choice([2, 6, 12]),
        }
        for source in (DoraSnapshot.EVENTS, DoraSnapshot.SURVEY):
            classified = dora_services.classify(values, benchmark)
            snapshots.append(
                DoraSnapshot(team=team, period=periods[-1], source=source,
                             benchmark=benchmark.key, values=values, tiers=classified["tiers"],
                             overall_tier=classified["overall"] or "",
                             score=classified["score"], details={})
            )  # fmt: skip
            values = {**values, "lead_time": values["lead_time"] / rng.choice([1, 1, 5])}
    DoraSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    return {
        "organization": org,
        "teams": teams,
        "users": len(users),
        "results": len(results),
        "periods": periods,
        "seconds": time.perf_counter() - started,
    }

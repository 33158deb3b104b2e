"""Reproducible benchmark organisations, generated with bulk inserts from a seed.

``generate_organization(teams=500, quarters=8, seed=42)`` creates one organisation with groups,
teams, a lead and members per team (``<slug>-tNNN-mN``, m1 the lead, password
BENCH_PASSWORD), a CoE analyst (``<slug>-coe``) and per team:

- ``quarters`` closed assessments with frozen results on the shipped questionnaire (scores
  drift per team, so there are movers; no raw answers) and a DORA survey snapshot for the
  latest closed quarter;
- ``event_days`` days of deployment and incident events, classified into DORA snapshots for
  the latest closed quarter and the current one (the same pure rules as
  ``dora_services.refresh_event_snapshots``, over the events in memory);
- value stream maps: an older and a current current-state map and a future-state map drafted
  from the current one, with figures from ``valuestream.compute_figures``;
- one open assessment for the current quarter, without answers, for the autosave load.

The same seed gives the same organisation, with times relative to now. Used by the benchmarks
(``python -m tests.bench``, ``python -m tests.bench coe``) and by tests/browser/screenshots.py
(the heatmap's second organisation); nothing else."""

import datetime as dt
import random
import time

from auditlog.context import disable_auditlog  # benchmark data needs no audit trail
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.maturity import scoring
from assessments.models import (
    Assessment,
    Deployment,
    DoraSnapshot,
    Incident,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Result,
    Team,
    TeamGroup,
    ValueStreamMap,
)
from assessments.periods import current_period, period_end, shift_period
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.valuestream import rules as valuestream
from reports.demo import DEMO_STREAMS, load_shipped_questionnaires

BENCH_PASSWORD = "bench-pass-2026"
# Delivery profiles a team is drawn from: deployments per day, median lead time (hours),
# change failure rate (%), median time to restore (hours). Spread over every DORA tier.
DEPLOYS_PER_DAY = (0.05, 0.15, 0.4, 1.0, 2.5)
LEAD_TIME_HOURS = (3, 20, 100, 400)
FAILURE_PERCENT = (4, 10, 20, 35)
RESTORE_HOURS = (0.5, 4, 24, 120)


def delete_organization(slug="bench"):
    """Remove a benchmark organisation and its users (everything cascades from them)."""
    User = get_user_model()
    with transaction.atomic(), disable_auditlog():
        Organization.objects.filter(slug=slug).delete()
        User.objects.filter(username__startswith=f"{slug}-").delete()


@transaction.atomic
def generate_organization(teams=500, quarters=8, members=8, seed=42, slug="bench", event_days=90):
    """Create (or replace) the benchmark organisation; returns a dict of counts, the periods,
    the current (open) period and per-step seconds (``seconds`` is the total)."""
    started = time.perf_counter()
    steps = {}
    rng = random.Random(seed)
    now = timezone.now()
    delete_organization(slug)
    User = get_user_model()
    load_shipped_questionnaires()
    questionnaire = questionnaire_selectors.latest_published("vsm-maturity")
    structure = questionnaire_selectors.questionnaire_structure(questionnaire)
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
    # Hashing is slow by design: every benchmark user shares the one password and so one hash.
    password = make_password(BENCH_PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"{slug}-coe", password=password)]
        + [
            User(username=f"{slug}-t{t + 1:03d}-m{m + 1}", password=password)
            for t in range(teams)
            for m in range(members)
        ],
        batch_size=5000,
    )
    OrgRole.objects.create(user=users[0], organization=org, role=OrgRole.COE_ANALYST)
    memberships = []
    leads = {}
    for t, team in enumerate(team_rows):
        for m in range(members):
            user = users[1 + t * members + m]
            if m == 0:
                leads[team.id] = user
            memberships.append(
                Membership(user=user, team=team, role=Membership.LEAD if m == 0 else "member")
            )
    Membership.objects.bulk_create(memberships, batch_size=5000)
    OrganizationMember.objects.bulk_create(
        [OrganizationMember(organization=org, user=user) for user in users], batch_size=5000
    )
    steps["people"] = time.perf_counter() - started

    mark = time.perf_counter()
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
    # The current quarter stays open, unanswered: the autosave benchmark answers it.
    open_assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                team=team,
                questionnaire=questionnaire,
                questionnaire_key=questionnaire.key,
                period=current_period(),
                status=Assessment.OPEN,
                opened_by=leads[team.id],
                due_date=period_end(current_period()),
            )
            for team in team_rows
        ],
        batch_size=5000,
    )
    steps["assessments"] = time.perf_counter() - mark

    mark = time.perf_counter()
    counts = _generate_delivery(team_rows, org, periods[-1], now, event_days, rng)
    steps["events"] = time.perf_counter() - mark

    mark = time.perf_counter()
    maps = _generate_value_streams(team_rows, leads, now, rng)
    steps["value_streams"] = time.perf_counter() - mark
    _analyze()
    steps["total"] = time.perf_counter() - started
    return {
        "organization": org,
        "teams": teams,
        "users": len(users),
        "results": len(results),
        "open_assessments": len(open_assessments),
        "value_stream_maps": maps,
        **counts,
        "periods": periods,
        "current_period": current_period(),
        "steps": steps,
        "seconds": time.perf_counter() - started,
    }


def respondents(generated, count, slug="bench"):
    """Who a load generator answers as: members m2 and m3 of the first teams in slug order
    (two a team), each with their team's open assessment of the current period, as
    ``[(username, team, open assessment id)]`` (two queries)."""
    org = generated["organization"]
    teams = list(Team.objects.filter(organization=org).order_by("slug")[: (count + 1) // 2])
    if len(teams) * 2 < count:
        raise ValueError(
            f"{count} respondents need {(count + 1) // 2} teams; there are {len(teams)}."
        )
    open_ids = dict(
        Assessment.objects.filter(team__in=teams, period=generated["current_period"]).values_list(
            "team_id", "id"
        )
    )
    return [
        (
            f"{slug}-t{team.slug.removeprefix('team-')}-m{2 + index % 2}",
            team,
            open_ids[team.id],
        )
        for index, team in ((i, teams[i // 2]) for i in range(count))
    ]


def _generate_delivery(team_rows, org, last_closed, now, days, rng):
    """Deployments and incidents over the last ``days`` days, their DORA snapshots for the
    last closed quarter and the current one, and a survey snapshot for the last closed quarter
    (respondents a little optimistic now and then, so the CoE pages show gaps)."""
    benchmark = dora_services.resolve_benchmark(None, org)
    window = dora_services.DEFAULT_WINDOW_DAYS
    deployments, incidents, snapshots = [], [], []
    window_ends = {last_closed: _period_end_at(last_closed, now), current_period(): now}
    for team in team_rows:
        per_day = rng.choice(DEPLOYS_PER_DAY) * rng.uniform(0.7, 1.3)
        lead = rng.choice(LEAD_TIME_HOURS)
        failure = rng.choice(FAILURE_PERCENT)
        restore = rng.choice(RESTORE_HOURS)
        events = _team_events(team, now, days, per_day, lead, failure, restore, rng)
        deployments += events[0]
        incidents += events[1]
        # The classification refresh_event_snapshots stores, computed from the events in
        # memory instead of reading them back team by team.
        measured = {}
        for period, end in window_ends.items():
            metrics = dora.compute_metrics(events[2], events[3], end, window, benchmark.year)
            measured[period] = metrics.values()
            if metrics.deployments_count or metrics.incidents_count:
                details = dora_services._metrics_details(metrics)
                snapshots.append(
                    _snapshot(team, period, "events", metrics.values(), details, benchmark)
                )
        values = measured[last_closed]
        optimism = rng.choice([1, 1, 1, 3])  # a quarter of the teams see themselves faster
        survey = {
            "deployment_frequency": (values.get("deployment_frequency") or per_day) * optimism,
            "lead_time": (values.get("lead_time") or lead) / optimism,
            "time_to_restore": values.get("time_to_restore") or restore,
            "change_failure_rate": values.get("change_failure_rate") or failure,
            "rework_rate": rng.choice([2, 6, 12]),
        }
        snapshots.append(
            _snapshot(team, last_closed, "survey", survey, {"respondents": 8}, benchmark)
        )
    Deployment.objects.bulk_create(deployments, batch_size=2000)
    Incident.objects.bulk_create(incidents, batch_size=2000)
    DoraSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    return {
        "deployments": len(deployments),
        "incidents": len(incidents),
        "dora_snapshots": len(snapshots),
    }


def _team_events(team, now, days, per_day, lead, failure, restore, rng):
    """One team's deployments (a Poisson process) and the incidents their failures caused,
    as model rows and as the pure ``dora`` events: ``(rows, rows, events, events)``."""
    deployment_rows, incident_rows, deployments, incidents = [], [], [], []
    day = rng.expovariate(per_day)
    while day < days:
        finished = now - dt.timedelta(days=days - day)
        commits = [
            finished - dt.timedelta(hours=lead * rng.lognormvariate(0, 0.5))
            for _ in range(rng.randint(1, 3))
        ]
        failed = rng.random() * 100 < failure
        fields = {
            "external_id": f"{team.slug}-d{len(deployments):05d}",
            "finished_at": finished,
            "rolled_back": failed and rng.random() < 0.3,
            "unplanned_fix": rng.random() < 0.07,
        }
        changes = [
            {"id": f"{fields['external_id']}-c{i}", "first_commit_at": commit.isoformat()}
            for i, commit in enumerate(commits)
        ]
        deployment_rows.append(
            Deployment(team=team, service=f"{team.slug}-api", changes=changes, **fields)
        )
        deployments.append(dora.Deployment(change_first_commit_times=tuple(commits), **fields))
        if failed:
            started = finished + dt.timedelta(minutes=rng.randint(5, 90))
            resolved = started + dt.timedelta(hours=restore * rng.lognormvariate(0, 0.6))
            if resolved < now:
                incident = {
                    "external_id": f"{team.slug}-i{len(incidents):05d}",
                    "started_at": started,
                    "resolved_at": resolved,
                    "deployment_external_id": fields["external_id"],
                }
                incident_rows.append(Incident(team=team, **incident))
                incidents.append(dora.Incident(**incident))
        day += rng.expovariate(per_day)
    return deployment_rows, incident_rows, deployments, incidents


def _analyze():
    """On PostgreSQL, refresh the planner's statistics of the tables just filled, as
    autovacuum would soon after bulk inserts: the benchmark measures the steady state, not the
    first minute. (SQLite keeps no statistics unless ANALYZE is run, and the product does not
    run it, so there the benchmark measures what SQLite deployments get.)"""
    if connection.vendor != "postgresql":
        return
    models = (Team, Membership, Assessment, Result, Deployment, Incident, DoraSnapshot,
              ValueStreamMap, get_user_model())  # fmt: skip
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _period_end_at(period, now):
    end = timezone.make_aware(dt.datetime.combine(period_end(period), dt.time.max))
    return min(end, now)


def _snapshot(team, period, source, values, details, benchmark):
    classified = dora_services.classify(values, benchmark)
    return DoraSnapshot(
        team=team, period=period, source=source, benchmark=benchmark.key,
        values=classified["values"], tiers=classified["tiers"],
        overall_tier=classified["overall"] or "", score=classified["score"], details=details,
    )  # fmt: skip


def _generate_value_streams(team_rows, leads, now, rng):
    """Per team, from one of the demo streams with the waits scaled: a current-state map
    from 120 days ago (waits a third longer), the current one from 14 days ago, and a
    future-state map drafted from it (``valuestream.draft_future_state``)."""
    templates = [DEMO_STREAMS[key] for key in sorted(DEMO_STREAMS)]
    maps = []
    for team in team_rows:
        rows = rng.choice(templates)
        scale = rng.uniform(0.5, 2.0)

        def stages(factor, rows=rows, scale=scale):
            return valuestream.validate_stages(
                [
                    {
                        "name": name,
                        "wait_time_hours": round(wait * scale * factor, 1),
                        "process_time_hours": process,
                        "percent_complete_accurate": pca,
                        "handoff": handoff,
                        "people": 2 + n % 3,
                        "pain_points": [{"kind": kind, "note": note} for kind, note in pains],
                    }
                    for n, (name, wait, process, pca, handoff, pains) in enumerate(rows)
                ]
            )

        lead = leads[team.id]
        current = stages(1.0)
        for kind, version, drawn, note in (
            (ValueStreamMap.CURRENT, 1, stages(1.35), "First mapping workshop"),
            (ValueStreamMap.CURRENT, 2, current, "Remapped after the quarter's changes"),
            (ValueStreamMap.FUTURE, 1, valuestream.draft_future_state(current),
             "Drafted from current state v2"),
        ):  # fmt: skip
            maps.append(
                ValueStreamMap(
                    team=team, kind=kind, version=version, created_by=lead,
                    stages=[s.to_json() for s in drawn],
                    figures=valuestream.compute_figures(drawn).to_json(), note=note,
                )
            )  # fmt: skip
    ValueStreamMap.objects.bulk_create(maps, batch_size=2000)
    # created_at is auto_now_add (bulk_create sets it to now): date the maps afterwards.
    org_maps = ValueStreamMap.objects.filter(team__organization_id=team_rows[0].organization_id)
    org_maps.update(created_at=now - dt.timedelta(days=14))
    org_maps.filter(kind=ValueStreamMap.CURRENT, version=1).update(
        created_at=now - dt.timedelta(days=120)
    )
    return len(maps)

"""The demo organisation used by `make run` and `python manage.py load_demo`.

Idempotent: running it again finds what exists and adds only what is missing. Every demo user
has the password DEMO_PASSWORD (documented in the README). History is generated from a fixed
seed, so every machine shows the same numbers."""

import datetime as dt
import functools
import random
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from assessments import signals
from assessments.dora import rules as dora
from assessments.dora import services as dora_services
from assessments.maturity import services
from assessments.models import (
    Answer,
    Assessment,
    Deployment,
    DoraEntry,
    DoraSurveyAnswer,
    Incident,
    Membership,
    Organization,
    OrganizationMember,
    OrgRole,
    Response,
    Team,
    TeamGroup,
)
from assessments.periods import current_period, period_end, shift_period
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from reports.roadmap import services as roadmap_services

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent.parent / "assessments" / "questionnaires"
HISTORY_QUARTERS = 6
DEMO_KEY = "vsm-maturity"
V2_QUARTERS = 1  # the last closed quarter (and the open one) are answered on version 2
# Per team: (starting level, change per quarter). Some improve, some decline, some are flat.
TRAJECTORIES = {
    "checkout": (2.1, 0.22),
    "billing": (2.6, 0.05),
    "fraud": (3.2, -0.18),
    "mobile": (1.6, 0.25),
    "storefront": (2.9, 0.12),
    "search": (2.4, -0.10),
    "devplatform": (3.4, 0.15),
    "data": (2.0, 0.0),
    "sre": (3.0, 0.20),
}
# Delivery performance per team: deployments per day, median lead time (h), change failure
# rate (%), median restore time (h), and how many answer options respondents rate themselves
# better than the data shows (0 = candid; 1-2 = optimistic, so the pages show a gap).
DELIVERY = {
    "checkout": (1.5, 30, 12, 3, 0),
    "billing": (0.3, 120, 18, 20, 1),
    "fraud": (0.2, 200, 25, 30, 2),
    "mobile": (0.15, 300, 20, 40, 0),
    "storefront": (3.0, 8, 8, 1.5, 0),
    "search": (0.5, 60, 30, 10, 1),
    "devplatform": (4.0, 4, 5, 0.8, 0),
    "data": (0.08, 500, 15, 60, 1),
    "sre": (2.0, 12, 6, 0.7, 0),
}
# Billing enters its figures by hand instead of sending events.
ENTERS_BY_HAND = {"billing"}
COMMENTS = [
    "Depends a lot on which service; the legacy monolith is much worse.",
    "We started this last quarter, too early to tell.",
    "Only true for the web team, not for mobile releases.",
    "We have the dashboard but nobody looks at it in planning.",
    "Improved after the platform migration.",
    "Still blocked by the change advisory board for production changes.",
]

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ORG = ("Northwind Digital", "northwind")
# Northwind Digital is a digital retailer (web storefront, checkout, mobile app, search):
# DORA's "Retail/Consumer/e-Commerce" industry. Nine product teams and the business around
# them make 500 to 999 employees. Its teams are compared with its industry (DORA Quick Check
# 2025 benchmarks) and its pages open with that comparison; the size is the segment an
# organisation admin (or any page's segment choice) compares with instead.
DEMO_INDUSTRY = "retail"
DEMO_ORG_SIZE = "500-999"
DEMO_DORA_SEGMENT = f"industry:{DEMO_INDUSTRY}"
DEMO_GROUPS = {
    "Payments": [("Checkout", "checkout"), ("Billing", "billing"), ("Fraud Detection", "fraud")],
    "Customer Experience": [
        ("Mobile App", "mobile"),
        ("Web Storefront", "storefront"),
        ("Search & Discovery", "search"),
    ],
    "Platform": [
        ("Developer Platform", "devplatform"),
        ("Data Platform", "data"),
        ("Site Reliability", "sre"),
    ],
}
MEMBERS_PER_TEAM = 4


@dataclass
class DemoSummary:
    organization: Organization
    teams: list
    users_created: int


@functools.cache
def _demo_password_hash():
    return make_password(DEMO_PASSWORD)


def _user(username, first, last, created_counter, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@northwind.example",
            **flags,
        },
    )
    if created:
        # Hashing is slow by design; every demo user shares the one password and so one hash.
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
        created_counter.append(username)
    return user


@transaction.atomic
def load_demo_organization():
    created = []
    org, _ = Organization.objects.get_or_create(
        slug=DEMO_ORG[1],
        defaults={
            "name": DEMO_ORG[0],
            "industry": DEMO_INDUSTRY,
            "org_size": DEMO_ORG_SIZE,
            "dora_segment": DEMO_DORA_SEGMENT,
            "dora_view": Organization.DORA_VIEW_COMPARISON,
        },
    )
    admin = _user("admin", "Ada", "Admin", created)
    OrgRole.objects.get_or_create(user=admin, organization=org, role=OrgRole.ORG_ADMIN)
    coe = _user("coe", "Cora", "Analyst", created)
    OrgRole.objects.get_or_create(user=coe, organization=org, role=OrgRole.COE_ANALYST)
    _user("superadmin", "Sam", "Super", created, is_staff=True, is_superuser=True)

    teams = []
    for group_name, group_teams in DEMO_GROUPS.items():
        group, _ = TeamGroup.objects.get_or_create(organization=org, name=group_name)
        for team_name, slug in group_teams:
            team, _ = Team.objects.get_or_create(
                organization=org, slug=slug, defaults={"name": team_name, "group": group}
            )
            teams.append(team)
            lead = _user(f"{slug}.lead", team_name, "Lead", created)
            Membership.objects.get_or_create(
                user=lead, team=team, defaults={"role": Membership.LEAD}
            )
            for i in range(1, MEMBERS_PER_TEAM + 1):
                member = _user(f"{slug}.m{i}", team_name, f"Member {i}", created)
                Membership.objects.get_or_create(user=member, team=team)
    # Everyone with a team or a role is a person of the organisation.
    people = set(
        Membership.objects.filter(team__organization=org).values_list("user_id", flat=True)
    )
    people |= set(OrgRole.objects.filter(organization=org).values_list("user_id", flat=True))
    for user_id in sorted(people):
        OrganizationMember.objects.get_or_create(organization=org, user_id=user_id)
    load_shipped_questionnaires()
    with signals.muted():  # history, not news: nobody is notified of it
        for team in teams:
            # Delivery figures and maps first: a roadmap is planned when its result is frozen,
            # from what the team has measured by then (its DORA and value stream items).
            _demo_delivery(team)
            _demo_value_stream(team)
            _demo_history(team)
            _demo_roadmap(team)
        _demo_organization_practices(org, coe)
    return DemoSummary(org, teams, len(created))


# Per team: (stage, wait before it in working hours, process working hours, %C&A of the work
# the stage receives, handoff, pain points). The largest delay between stages (or the marked
# constraint, DEMO_CONSTRAINTS) sits in a different guide stage from team to team, so the
# roadmap items ranked first differ. Each stage's guide stage is the one its name proposes.
DEMO_STREAMS = {
    "checkout": [
        ("Ideation", 48, 6, 85, False, [("delay", "Waits for the fortnightly refinement")]),
        ("Development", 16, 24, 90, False, []),
        ("Code review", 20, 2, 95, False, [("delay", "Reviews picked up once a day")]),
        ("Testing", 96, 12, 70, True, [("manual_work", "Manual regression checklist"),
                                       ("quality", "Flaky end-to-end suite")]),
        ("Deployment", 24, 1, 98, False, []),
        ("Operations", 2, 1, 100, False, []),
    ],
    "billing": [
        ("Ideation", 72, 8, 80, True, [("rework", "Requirements arrive incomplete")]),
        ("Development", 24, 40, 90, False, []),
        ("Testing", 48, 16, 85, True, [("manual_work", "Invoice runs checked by hand")]),
        ("Release approval", 168, 2, 95, True, [("delay", "Change advisory board meets weekly")]),
        ("Deployment", 24, 4, 90, True, [("manual_work", "Runbook deployment by operations")]),
        ("Operations", 8, 2, 100, False, []),
    ],
    "fraud": [
        ("Ideation", 240, 16, 75, True, [("delay", "Model changes wait for the risk board")]),
        ("Development", 24, 60, 85, False, [("rework", "Features rebuilt after model review")]),
        ("Testing", 72, 24, 80, False, [("quality", "No production-like data to test on")]),
        ("Deployment", 48, 4, 95, True, []),
        ("Operations", 12, 4, 100, False, []),
    ],
    "mobile": [
        ("Ideation", 96, 10, 80, False, []),
        ("Development", 24, 48, 85, False, []),
        ("Testing", 72, 24, 75, True, [("manual_work", "Device matrix tested by hand")]),
        ("App store release", 192, 4, 95, True, [("delay", "Release train every two weeks"),
                                                 ("delay", "Store review")]),
        ("Operations", 24, 2, 100, False, [("quality", "Crash reports triaged late")]),
    ],
    "storefront": [
        ("Ideation", 24, 4, 90, False, []),
        ("Development", 8, 16, 95, False, []),
        ("Code review", 30, 1, 90, False, [("delay", "Two approvals from another team"),
                                           ("rework", "Style debates in review")]),
        ("Testing", 4, 2, 95, False, []),
        ("Deployment", 2, 0.5, 99, False, []),
        ("Operations", 1, 0.5, 100, False, []),
    ],
    "search": [
        ("Ideation", 48, 8, 85, False, []),
        ("Development", 16, 32, 85, False, [("rework", "Relevance tuning redone after tests")]),
        ("Testing", 120, 16, 70, True, [("delay", "Shared test cluster booked out"),
                                        ("quality", "Relevance regressions found late")]),
        ("Deployment", 24, 2, 95, False, []),
        ("Operations", 8, 2, 100, False, []),
    ],
    "devplatform": [
        ("Request intake", 60, 2, 80, True, [("delay", "Requests triaged weekly"),
                                             ("rework", "Missing details in requests")]),
        ("Development", 8, 16, 95, False, []),
        ("Testing", 4, 4, 95, False, []),
        ("Deployment", 1, 0.5, 99, False, []),
        ("Operations", 2, 1, 100, False, []),
    ],
    "data": [
        ("Ideation", 120, 12, 80, True, []),
        ("Development", 48, 40, 80, False, [("manual_work", "Pipelines configured by hand")]),
        ("Testing", 96, 16, 75, False, [("quality", "No data quality checks")]),
        ("Deployment", 240, 8, 90, True, [("delay", "Monthly platform release window"),
                                          ("manual_work", "Schema migrations run by hand")]),
        ("Operations", 48, 8, 95, True, []),
    ],
    "sre": [
        ("Ideation", 16, 4, 90, False, []),
        ("Development", 8, 16, 95, False, []),
        ("Testing", 4, 4, 95, False, []),
        ("Deployment", 2, 1, 98, False, []),
        ("Incident follow-up", 72, 8, 80, True, [("delay", "Postmortem actions wait for owners"),
                                                 ("manual_work", "Toil in on-call handovers")]),
    ],
}  # fmt: skip
# The stage a team marked as its constraint. Fraud's risk board approves every model change
# before work starts and limits how many the stream takes in: the team says so, although its
# largest delay between stages is before Testing.
DEMO_CONSTRAINTS = {"fraud": "Ideation"}


def _demo_value_stream(team):
    """A current-state map with an older version (waits a third longer: the stream has
    improved since), and a future-state map drafted from the current one."""
    from assessments.models import ValueStreamMap
    from assessments.valuestream import rules as valuestream
    from assessments.valuestream import services as valuestream_services

    if ValueStreamMap.objects.filter(team=team).exists():
        return
    lead = team.memberships.filter(role=Membership.LEAD).select_related("user").first().user
    rows = DEMO_STREAMS.get(team.slug) or DEMO_STREAMS["checkout"]
    constraint = DEMO_CONSTRAINTS.get(team.slug)

    def stages(wait_factor):
        return [
            {
                "name": name,
                "wait_time_hours": round(wait * wait_factor, 1),
                "process_time_hours": process,
                "percent_complete_accurate": pca,
                "handoff": handoff,
                "people": 2 + n % 3,
                "pain_points": [{"kind": kind, "note": note} for kind, note in pains],
                "constraint": name == constraint,
            }
            for n, (name, wait, process, pca, handoff, pains) in enumerate(rows)
        ]

    now = timezone.now()
    first = valuestream_services.save_map(
        lead, team, "current", stages(1.35), note="First mapping workshop"
    )
    latest = valuestream_services.save_map(
        lead, team, "current", stages(1.0), note="Remapped after the quarter's changes"
    )
    draft = valuestream.draft_future_state(valuestream_services.stages_of(latest))
    future = valuestream_services.save_map(
        lead, team, "future", [s.to_json() for s in draft],
        note=f"Drafted from current state v{latest.version}, reviewed by the lead",
    )  # fmt: skip
    ValueStreamMap.objects.filter(pk=first.pk).update(created_at=now - dt.timedelta(days=120))
    ValueStreamMap.objects.filter(pk__in=[latest.pk, future.pk]).update(
        created_at=now - dt.timedelta(days=14)
    )


def _demo_roadmap(team):
    """The first item of the roadmap of each team's latest result (planned when the result was
    frozen) owned by the lead, unless someone owns it already."""
    latest = team.results.order_by("-period").first()
    if latest is None:
        return
    roadmap = roadmap_services.generate_roadmap(latest)  # the existing one
    lead = team.memberships.filter(role=Membership.LEAD).first()
    first = roadmap.items.order_by("position").first()
    if first is not None and lead is not None and first.owner_id is None:
        first.owner = lead.user
        first.save(update_fields=["owner"])


def load_shipped_questionnaires():
    for path in sorted(QUESTIONNAIRE_DIR.glob("*.yaml")):
        questionnaire_services.load_questionnaire(path.read_bytes())  # into the library


def _demo_history(team):
    """Closed assessments for the last HISTORY_QUARTERS quarters and an open one for now: the
    older quarters on version 1 of the questionnaire, the last V2_QUARTERS closed ones and the
    open one on version 2, so the history shows results continuing across the two versions."""
    lead = team.memberships.filter(role=Membership.LEAD).select_related("user").first().user
    people = [m.user for m in team.memberships.select_related("user").order_by("user__username")]
    start, slope = TRAJECTORIES.get(team.slug, (2.5, 0.1))
    rng = random.Random(f"demo-{team.slug}")
    versions = {
        version: questionnaire_selectors.resolve_published(team.organization, DEMO_KEY, version)
        for version in (1, 2)
    }
    structures = {
        version: questionnaire_selectors.questionnaire_structure(questionnaire)
        for version, questionnaire in versions.items()
    }
    # Each dimension sits a little above or below the team's general level; a dimension new in
    # version 2 gets its own draw, so version 1's numbers are what they always were.
    offsets = {d.key: rng.uniform(-0.7, 0.7) for d, _ in structures[1]}
    for d, _ in structures[2]:
        if d.key not in offsets:
            offsets[d.key] = random.Random(f"demo-{team.slug}-{d.key}").uniform(-0.7, 0.7)
    now = current_period()
    for i in range(HISTORY_QUARTERS, -1, -1):
        period = shift_period(now, -i)
        if Assessment.objects.filter(team=team, questionnaire_key=DEMO_KEY,
                                     period=period).exists():  # fmt: skip
            continue
        version = 2 if i <= V2_QUARTERS else 1
        structure = structures[version]
        assessment = services.open_assessment(lead, team, period, DEMO_KEY, version=version)
        level = start + slope * (HISTORY_QUARTERS - i)
        if i == 0:
            # The current quarter stays open: two members have started, nobody has submitted.
            _demo_answers(assessment, people[1:3], structure, offsets, level, rng, submit=False,
                          partial=True)  # fmt: skip
            continue
        # One quarter of one team had few respondents: shows the low-confidence marking.
        respondents = people[:2] if (team.slug == "search" and i == 3) else people
        _demo_answers(assessment, respondents, structure, offsets, level, rng, submit=True)
        _demo_dora_survey(assessment, rng)
        services.close_assessment(lead, assessment)
        closed_at = timezone.make_aware(dt.datetime.combine(period_end(period), dt.time(17, 0)))
        Assessment.objects.filter(pk=assessment.pk).update(closed_at=closed_at)


# The CoE's answers to version 2's organisation section: the last closed quarter (what the
# teams' latest results show beside them), and the current one, where the organisation has
# stopped comparing teams' DORA figures in its reviews.
DEMO_PRACTICES = {
    "organisation-coe": (3, "A community of practice since last year; two part-time coaches."),
    "tooling-standardisation": (2, "Recommended stack, but three CI servers are still in use."),
    "organisation-platform": (3, "The Developer Platform team offers self-service pipelines."),
    "organisation-change-leadership": (2, ""),
    "organisation-metrics-use": (2, "Quarterly reviews put teams' DORA figures side by side."),
}
DEMO_PRACTICES_NOW = {
    "organisation-metrics-use": (3, "Reviews read each team's metrics against its own history."),
}


def _demo_organization_practices(org, coe):
    questionnaire = questionnaire_selectors.practices_questionnaire(org, DEMO_KEY)
    now = current_period()
    for period, answers in (
        (shift_period(now, -1), DEMO_PRACTICES),
        (now, {**DEMO_PRACTICES, **DEMO_PRACTICES_NOW}),
    ):
        if questionnaire_selectors.practices_answers(org, questionnaire, period):
            continue
        questionnaire_services.save_organization_practices(
            coe, org, questionnaire, period,
            {key: level for key, (level, _) in answers.items()},
            {key: comment for key, (_, comment) in answers.items()},
        )  # fmt: skip


# Scoring rules v2 on show (questionnaire v2 results only): a team split on one dimension
# (half its people three levels apart from the other half, so the result flags disagreement),
# and questions that do not apply to a team ("not applicable", left out of its score).
SPLIT_DIMENSIONS = {"mobile": "operations"}
NOT_APPLICABLE = {"data": ("architecture-legacy", "deployment-release-strategy")}


def _demo_level(assessment, dimension, question, index, raw, rng):
    """The demo's answer to one question: a level, None ("don't know") or "n/a"."""
    team, version = assessment.team.slug, assessment.questionnaire.version
    if version >= 2 and question.key in NOT_APPLICABLE.get(team, ()):
        return "n/a"
    if version >= 2 and SPLIT_DIMENSIONS.get(team) == dimension.key:
        return 4 if index % 2 else 1  # those on call see it one way, the rest another
    if rng.random() < 0.04:
        return None  # don't know
    return max(1, min(5, round(raw)))


def _demo_answers(assessment, people, structure, offsets, level, rng, submit, partial=False):
    responses = Response.objects.bulk_create(
        [
            Response(
                assessment=assessment,
                respondent=person,
                status=Response.SUBMITTED if submit else Response.DRAFT,
                submitted_at=timezone.now() if submit else None,
            )
            for person in people
        ]
    )
    answers = []
    for index, response in enumerate(responses):
        bias = rng.uniform(-0.3, 0.3)  # some people rate more generously than others
        for dimension, questions in structure:
            for n, question in enumerate(questions):
                if partial and n >= 2:
                    break
                raw = level + offsets[dimension.key] + bias + rng.gauss(0, 0.4)
                value = _demo_level(assessment, dimension, question, index, raw, rng)
                comment = rng.choice(COMMENTS) if rng.random() < 0.03 else ""
                answers.append(
                    Answer(
                        response=response,
                        question=question,
                        level=None if value == "n/a" else value,
                        not_applicable=value == "n/a",
                        comment=comment,
                    )
                )
    Answer.objects.bulk_create(answers)


def _survey_key(metric, value, optimism):
    """The answer option whose bucket holds ``value``, moved ``optimism`` options better."""
    options = dora.SURVEY_OPTIONS[metric]  # best first
    bucket = dora.quick_check_bucket(metric, value)
    index = next(i for i, o in enumerate(options) if o.bucket == bucket)
    return options[max(0, index - optimism)].key


def _demo_dora_survey(assessment, rng):
    profile = DELIVERY.get(assessment.team.slug)
    if profile is None:
        return
    df, lead, cfr, restore, optimism = profile
    rows = []
    for response in assessment.responses.filter(status=Response.SUBMITTED):
        bias = optimism + (1 if rng.random() < 0.2 else 0)
        rows.append(
            DoraSurveyAnswer(
                response=response,
                deployment_frequency=_survey_key("deployment_frequency", df, bias),
                lead_time=_survey_key("lead_time", lead, bias),
                time_to_restore=_survey_key("time_to_restore", restore, bias),
                change_failure_rate=max(0.0, round(cfr - 5 * bias + rng.uniform(-3, 3))),
                rework_rate=round(rng.uniform(2, 12)),
            )
        )
    DoraSurveyAnswer.objects.bulk_create(rows)


def _demo_delivery(team):
    """180 days of deployment and incident events (or hand-entered figures) per team."""
    profile = DELIVERY.get(team.slug)
    if profile is None:
        return
    df, lead, cfr, restore, _ = profile
    now = timezone.now()
    periods = [shift_period(current_period(), -1), current_period()]
    if team.slug in ENTERS_BY_HAND:
        lead_user = team.memberships.filter(role=Membership.LEAD).first().user
        for n, period in enumerate(periods):
            if not DoraEntry.objects.filter(team=team, period=period).exists():
                dora_services.save_entry(lead_user, team, period, {
                    "deployment_frequency": df * (1 + 0.2 * n), "lead_time": lead * (1 - 0.1 * n),
                    "time_to_restore": restore, "change_failure_rate": cfr,
                    "rework_rate": 9.0,
                })  # fmt: skip
        return
    if Deployment.objects.filter(team=team).exists():
        return
    rng = random.Random(f"delivery-{team.slug}")
    deployments, incidents = [], []
    day = 0.0
    while day < 180:
        day += rng.expovariate(df)
        if day >= 180:
            break
        finished = now - dt.timedelta(days=180 - day)
        n_changes = rng.randint(1, 4)
        changes = [
            {
                "id": f"{team.slug}-c{len(deployments)}-{i}",
                "first_commit_at": (
                    finished - dt.timedelta(hours=lead * rng.lognormvariate(0, 0.5))
                ).isoformat(),
            }
            for i in range(n_changes)
        ]
        failed = rng.random() * 100 < cfr
        ext_id = f"{team.slug}-d{len(deployments):05d}"
        deployments.append(
            Deployment(
                team=team, external_id=ext_id, service=f"{team.slug}-api",
                environment="production", finished_at=finished, succeeded=True,
                rolled_back=failed and rng.random() < 0.3, changes=changes,
                unplanned_fix=rng.random() < 0.07,
            )
        )  # fmt: skip
        if failed:
            started = finished + dt.timedelta(minutes=rng.randint(5, 90))
            resolved = started + dt.timedelta(hours=restore * rng.lognormvariate(0, 0.6))
            if resolved < now:
                incidents.append(
                    Incident(
                        team=team, external_id=f"{team.slug}-i{len(incidents):05d}",
                        started_at=started, resolved_at=resolved, deployment_external_id=ext_id,
                    )
                )  # fmt: skip
    # One incident with no deployment behind it (an infrastructure outage).
    started = now - dt.timedelta(days=20)
    incidents.append(
        Incident(
            team=team,
            external_id=f"{team.slug}-outage",
            started_at=started,
            resolved_at=started + dt.timedelta(hours=restore),
        )  # fmt: skip
    )
    Deployment.objects.bulk_create(deployments, batch_size=1000)
    Incident.objects.bulk_create(incidents, batch_size=1000)
    dora_services.refresh_event_snapshots(team, periods=periods, now=now)

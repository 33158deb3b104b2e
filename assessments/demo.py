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

from . import selectors, services
from .models import (
    Answer,
    Assessment,
    Membership,
    Organization,
    OrgRole,
    Response,
    Team,
    TeamGroup,
)
from .periods import current_period, period_end, shift_period

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaires"
HISTORY_QUARTERS = 6
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
    org, _ = Organization.objects.get_or_create(slug=DEMO_ORG[1], defaults={"name": DEMO_ORG[0]})
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
    load_shipped_questionnaires()
    for team in teams:
        _demo_history(team)
    return DemoSummary(org, teams, len(created))


def load_shipped_questionnaires():
    for path in sorted(QUESTIONNAIRE_DIR.glob("*.yaml")):
        services.load_questionnaire(path.read_bytes())


def _demo_history(team):
    """Closed assessments for the last HISTORY_QUARTERS quarters and an open one for now."""
    questionnaire = selectors.latest_published("vsm-maturity")
    lead = team.memberships.filter(role=Membership.LEAD).select_related("user").first().user
    people = [m.user for m in team.memberships.select_related("user").order_by("user__username")]
    start, slope = TRAJECTORIES.get(team.slug, (2.5, 0.1))
    rng = random.Random(f"demo-{team.slug}")
    structure = selectors.questionnaire_structure(questionnaire)
    # Each dimension sits a little above or below the team's general level.
    offsets = {d.key: rng.uniform(-0.7, 0.7) for d, _ in structure}
    now = current_period()
    for i in range(HISTORY_QUARTERS, -1, -1):
        period = shift_period(now, -i)
        if Assessment.objects.filter(team=team, questionnaire_key=questionnaire.key,
                                     period=period).exists():  # fmt: skip
            continue
        assessment = services.open_assessment(lead, team, period, questionnaire.key)
        level = start + slope * (HISTORY_QUARTERS - i)
        if i == 0:
            # The current quarter stays open: two members have started, nobody has submitted.
            _demo_answers(assessment, people[1:3], structure, offsets, level, rng, submit=False,
                          partial=True)  # fmt: skip
            continue
        # One quarter of one team had few respondents: shows the low-confidence marking.
        respondents = people[:2] if (team.slug == "search" and i == 3) else people
        _demo_answers(assessment, respondents, structure, offsets, level, rng, submit=True)
        services.close_assessment(lead, assessment)
        closed_at = timezone.make_aware(dt.datetime.combine(period_end(period), dt.time(17, 0)))
        Assessment.objects.filter(pk=assessment.pk).update(closed_at=closed_at)


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
    for response in responses:
        bias = rng.uniform(-0.3, 0.3)  # some people rate more generously than others
        for dimension, questions in structure:
            for n, question in enumerate(questions):
                if partial and n >= 2:
                    break
                if rng.random() < 0.04:
                    value = None  # don't know
                else:
                    raw = level + offsets[dimension.key] + bias + rng.gauss(0, 0.4)
                    value = max(1, min(5, round(raw)))
                comment = rng.choice(COMMENTS) if rng.random() < 0.03 else ""
                answers.append(
                    Answer(response=response, question=question, level=value, comment=comment)
                )
    Answer.objects.bulk_create(answers)

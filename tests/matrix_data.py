"""The data set of the permission matrix (tests/test_permission_matrix.py): the people of
``tests/conftest.py::world`` and, for team A of Acme and for Other Corp's team alike, one object
of every kind a URL can name, built through the services (so they are what users make).

``build()`` returns a namespace with ``world`` (the people) and two sides, ``a`` (team A /
Acme) and ``other`` (Other Corp), with the same attribute names, so that one URL recipe fills
its kwargs from either side.
"""

import datetime as dt
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from assessments.dora import services as dora_services
from assessments.dora import webhook_services
from assessments.maturity import services
from assessments.models import EventBatch, TeamApiToken
from assessments.models.dora import TeamOwnership
from assessments.people import services as people_services
from assessments.people.scim import groups as scim_groups
from assessments.people.scim import tokens as scim_tokens
from assessments.people.sso import mapping as sso_mapping_services
from assessments.questionnaires import services as questionnaire_services
from assessments.valuestream import services as valuestream_services
from reports.campaigns import services as campaigns
from reports.models import RoadmapReport
from reports.pdf import services as report_services
from reports.roadmap import services as roadmap_services
from tests.conftest import ALL_LEVELS
from tests.factories import (
    MembershipFactory,
    build_world,
    load_mini_questionnaire,
    mini_questionnaire_yaml,
)

CLOSED_PERIOD = "2026-Q3"
OPEN_PERIOD = "2026-Q4"
NEW_PERIOD = "2027-Q1"  # free on both sides: what a write that opens an assessment uses
OWN_KEY = "own-survey"
OWN_V1 = mini_questionnaire_yaml().replace("key: mini", f"key: {OWN_KEY}", 1)
# What the API's YAML upload loads: the organisation's version 3 (v2 is the open draft).
OWN_V3 = mini_questionnaire_yaml(version=3).replace("key: mini", f"key: {OWN_KEY}", 1)
STAGES = [
    {"name": "Plan", "process_time_hours": 2, "wait_time_hours": 8},
    {"name": "Build", "process_time_hours": 6, "wait_time_hours": 20, "handoff": True},
]


def _ready_report(report, content):
    """Mark a report row ready with a small file, as the worker would, without rendering."""
    report.file.save(f"matrix-{report.pk}.pdf", ContentFile(content), save=False)
    report.status = RoadmapReport.READY
    report.finished_at = timezone.now()
    report.size_bytes = len(content)
    report.save()
    return report


def build_side(org, team, lead, respondents, analyst, label):
    """Every kind of object a URL names, for one team: a closed assessment with its result,
    roadmap (with items) and a ready roadmap PDF; an open assessment with one submitted and
    one draft response; a ready portfolio PDF of the organisation; a DORA entry (with its
    snapshot); current and future value stream maps; an open campaign; two team API tokens
    (scope events, and scope metrics); a SCIM token and a SCIM group.
    ``lead`` may lead the team (a lead or an organisation admin), ``respondents`` are members
    (the first keeps a draft on the open assessment), ``analyst`` may analyse ``org``."""
    closed = services.open_assessment(lead, team, CLOSED_PERIOD, "mini")
    for user in respondents:
        services.save_answers(user, closed, answers=ALL_LEVELS, comments={"flow-wip": label})
        services.submit_response(user, closed)
    result = services.close_assessment(lead, closed)
    closed.refresh_from_db()
    roadmap = roadmap_services.generate_roadmap(result)
    report, _ = report_services.request_roadmap_report(lead, result)
    _ready_report(report, f"%PDF-1.4\n% roadmap of {label}\n".encode())
    portfolio, _ = report_services.request_portfolio_report(analyst, org)
    _ready_report(portfolio, f"%PDF-1.4\n% portfolio of {label}\n".encode())

    opened = services.open_assessment(lead, team, OPEN_PERIOD, "mini")
    drafter, *submitters = respondents
    services.save_answers(drafter, opened, answers={"flow-wip": 2})
    for user in submitters:
        services.save_answers(user, opened, answers=ALL_LEVELS)
        services.submit_response(user, opened)

    dora_services.save_entry(
        lead, team, CLOSED_PERIOD, {"deployment_frequency": 1.0, "lead_time": 30.0}
    )
    valuestream_services.save_map(lead, team, "current", STAGES, note=label)
    valuestream_services.save_map(lead, team, "future", STAGES, note=label)
    campaign = campaigns.open_campaign(
        analyst, org, f"{label} round", OPEN_PERIOD, timezone.localdate() + dt.timedelta(days=14),
        team_ids=[team.id], questionnaire_key="mini",
    )  # fmt: skip
    token, token_key = TeamApiToken.issue(team, "ci")
    _, metrics_key = TeamApiToken.issue(team, "dashboard", scope=TeamApiToken.METRICS)
    batch = EventBatch.objects.create(team=team, kind="deployments", uploaded_by=lead,
                                      filename=f"{label}.csv")  # fmt: skip
    # The organisation's own questionnaire, under the same key and numbers on both sides
    # (keys are per owner): v1 published, v2 a draft in the editor.
    own, _ = questionnaire_services.load_questionnaire(OWN_V1, org)
    own_draft = questionnaire_services.start_draft(None, org, OWN_KEY)
    invitation, _ = people_services.invite(None, org, f"invitee-{org.slug}@example.com")
    team_webhook, _ = webhook_services.create_webhook(provider="github", team=team)
    org_webhook, _ = webhook_services.create_webhook(provider="pagerduty", organization=org)
    ownership = TeamOwnership.objects.create(
        organization=org, team=team, kind="service", value=f"{label}-checkout"
    )
    sso_mapping = sso_mapping_services.add_mapping(None, org, group=f"{label}-devs", team=team)
    scim_token, _ = scim_tokens.issue_token(org)
    scim_group = scim_groups.create_group(
        org, {"schemas": [scim_groups.GROUP_SCHEMA], "displayName": f"{label} provisioned"}
    )
    return SimpleNamespace(
        org=org,
        team=team,
        member=respondents[0],
        open_assessment=opened,
        closed_assessment=closed,
        result=result,
        roadmap=roadmap,
        item=roadmap.items.order_by("position").first(),
        report=report,
        portfolio_report=portfolio,
        campaign=campaign,
        token=token,
        token_key=token_key,
        metrics_key=metrics_key,
        batch=batch,
        own=own,
        own_draft=own_draft,
        invitation=invitation,
        team_webhook=team_webhook,
        org_webhook=org_webhook,
        ownership=ownership,
        sso_mapping=sso_mapping,
        scim_token=scim_token,
        scim_group=scim_group,
    )


def build():
    """The whole data set; see the module docstring."""
    world = build_world()
    # Acme's three respondents make a confident result (its answers export has rows for
    # analysts); Other Corp's one stays low-confidence.
    world.member_a2 = MembershipFactory(team=world.team_a, user__username="member_a2").user
    mini = load_mini_questionnaire()
    draft = load_mini_questionnaire(version=2, status="draft")
    a = build_side(
        world.org, world.team_a, world.lead_a, [world.member_a, world.lead_a, world.member_a2],
        world.analyst,
        "Acme",
    )  # fmt: skip
    other = build_side(
        world.other, world.other_team, world.other_admin, [world.other_member],
        world.other_admin, "Other Corp",
    )  # fmt: skip
    a.questionnaire = other.questionnaire = mini  # what a form that opens an assessment names
    return SimpleNamespace(world=world, mini=mini, draft=draft, a=a, other=other)

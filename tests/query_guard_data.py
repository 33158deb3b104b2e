"""The data set of the query-count guards (tests/test_query_guards.py) and the growers that
enlarge it, each along one dimension a page's size depends on.

``build()`` makes a small organisation in which every page has some of everything to show: two
respondents, two closed quarters with results and roadmaps, an open assessment with a submitted
and a draft response, DORA events, entries and survey snapshots, two versions of each value
stream map, roadmap items and reports, portfolio reports, two campaigns. None of a page's lists
is empty, so growing them cannot make a page leave an "empty" branch and change its count for
that reason rather than for an N+1.

A grower adds ``GROWTH`` more of one kind to a copy of the data set (``grown(data)``) through
the services where users make them. Two things are written directly, as users cannot make
them: results of other teams and older quarters (frozen, like ``tests.factories.make_result``)
and the answers behind them (a closed assessment takes no answers).
"""

import datetime as dt
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

from django.utils import timezone

from assessments.dora import services as dora_services
from assessments.dora import webhook_services
from assessments.dora.ingest import ingest_rows
from assessments.maturity import services
from assessments.models import Answer, Membership, Response, Result, WebhookDelivery
from assessments.people import services as people_services
from assessments.people.services import add_person
from assessments.periods import current_period, shift_period
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires import services as questionnaire_services
from assessments.valuestream import services as valuestream_services
from reports.campaigns import services as campaigns
from reports.models import RoadmapItem, RoadmapReport
from reports.pdf import services as report_services
from reports.roadmap import services as roadmap_services
from tests.factories import (
    MembershipFactory,
    TeamFactory,
    UserFactory,
    build_world,
    load_mini_questionnaire,
    make_result,
    mini_questionnaire_yaml,
)

GROWTH = 4  # how many more of a kind a grower adds to the two of the data set
SHIPPED = Path(__file__).resolve().parent.parent / "assessments/questionnaires/vsm-maturity-v1.yaml"
SURVEY = {"deployment_frequency": "daily_to_weekly", "lead_time": "one_day_to_one_week",
          "time_to_restore": "less_than_one_day", "change_failure_rate": 15}  # fmt: skip
ENTRY = {"deployment_frequency": 0.5, "lead_time": 30.0, "time_to_restore": 4.0,
         "change_failure_rate": 10.0}  # fmt: skip
STAGES = [
    {"name": "Plan", "process_time_hours": 2, "wait_time_hours": 8,
     "pain_points": ["delay"]},
    {"name": "Build", "process_time_hours": 6, "wait_time_hours": 20, "handoff": True},
]  # fmt: skip
MORE_STAGES = [
    {"name": f"Stage {n}", "process_time_hours": n, "wait_time_hours": 2 * n,
     "handoff": n % 2 == 0, "pain_points": ["delay"] if n % 2 else []}
    for n in range(1, 7)
]  # fmt: skip
_serial = itertools.count(1)  # names of what growers add stay unique across tests


def period(offset):
    """The quarter ``offset`` quarters from now: the data moves with the calendar."""
    return shift_period(current_period(), offset)


def all_levels(questionnaire, shift=0):
    """An answer to every question: levels 1-5 in turn, every seventh "don't know"."""
    return {
        q.key: None if (n + shift) % 7 == 6 else 1 + (n + shift) % 5
        for n, q in enumerate(questionnaire_selectors.questions_by_key(questionnaire).values())
    }


def scores(questionnaire, base):
    """``{lineage: score}`` of every dimension, around ``base`` (for frozen results)."""
    return {
        d.lineage: round(min(5.0, base + 0.3 * n % 1.5), 2)
        for n, (d, _) in enumerate(questionnaire_selectors.questionnaire_structure(questionnaire))
    }


def answer(user, assessment, shift=0, submit=True, comment="", survey=True):
    """``user`` answers every question of an open assessment (and the DORA survey)."""
    keys = list(questionnaire_selectors.questions_by_key(assessment.questionnaire))
    services.save_answers(
        user, assessment, all_levels(assessment.questionnaire, shift),
        comments={keys[shift % len(keys)]: comment or f"Said by {user.username}"},
        evidence={keys[0]: "https://wiki.example.com/evidence"},
    )  # fmt: skip
    if survey:
        services.save_survey_answers(user, assessment, SURVEY)
    if submit:
        services.submit_response(user, assessment)


def answer_closed(assessment, users):
    """Submitted answers to a closed assessment, written directly (services refuse it)."""
    structure = questionnaire_selectors.questionnaire_structure(assessment.questionnaire)
    questions = [q for _, qs in structure for q in qs]
    for shift, user in enumerate(users):
        response = Response.objects.create(
            assessment=assessment, respondent=user, status=Response.SUBMITTED,
            submitted_at=timezone.now(),
        )  # fmt: skip
        Answer.objects.bulk_create(
            Answer(response=response, question=q, level=1 + (n + shift) % 5,
                   comment=f"Comment {n} of {user.username}" if n % 12 == 0 else "")
            for n, q in enumerate(questions)
        )  # fmt: skip


def closed_result(lead, team, quarter, respondents, key="vsm-maturity"):
    """A closed assessment of ``team`` answered by ``respondents``, with targets and result."""
    assessment = services.open_assessment(lead, team, quarter, key)
    for shift, user in enumerate(respondents):
        answer(user, assessment, shift)
    first_dimension = questionnaire_selectors.questionnaire_structure(assessment.questionnaire)[0][
        0
    ]
    services.set_targets(lead, assessment, {first_dimension.key: 4})
    return services.close_assessment(lead, assessment)


def ready(report):
    """Mark a report row ready as the worker would (no file: nothing here downloads it)."""
    RoadmapReport.objects.filter(pk=report.pk).update(
        status=RoadmapReport.READY, finished_at=timezone.now(), size_bytes=1234,
        duration_seconds=2.5, checksum="0" * 64,
    )  # fmt: skip
    report.refresh_from_db()
    return report


def events(team, label, count, first_day=1):
    """``count`` deployments, every third day of the last weeks from ``first_day`` days ago
    (well inside the 90-day window), each followed by an incident it caused."""
    now = timezone.now()
    deployments, incidents = [], []
    for n in range(count):
        finished = now - dt.timedelta(days=first_day + 3 * n, hours=1)
        first_commit = finished - dt.timedelta(hours=20)
        deployments.append(
            {
                "external_id": f"{label}-d-{n}",
                "finished_at": finished.isoformat(),
                "service": "web",
                "changes": [{"id": f"{label}-c-{n}", "first_commit_at": first_commit.isoformat()}],
            }
        )
        incidents.append(
            {
                "external_id": f"{label}-i-{n}",
                "started_at": (finished + dt.timedelta(hours=1)).isoformat(),
                "resolved_at": (finished + dt.timedelta(hours=5)).isoformat(),
                "deployment_external_id": f"{label}-d-{n}",
            }
        )
    ingest_rows(team, "deployments", deployments)
    ingest_rows(team, "incidents", incidents)


def touch_audited(d):
    """Audit entries of every audited kind, the newest of all, so that the first page of the
    audit trail names every kind in the small and in the grown data set alike (it reads one
    query per kind on the page): a member joins team A, answers and submits (answers, a
    response), a roadmap item and a result change, the member joins team B (a membership),
    and member A edits a comment (an answer)."""
    n = next(_serial)
    joiner = UserFactory(username=f"joiner{n}")
    add_person(d.org, joiner)
    services.add_member(d.team, joiner.username)
    answer(joiner, d.open_assessment, shift=n)
    # Fresh rows, changed whatever an earlier test left in the shared instances: an update
    # that changes nothing writes no entry.
    item = RoadmapItem.objects.get(pk=d.item.pk)
    roadmap_services.update_item(
        d.world.lead_a, item, phase="later" if item.phase == "now" else "now"
    )
    result = Result.objects.get(pk=d.result.pk)
    result.review_note = f"Seen {n}"
    result.save(update_fields=["review_note"])
    services.add_member(d.world.team_b, joiner.username)
    services.save_answers(d.world.member_a, d.open_assessment,
                          comments={d.first_question: f"Edited {n}"})  # fmt: skip


def build():
    """The small data set; see the module docstring. Team A is the team of every team page."""
    world = build_world()
    # Three respondents make a confident result: its page shows the comments the growers add.
    world.member_a2 = MembershipFactory(team=world.team_a, user__username="member_a2").user
    shipped, _ = questionnaire_services.load_questionnaire(SHIPPED.read_bytes())
    mini = load_mini_questionnaire()
    world.lead_b = MembershipFactory(
        team=world.team_b, user__username="lead_b", role=Membership.LEAD
    ).user
    team, lead, member = world.team_a, world.lead_a, world.member_a
    people = [member, lead, world.member_a2]

    older = closed_result(lead, team, period(-2), people)
    result = closed_result(lead, team, period(-1), people)
    for quarter in (-2, -1):
        closed_result(world.lead_b, world.team_b, period(quarter), [world.member_b, world.lead_b])
    roadmap_services.generate_roadmap(older)
    roadmap = roadmap_services.generate_roadmap(result)
    for n in (1, 2):
        roadmap_services.add_custom_item(lead, roadmap, f"Our item {n}", owner=member)
    report = ready(report_services.request_roadmap_report(lead, result)[0])
    report_services.request_roadmap_report(member, result)  # stays queued
    ready(report_services.request_portfolio_report(world.analyst, world.org)[0])
    report_services.request_portfolio_report(world.analyst, world.org, world.g1)

    opened = services.open_assessment(lead, team, period(0), "vsm-maturity")
    answer(lead, opened)
    first_question = next(iter(questionnaire_selectors.questions_by_key(shipped)))
    second_question = list(questionnaire_selectors.questions_by_key(shipped))[1]
    services.save_answers(member, opened, {first_question: 3, second_question: None},
                          comments={first_question: "Draft"})  # fmt: skip
    services.save_survey_answers(member, opened, SURVEY)
    # The same on the mini questionnaire (4 questions), for the guards on questions: two
    # closed quarters (the latest is the previous one of the open assessment) and an open one.
    for quarter in (-3, -2):
        answered = closed_result(lead, team, period(quarter), people, key="mini").assessment
    answering = services.open_assessment(lead, team, period(0), "mini")
    answer(lead, answering)
    answer(member, answering, shift=1, submit=False)

    events(team, "base", 2)
    dora_services.save_entry(lead, team, period(-1), ENTRY)
    dora_services.save_entry(world.lead_b, world.team_b, period(-1), ENTRY)
    for kind in ("current", "future"):
        for _ in range(2):
            valuestream_services.save_map(lead, team, kind, STAGES)
    valuestream_services.save_map(world.lead_b, world.team_b, "current", STAGES)

    due = timezone.localdate() + dt.timedelta(days=14)
    campaign = campaigns.open_campaign(
        world.analyst, world.org, "Round", period(0), due, team_ids=[team.id, world.team_b.id]
    )
    campaigns.open_campaign(world.analyst, world.org, "Platform round", period(0), due,
                            group=world.g2)  # fmt: skip
    # The organisation's own questionnaires (under keys of their own, so that every other
    # page keeps answering the library's): a published version and a draft of the next one.
    own = _own(world.org, mini_questionnaire_yaml(), "own-mini")
    own_big = _own(world.org, SHIPPED.read_text(), "own-maturity")
    own_draft = questionnaire_services.start_draft(None, world.org, "own-mini")
    own_big_draft = questionnaire_services.start_draft(None, world.org, "own-maturity")
    questionnaire_services.edit_draft(
        None, own_draft, {"op": "set", "path": "question.flow-wip.text", "value": "Reworded?"}
    )
    for key in list(questionnaire_selectors.questions_by_key(own_big_draft))[
        :8
    ]:  # a longer review page
        questionnaire_services.edit_draft(
            None, own_big_draft, {"op": "set", "path": f"question.{key}.text", "value": "New?"}
        )
    d = SimpleNamespace(
        own=own, own_draft=own_draft, own_big=own_big, own_big_draft=own_big_draft,
        world=world, org=world.org, team=team, shipped=shipped, mini=mini, questionnaire=mini,
        open_assessment=opened, closed_assessment=result.assessment, result=result,
        roadmap=roadmap, item=roadmap.items.order_by("position").first(), report=report,
        campaign=campaign, first_question=first_question, due=due, answering=answering,
        answered=answered,
    )  # fmt: skip
    # The first of each is the one the deliveries pages show.
    d.team_webhook = _webhook_with_deliveries(team=team)
    d.org_webhook = _webhook_with_deliveries(organization=world.org)
    _webhook_with_deliveries(team=team)
    _webhook_with_deliveries(organization=world.org)
    more_unrouted(d)
    _scim(d, 2)
    touch_audited(d)
    return d


def _scim(d, count):
    """SCIM tokens of the organisation, each issued by another admin (every other one revoked
    and used), and SCIM groups with two members each, mapped to team A or to no team."""
    from assessments.people.scim import groups as scim_groups
    from assessments.people.scim import tokens as scim_tokens

    now = timezone.now()
    start = d.org.scim_tokens.count()
    for n in range(start, start + count):
        admin = UserFactory(username=f"guard-scim-admin-{n}")
        token, _ = scim_tokens.issue_token(d.org, actor=admin)
        if n % 2:
            scim_tokens.revoke_token(d.org, token_id=token.pk, actor=admin)
            token.__class__.objects.filter(pk=token.pk).update(last_used_at=now)
        members = [UserFactory(username=f"guard-scim-{n}-{i}") for i in range(2)]
        for user in members:
            people_services.add_person(d.org, user)
        body = {
            "schemas": [scim_groups.GROUP_SCHEMA],
            "displayName": f"guard group {n}",
            "externalId": d.team.slug if n % 2 else "",
            "members": [{"value": str(u.pk)} for u in members],
        }
        scim_groups.create_group(d.org, body)


def _webhook_with_deliveries(**owner):
    hook, _ = webhook_services.create_webhook(provider="github", **owner)
    _deliveries(hook, GROWTH + 3)  # more than the API's list shows: it stays the same length
    return hook


def _deliveries(hook, count):
    start = hook.deliveries.count()
    for n in range(start, start + count):
        WebhookDelivery.objects.create(
            webhook=hook, delivery_id=f"d{n}", event_type="ping", body=b"{}", status="ignored"
        )


def _own(org, text, key):
    text = re.sub(r"^key: .*$", f"key: {key}", text, count=1, flags=re.MULTILINE)
    return questionnaire_services.load_questionnaire(text, org)[0]


def grown(data):
    """A copy of the data set for one test: growers may point it at other objects."""
    return SimpleNamespace(**vars(data))


# --- growers --------------------------------------------------------------------------------


def _new_team(d, group):
    n = next(_serial)
    team = TeamFactory(organization=d.org, group=group, name=f"Grown {n}", slug=f"grown-{n}")
    lead = MembershipFactory(team=team, role=Membership.LEAD, user__username=f"lead{n}").user
    member = MembershipFactory(team=team, user__username=f"member{n}").user
    return team, lead, member


def more_teams(d):
    """Teams of the organisation, in both groups, each with two members, two frozen results
    with answers, a DORA entry and a value stream map."""
    d.new_teams = []
    for i in range(GROWTH):
        team, lead, member = _new_team(d, (d.world.g1, d.world.g2)[i % 2])
        for quarter in (-2, -1):
            frozen = make_result(team, period(quarter), 2.0 + i / 4,
                                 scores(d.shipped, 2.0 + i / 4), questionnaire=d.shipped,
                                 respondents=2)  # fmt: skip
            answer_closed(frozen.assessment, [lead, member])
        dora_services.save_entry(lead, team, period(-1), ENTRY)
        valuestream_services.save_map(lead, team, "current", STAGES)
        d.new_teams.append(team)


def more_my_teams(d):
    """Teams member A belongs to (the home page lists them apart from the organisation's)."""
    for i in range(GROWTH):
        team, _, _ = _new_team(d, (d.world.g1, d.world.g2)[i % 2])
        services.add_member(team, d.world.member_a.username)


def more_respondents(d):
    """Members of team A: each submits the open assessment (with the DORA survey), and their
    answers to the closed ones are added."""
    users = []
    for i in range(GROWTH):
        user = UserFactory(username=f"respondent{next(_serial)}")
        add_person(d.org, user)
        services.add_member(d.team, user.username, (Membership.MEMBER, Membership.LEAD)[i % 2])
        answer(user, d.open_assessment, shift=i + 2)
        users.append(user)
    for assessment in d.team.assessments.filter(status="closed"):
        answer_closed(assessment, users)


def more_periods(d):
    """Older quarters of team A and team B: frozen results (team A's with answers and a
    roadmap each) and team A's DORA entries."""
    for offset in range(-3, -3 - GROWTH, -1):
        for team in (d.team, d.world.team_b):
            frozen = make_result(team, period(offset), 2.5, scores(d.shipped, 2.5 + offset / 10),
                                 questionnaire=d.shipped, respondents=2)  # fmt: skip
            if team == d.team:
                answer_closed(frozen.assessment, [d.world.member_a, d.world.lead_a])
                roadmap_services.generate_roadmap(frozen)
        dora_services.save_entry(d.world.lead_a, d.team, period(offset), ENTRY)


def more_events(d):
    """Deployments and incidents of team A (and the snapshot they refresh)."""
    events(d.team, "more", GROWTH, first_day=2)


def more_items(d):
    """Team A's own roadmap items (with owners) and roadmap reports."""
    people = [d.world.member_a, d.world.lead_a]
    for n in range(GROWTH):
        roadmap_services.add_custom_item(
            d.world.lead_a,
            d.roadmap,
            f"More {n}",
            owner=people[n % 2],
            phase=("now", "later")[n % 2],
        )
    for n in range(GROWTH):
        ready(report_services.request_roadmap_report(people[n % 2], d.result)[0])


def more_map_versions(d):
    """Versions of both of team A's maps, with more stages than before."""
    for kind in ("current", "future"):
        for _ in range(GROWTH):
            valuestream_services.save_map(d.world.lead_a, d.team, kind, MORE_STAGES, note="more")


def more_notices(d):
    """Member A's notices (the notices page, and the unread count in the navigation)."""
    from reports.models import Notice

    for kind, _label in Notice.KIND_CHOICES[:GROWTH]:
        Notice.objects.create(user=d.world.member_a, assessment=d.open_assessment, kind=kind)


def more_campaigns(d):
    """Rounds of the organisation (the list page)."""
    for n in range(GROWTH):
        campaigns.open_campaign(
            d.world.analyst, d.org, f"Round {n}", period(0), d.due,
            team_ids=[d.team.id, d.world.team_b.id],
        )  # fmt: skip


def bigger_campaign(d):
    """A round of every team of the organisation (more_teams first), one submission in a
    new team's assessment: the round page then has GROWTH more teams than the small one."""
    more_teams(d)
    d.campaign = campaigns.open_campaign(
        d.world.analyst, d.org, "Everyone", period(0), d.due,
        team_ids=[t.id for t in (d.team, d.world.team_b, *d.new_teams)],
    )  # fmt: skip
    entry = d.campaign.entries.select_related("assessment").get(team=d.new_teams[0])
    answer(entry.team.memberships.get(role=Membership.MEMBER).user, entry.assessment)


def more_questionnaires(d):
    """Versions of the mini questionnaire (published and draft), in the library and in the
    organisation."""
    for version in range(2, 2 + GROWTH):
        load_mini_questionnaire(version=version, status=("published", "draft")[version % 2])
        text = mini_questionnaire_yaml(version=version, status="published")
        questionnaire_services.load_questionnaire(text.replace("key: mini", "key: org-mini"), d.org)


def more_invitations(d):
    """Pending invitations of the organisation, some to a team."""
    for n in range(GROWTH):
        people_services.invite(
            None, d.org, f"guest{next(_serial)}@example.com", team=(None, d.team)[n % 2]
        )


def more_own_questions(d):
    """The organisation's own copy of the shipped questionnaire (48 questions) instead of its
    mini one (4), published and in a draft."""
    d.own, d.own_draft = d.own_big, d.own_big_draft


def more_questions(d):
    """The shipped questionnaire (10 dimensions, 48 questions) instead of the mini one (2, 4):
    its published version, and team A's open and closed assessments of it, answered like the
    mini ones (a submitted and, with ``more_my_answers``, a complete draft response; a
    previous quarter of the same questionnaire)."""
    d.questionnaire = d.shipped
    d.answering = d.open_assessment
    d.answered = d.closed_assessment


def more_portfolio_reports(d):
    """Portfolio reports of the organisation and of each group."""
    for n in range(GROWTH):
        group = (None, d.world.g1, d.world.g2)[n % 3]
        ready(report_services.request_portfolio_report(d.world.analyst, d.org, group)[0])


def more_my_answers(d):
    """Member A answers every question of the open assessment (two before), with comments."""
    answer(d.world.member_a, d.open_assessment, submit=False, comment="All of them")


def more_audit_entries(d):
    """Entries of every audited kind (and the newest again one of each kind)."""
    more_respondents(d)
    more_items(d)
    touch_audited(d)


def more_webhooks(d):
    """Webhooks of team A and of the organisation, each with deliveries."""
    for _ in range(GROWTH):
        _webhook_with_deliveries(team=d.team)
        _webhook_with_deliveries(organization=d.org)


def more_deliveries(d):
    """Deliveries of team A's first webhook and of the organisation's."""
    _deliveries(d.team_webhook, GROWTH)
    _deliveries(d.org_webhook, GROWTH)


def more_unrouted(d):
    """Events the organisation's webhooks could not route, naming ever more services."""
    from assessments.models.dora import UnroutedEvent

    start = UnroutedEvent.objects.count()
    for n in range(start, start + GROWTH):
        UnroutedEvent.objects.create(
            organization=d.org,
            provider="pagerduty",
            event_type="incident.triggered",
            subject=f"guard-unowned-{n}",
            summary=f"pagerduty:GUARD{n}",
            reason=f"no team owns service 'guard-unowned-{n}'",
        )


def more_ownerships(d):
    """Services, repositories and path prefixes team A owns."""
    from assessments.models.dora import TeamOwnership

    start = TeamOwnership.objects.count()
    for n in range(start, start + GROWTH):
        TeamOwnership.objects.create(
            organization=d.org, team=d.team, kind="service", value=f"guard-service-{n}"
        )


def more_scim(d):
    """The organisation's SCIM tokens (by other admins, some revoked) and SCIM groups (with
    members, some mapped to team A)."""
    _scim(d, GROWTH)


def more_tokens(d):
    """Team A's API tokens, each created by another person: working, used, expired and
    revoked ones."""
    from assessments.models import TeamApiToken

    now = timezone.now()
    start = TeamApiToken.objects.count()
    for n in range(start, start + GROWTH):
        creator = UserFactory(username=f"guard-token-maker-{n}")
        token, _ = TeamApiToken.issue(
            d.team, f"guard token {n}", created_by=creator,
            scope=TeamApiToken.METRICS if n % 2 else TeamApiToken.EVENTS,
            expires_at=now + dt.timedelta(days=n + 1),
        )  # fmt: skip
        TeamApiToken.objects.filter(pk=token.pk).update(
            last_used_at=now - dt.timedelta(hours=n),
            revoked_at=now if n % 4 == 3 else None,
            expires_at=now - dt.timedelta(days=1) if n % 4 == 2 else token.expires_at,
        )

"""Campaigns: assessment rounds a CoE analyst runs for many teams at once. Writes (open, close,
send reminders) and the reads the campaign pages need. Views, tasks and commands call these.

Lifecycle::

    open_campaign:  each chosen team gets an open assessment of the questionnaire for the
                    period (or joins with the one it already has)         -> campaign open
    daily (beat):   members who have not submitted get at most one reminder a day
    close_campaign: open assessments with a submitted response are closed and their result
                    frozen; those nobody answered are marked ``closed_without_result`` on the
                    round and stay open                                  -> campaign closed

Why unanswered assessments stay open: in this product a closed assessment always has a frozen
result (pages, history and roadmaps rely on it), and ``close_assessment`` refuses to close
without a submitted response. The round records the outcome instead, and the team's lead can
still close the assessment later if answers arrive. The round page says so.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments import permissions
from assessments.maturity import services as assessment_services
from assessments.models import Assessment, Membership, Response, Team
from assessments.periods import PeriodError, parse_period
from assessments.questionnaires import selectors as questionnaire_selectors
from reports.models import Campaign, CampaignTeam, ReminderLog
from reports.notifications import services as notifications
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed

log = logging.getLogger(__name__)

# Reminders stop this many days after the due date: late answers are welcome, nagging is not.
REMINDER_GRACE_DAYS = 14

# Row statuses on the round page.
OPEN, CLOSED, NO_RESULT = "open", "closed", "closed_without_result"
STATUS_LABELS = {
    OPEN: "Open",
    CLOSED: "Closed with result",
    NO_RESULT: "Closed without result",
}


# --- opening ------------------------------------------------------------------------------


def open_campaign(user, organization, name, period, due_date, team_ids=None, group=None,
                  questionnaire_key="vsm-maturity"):  # fmt: skip
    """Open a round for the chosen teams (``team_ids``, a whole ``group``, or both) of
    ``organization``: each team gets an open assessment of the latest published version of
    ``questionnaire_key`` for ``period``, due on ``due_date``. A team that already has an
    assessment of that key for the period joins with it, unchanged. CoE analysts and
    organisation admins only. Nothing is saved when it raises."""
    if not permissions.can_analyse(user, organization):
        raise NotAllowed("Only CoE analysts and organisation admins open campaigns.")
    name = (name or "").strip()
    if not name:
        raise Invalid("Give the round a name.", field="name")
    if len(name) > 200:
        raise Invalid("The name is longer than 200 characters.", field="name")
    try:
        parse_period(period)
    except PeriodError as exc:
        raise Invalid(str(exc), field="period") from None
    period = period.strip()
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise Invalid("Give a due date.", field="due_date")
    if due_date < timezone.localdate():
        raise Invalid(
            f"The due date {due_date:%d %b %Y} is in the past; choose today or later.",
            field="due_date",
        )
    teams = _chosen_teams(organization, team_ids, group)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organization=organization,
            name=name,
            questionnaire_key=questionnaire_key,
            period=period,
            due_date=due_date,
            created_by=user,
        )
        CampaignTeam.objects.bulk_create(
            CampaignTeam(
                campaign=campaign, team=team, assessment=assessment, joined_existing=joined
            )
            for team, assessment, joined in _round_assessments(
                user, organization, teams, questionnaire_key, period, due_date
            )
        )
    return campaign


def _chosen_teams(organization, team_ids, group):
    ids = set()
    for raw in team_ids or ():
        try:
            ids.add(int(raw))
        except (TypeError, ValueError):
            raise Invalid(f"{raw!r} is not a team.", field="teams") from None
    if group is not None and group.organization_id != organization.id:
        raise Invalid(f"{group.name} is not a group of {organization.name}.", field="group")
    teams = {t.id: t for t in Team.objects.filter(organization=organization, id__in=ids)}
    if ids - set(teams):
        raise Invalid(f"Choose teams of {organization.name} only.", field="teams")
    if group is not None:
        teams.update({t.id: t for t in Team.objects.filter(organization=organization, group=group)})
    if not teams:
        raise Invalid("Choose at least one team, or a group that has teams.", field="teams")
    return sorted(teams.values(), key=lambda t: (t.name, t.id))


def _round_assessments(user, organization, teams, questionnaire_key, period, due_date):
    """``(team, assessment, joined_existing)`` for each team, creating what is missing.

    ``assessments.maturity.services.open_assessment`` is meant for a team's lead and refuses CoE
    analysts (``can_lead_team``); the round was already allowed by ``can_analyse``. So the
    assessments are created here, with the same rules open_assessment applies: the period was
    parsed by the caller, the questionnaire is the latest published version of the key that the
    organisation uses (its own, else the library's), and the
    database's one-assessment-per-team-key-and-period constraint decides races (a lead opening
    the same assessment a moment ago makes the team join with it)."""
    questionnaire = questionnaire_selectors.latest_published(questionnaire_key, organization)
    if questionnaire is None:
        raise Invalid(
            f"There is no published questionnaire {questionnaire_key!r}.", field="questionnaire"
        )
    same = {"questionnaire_key": questionnaire.key, "period": period}
    existing = {a.team_id: a for a in Assessment.objects.filter(team__in=teams, **same)}
    rows = []
    for team in teams:
        if team.id in existing:
            rows.append((team, existing[team.id], True))
            continue
        try:
            with transaction.atomic():
                assessment = Assessment.objects.create(
                    team=team, questionnaire=questionnaire, opened_by=user, due_date=due_date,
                    **same,
                )  # fmt: skip
                # The team is told, as when its lead opens one (after the round commits).
                transaction.on_commit(
                    partial(notifications.notify_assessment_opened, assessment.id)
                )
            rows.append((team, assessment, False))
        except IntegrityError:
            rows.append((team, Assessment.objects.get(team=team, **same), True))
    return rows


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamProgress:
    """One team's line on the round page: members who submitted out of current members."""

    entry: CampaignTeam
    team: Team
    assessment: Assessment
    submitted: int
    members: int
    percent: int
    status: str

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


def _progress_rows(entries):
    """Progress of ``entries`` (CampaignTeam rows with team and assessment loaded), in two
    queries whatever their number. Counts only current members: someone who left the team
    after submitting still counts in the result, but not here, so the bar never passes 100%."""
    team_ids = {e.team_id for e in entries}
    assessment_ids = {e.assessment_id for e in entries}
    members = dict(
        Membership.objects.filter(team_id__in=team_ids)
        .values("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    submitted = dict(
        Response.objects.filter(
            assessment_id__in=assessment_ids,
            status=Response.SUBMITTED,
            respondent__memberships__team_id=F("assessment__team_id"),
        )
        .values("assessment_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("assessment_id", "n")
    )
    rows = []
    for entry in entries:
        n_members = members.get(entry.team_id, 0)
        n_submitted = submitted.get(entry.assessment_id, 0)
        if entry.assessment.status == Assessment.CLOSED:
            status = CLOSED
        elif entry.closed_without_result:
            status = NO_RESULT
        else:
            status = OPEN
        rows.append(
            TeamProgress(
                entry=entry,
                team=entry.team,
                assessment=entry.assessment,
                submitted=n_submitted,
                members=n_members,
                percent=n_submitted * 100 // n_members if n_members else 0,
                status=status,
            )
        )
    return rows


def _entries(**filters):
    return list(
        CampaignTeam.objects.filter(**filters)
        .select_related("team__group", "assessment__questionnaire")
        .order_by("team__name", "team_id")
    )


def campaign_progress(campaign):
    """One row per team of the round, by team name (three queries)."""
    return _progress_rows(_entries(campaign=campaign))


def summarize(rows):
    """Totals over progress rows (pure)."""
    submitted = sum(r.submitted for r in rows)
    members = sum(r.members for r in rows)
    return {
        "teams": len(rows),
        "submitted": submitted,
        "members": members,
        "percent": submitted * 100 // members if members else 0,
        "closed": sum(1 for r in rows if r.status == CLOSED),
        "without_result": sum(1 for r in rows if r.status == NO_RESULT),
        "not_started": sum(1 for r in rows if r.status == OPEN and not r.submitted),
    }


def campaign_list(organization, limit=50):
    """The organisation's latest rounds with their totals: ``[(campaign, summary)]`` (four
    queries whatever the number of rounds and teams)."""
    campaigns = list(
        Campaign.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
    by_campaign = {c.id: [] for c in campaigns}
    for row in _progress_rows(_entries(campaign_id__in=by_campaign)):
        by_campaign[row.entry.campaign_id].append(row)
    return [(c, summarize(by_campaign[c.id])) for c in campaigns]


def campaign_teams_choice(organization):
    """The organisation's teams and groups for the opening form (two queries)."""
    teams = list(
        Team.objects.filter(organization=organization)
        .select_related("group")
        .order_by("group__name", "name")
    )
    groups = list(organization.groups.annotate(team_count=Count("teams")).order_by("name"))
    return teams, groups


def published_questionnaires(organization):
    """The latest published version of each questionnaire key the organisation's teams would
    answer: its own, else the library's (one query)."""
    return questionnaire_selectors.latest_usable(organization)


# --- closing ------------------------------------------------------------------------------


def close_campaign(user, campaign):
    """Close the round: open -> closed, once (a conditional UPDATE claims it, so a double
    click closes nothing twice). Each of its assessments that is still open is closed with its
    result frozen if at least one response was submitted, as a lead's close would; one that
    nobody submitted stays open and its line is marked ``closed_without_result``. Assessments
    the team closed before stay as they are. Returns ``{"closed": n, "without_result": m}``."""
    if not permissions.can_analyse(user, campaign.organization_id):
        raise NotAllowed("Only CoE analysts and organisation admins close campaigns.")
    closed, without = 0, []
    with transaction.atomic():
        claimed = Campaign.objects.filter(pk=campaign.pk, status=Campaign.OPEN).update(
            status=Campaign.CLOSED, closed_at=timezone.now(), closed_by=user
        )
        if not claimed:
            raise Conflict("This round is already closed.")
        for entry in CampaignTeam.objects.filter(campaign=campaign).order_by("id"):
            outcome = _close_for_round(user, entry.assessment_id)
            if outcome == "closed":
                closed += 1
            elif outcome == "nobody":
                without.append(entry.id)
        CampaignTeam.objects.filter(id__in=without).update(closed_without_result=True)
    campaign.refresh_from_db()
    return {"closed": closed, "without_result": len(without)}


def _close_for_round(user, assessment_id):
    """Close one assessment on behalf of the analyst closing the round: "closed", "nobody"
    (no submitted response: left open) or "already" (closed before). The round's
    ``can_analyse`` check stands in for the lead-only check of ``close_assessment``."""
    assessment = Assessment.objects.select_related("team__organization", "questionnaire").get(
        pk=assessment_id
    )
    if assessment.status != Assessment.OPEN:
        return "already"
    try:
        assessment_services.close_assessment_for(assessment, closed_by=user)
    except Conflict:
        assessment.refresh_from_db()
        return "already" if assessment.status != Assessment.OPEN else "nobody"
    return "closed"


# --- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingItem:
    """An assessment a person has yet to submit, as listed in their reminder."""

    assessment_id: int
    campaign_id: int
    team_name: str
    period: str
    questionnaire_title: str
    due_date: dt.date


def pending_reminders(today, campaign=None):
    """Who should be reminded ``today``: ``{user: [PendingItem, ...]}`` (four queries).

    A person is pending for an assessment of a round when the round is open, its due date is
    not more than REMINDER_GRACE_DAYS behind, the assessment is still open, they are a current
    member of the team and a person of its organisation (active, with an email address), they
    have not submitted, and they
    have had no reminder today from any round. ``campaign`` limits it to that round's people,
    but their email still lists everything they have pending."""
    entries = CampaignTeam.objects.filter(
        campaign__status=Campaign.OPEN,
        campaign__due_date__gte=today - dt.timedelta(days=REMINDER_GRACE_DAYS),
        assessment__status=Assessment.OPEN,
    ).select_related("campaign", "team", "assessment__questionnaire")
    entries = list(entries.order_by("campaign__due_date", "team__name", "id"))
    # Only the organisation's own people: a team membership alone never makes the platform
    # e-mail someone on an organisation's behalf.
    memberships = list(
        Membership.objects.filter(
            team_id__in={e.team_id for e in entries},
            user__is_active=True,
            user__organization_memberships__organization=F("team__organization"),
        )
        .exclude(user__email="")
        .select_related("user")
    )
    submitted = set(
        Response.objects.filter(
            assessment_id__in={e.assessment_id for e in entries}, status=Response.SUBMITTED
        ).values_list("assessment_id", "respondent_id")
    )
    reminded = set(
        ReminderLog.objects.filter(
            sent_on=today, user_id__in={m.user_id for m in memberships}
        ).values_list("user_id", flat=True)
    )
    users_by_team = {}
    for m in memberships:
        if m.user_id not in reminded:
            users_by_team.setdefault(m.team_id, []).append(m.user)
    pending, listed = {}, set()
    for entry in entries:
        for user in users_by_team.get(entry.team_id, ()):
            key = (entry.assessment_id, user.id)
            if key in submitted or key in listed:
                continue
            # The same assessment in two rounds is listed once, with the earlier due date.
            listed.add(key)
            pending.setdefault(user, []).append(
                PendingItem(
                    assessment_id=entry.assessment_id,
                    campaign_id=entry.campaign_id,
                    team_name=entry.team.name,
                    period=entry.assessment.period,
                    questionnaire_title=entry.assessment.questionnaire.title,
                    due_date=entry.campaign.due_date,
                )
            )
    if campaign is not None:
        in_round = {e.assessment_id for e in entries if e.campaign_id == campaign.id}
        pending = {
            user: items
            for user, items in pending.items()
            if any(i.assessment_id in in_round for i in items)
        }
    return pending


def send_due_reminders(today=None, campaign=None):
    """Email every pending person (see ``pending_reminders``) once, listing all their pending
    assessments; returns how many emails went out. Each email is claimed first by inserting
    the person's ReminderLog row for the day: the unique (user, sent_on) constraint makes a
    concurrent or repeated run skip them. If sending fails the row is removed again, so a later
    run the same day may try once more."""
    today = today or timezone.localdate()
    pending = pending_reminders(today, campaign)
    if not pending:
        return 0
    sent = 0
    connection = get_connection()  # one SMTP session for the whole run
    for user, items in sorted(pending.items(), key=lambda kv: kv[0].username):
        try:
            with transaction.atomic():
                log_row = ReminderLog.objects.create(
                    user=user,
                    sent_on=today,
                    campaign_count=len({i.campaign_id for i in items}),
                    assessment_count=len(items),
                )
        except IntegrityError:  # another run reminded them a moment ago
            continue
        subject, body = _reminder_email(user, items)
        try:
            send_mail(subject, body, None, [user.email], connection=connection)
        except (smtplib.SMTPException, OSError):
            log.exception("Reminder to %s not sent; it may be tried again today", user.pk)
            ReminderLog.objects.filter(pk=log_row.pk).delete()
            continue
        sent += 1
    return sent


def send_campaign_reminders(user, campaign, today=None):
    """ "Send reminders now" on a round page: the same rules and the same once-a-day limit as
    the daily run, for people with something pending in this round. The e-mails go out from a
    worker (``reports.task_send_reminders`` with this round's id); returns how many people
    are to be reminded, as counted now (the worker counts again and skips anyone reminded in
    the meantime)."""
    if not permissions.can_analyse(user, campaign.organization_id):
        raise NotAllowed("Only CoE analysts and organisation admins send reminders.")
    if not campaign.is_open:
        raise Conflict("This round is closed; nobody is reminded any more.")
    today = today or timezone.localdate()
    count = len(pending_reminders(today, campaign))
    if count:
        transaction.on_commit(partial(enqueue_campaign_reminders, campaign.id, today))
    return count


def enqueue_campaign_reminders(campaign_id, today):
    """Hand a round's reminders to a worker. A broker that is down is said in the log; the
    daily run reminds the same people later."""
    try:
        task_send_reminders.apply_async(
            kwargs={"campaign_id": campaign_id, "today": today.isoformat()}, retry=False
        )
    except Exception as exc:  # kombu raises several unrelated types for "broker down"
        log.warning("Reminders of round %s not queued: broker unreachable (%s)", campaign_id, exc)


def _reminder_email(user, items):
    site = _site_url()
    lines = [
        {
            "item": item,
            "url": site + reverse("answer_page", kwargs={"assessment_id": item.assessment_id}),
        }
        for item in sorted(items, key=lambda i: (i.due_date, i.team_name))
    ]
    if len(items) == 1:
        subject = f"Reminder: {items[0].team_name}'s assessment {items[0].period} awaits you"
    else:
        subject = f"Reminder: {len(items)} assessments await your answers"
    body = render_to_string(
        "reports/campaigns/reminder_email.txt",
        {"user": user, "lines": lines, "grace_days": REMINDER_GRACE_DAYS},
    )
    return subject, body


def _site_url():
    """Links in e-mails are absolute, built on SITE_URL (required when DEBUG is off; the
    development server's address under `make run`): the worker sending them has no request."""
    return settings.SITE_URL


# --- Celery task (listed in reports/tasks.py) --------------------------------------------


@shared_task(name="reports.task_send_reminders")
def task_send_reminders(campaign_id=None, today=None):
    """Email today's campaign reminders: every round's (beat, daily) or one round's ("Send
    reminders now"). Safe to run twice or on two workers: each person's reminder is claimed by
    inserting their ReminderLog row for the day. A round closed or deleted since it was queued
    reminds nobody."""
    day = dt.date.fromisoformat(today) if today else None
    if campaign_id is None:
        return send_due_reminders(today=day)
    campaign = Campaign.objects.filter(pk=campaign_id, closed_at__isnull=True).first()
    if campaign is None:
        return 0
    return send_due_reminders(today=day, campaign=campaign)

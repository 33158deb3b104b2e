"""Notifications: members are told, in the product (a notice) and by e-mail, when an assessment
opens for their team, the day before it is due, and when its result is ready; a team lead may
also invite the team to answer. Each person can turn each kind off (an invitation follows the
"opens" choice). Views, tasks and the assessment hooks call these.

Lifecycle of one notice::

    notify_*:            the notice row is inserted (the unique person/assessment/kind
                         constraint is the claim: nobody is told twice), then, after commit,
                         its e-mail is handed to Celery (task_send_notice_emails, ids only)
    send_notice_emails:  emailed_at is claimed with a conditional UPDATE, the e-mail goes out;
                         if sending fails the claim is released so a retry may send it

Who is told: current members of the assessment's team who are people of the team's
organisation (a team membership alone never makes the platform write to someone on an
organisation's behalf), active, and have not turned the kind off. Reminders before the due date
and invitations skip those who already submitted. Links in e-mails are absolute (SITE_URL).
"""

import datetime as dt
import functools
import logging
import smtplib
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments import permissions
from assessments.models import Assessment, Membership, Response
from reports.models import Notice, NotificationOptOut
from vsm_site.domain_errors import Conflict, NotAllowed

log = logging.getLogger(__name__)

# The kinds a person may turn off, in the order the preferences page lists them.
OPTIONAL_KINDS = [Notice.OPENED, Notice.DUE_TOMORROW, Notice.RESULT_READY]
# Which choice governs a kind (an invitation is an "assessment opens" message from the lead).
GOVERNED_BY = {**{k: k for k in OPTIONAL_KINDS}, Notice.INVITED: Notice.OPENED}


# --- who is told ----------------------------------------------------------------------------


def recipients(assessment, kind):
    """The users to tell about ``assessment`` for ``kind`` (see the module docstring)."""
    members = Membership.objects.filter(
        team_id=assessment.team_id,
        user__is_active=True,
        user__organization_memberships__organization=F("team__organization"),
    ).exclude(user__notification_opt_outs__kind=GOVERNED_BY[kind])
    if kind in (Notice.DUE_TOMORROW, Notice.INVITED):
        submitted = Response.objects.filter(
            assessment_id=assessment.id, status=Response.SUBMITTED
        ).values("respondent_id")
        members = members.exclude(user_id__in=submitted)
    return [m.user for m in members.select_related("user").order_by("user__username")]


def _notify(assessment, kind, users):
    """Insert one notice per user (skipping those already told) and hand the new ones' e-mails
    to Celery after commit. Returns the new notices."""
    created = []
    for user in users:
        try:
            with transaction.atomic():
                created.append(Notice.objects.create(user=user, assessment=assessment, kind=kind))
        except IntegrityError:  # told before: the row is the claim
            continue
    if created:
        ids = [n.id for n in created]
        transaction.on_commit(partial(enqueue_notice_emails, ids))
    return created


def notify_assessment_opened(assessment_id):
    """Tell the team an assessment opened for it (hook: assessments' ``assessment_opened``)."""
    assessment = Assessment.objects.select_related("team").get(pk=assessment_id)
    if assessment.status != Assessment.OPEN:
        return []
    return _notify(assessment, Notice.OPENED, recipients(assessment, Notice.OPENED))


def notify_result_ready(assessment_id):
    """Tell the team its result is ready (hook: ``assessment_closed``, after the freeze)."""
    assessment = Assessment.objects.select_related("team").get(pk=assessment_id)
    if assessment.status != Assessment.CLOSED:
        return []
    return _notify(assessment, Notice.RESULT_READY, recipients(assessment, Notice.RESULT_READY))


def notify_due_tomorrow(today=None):
    """Tell those who have not submitted that an open assessment is due tomorrow (beat,
    daily). Returns how many people were told."""
    today = today or timezone.localdate()
    due = Assessment.objects.filter(
        status=Assessment.OPEN, due_date=today + dt.timedelta(days=1)
    ).select_related("team")
    told = 0
    for assessment in due.order_by("id"):
        users = recipients(assessment, Notice.DUE_TOMORROW)
        told += len(_notify(assessment, Notice.DUE_TOMORROW, users))
    return told


def invite_team(user, assessment):
    """The lead's "Invite the team": every member who has not submitted and has not been
    invited to this assessment before is told. Returns ``(invited, skipped)``: how many were
    invited now, and how many members were left out (already invited or submitted, or turned
    these messages off)."""
    if not permissions.can_lead_team(user, assessment.team):
        raise NotAllowed("Only the team's lead invites the team.")
    if assessment.status != Assessment.OPEN:
        raise Conflict("This assessment is closed; nobody can answer it any more.")
    users = [u for u in recipients(assessment, Notice.INVITED) if u.pk != user.pk]
    created = _notify(assessment, Notice.INVITED, users)
    members = Membership.objects.filter(team_id=assessment.team_id).exclude(user=user).count()
    return len(created), members - len(created)


# --- reading and preferences ----------------------------------------------------------------


def unread_count(user):
    """The navigation's badge, on every page: one COUNT written once (``_unread_sql``) rather
    than built by the ORM per request (about 0.2 ms of CPU each time)."""
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(), [user.pk])
        return cursor.fetchone()[0]


@functools.cache
def _unread_sql():
    n, q = Notice._meta, connection.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM {q(n.db_table)} WHERE {q(n.get_field('user').column)} = %s "
        f"AND {q(n.get_field('read_at').column)} IS NULL"
    )


def notices_for(user, limit=50):
    """The person's latest notices with their assessment and team (one query)."""
    notices = Notice.objects.filter(user=user).select_related("assessment__team")
    return [{"notice": n, "text": notice_text(n), "url": notice_path(n)} for n in notices[:limit]]


def mark_all_read(user):
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def turned_off(user):
    return set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))


def set_preferences(user, enabled_kinds):
    """Turn on exactly ``enabled_kinds`` of OPTIONAL_KINDS for ``user`` (others off)."""
    enabled = set(enabled_kinds) & set(OPTIONAL_KINDS)
    with transaction.atomic():
        NotificationOptOut.objects.filter(user=user, kind__in=enabled).delete()
        for kind in OPTIONAL_KINDS:
            if kind not in enabled:
                NotificationOptOut.objects.get_or_create(user=user, kind=kind)


def notice_path(notice):
    name = "result_page" if notice.kind == Notice.RESULT_READY else "assessment_detail"
    return reverse(name, kwargs={"assessment_id": notice.assessment_id})


def notice_text(notice):
    a = notice.assessment
    return {
        Notice.OPENED: f"{a.team.name}'s assessment {a.period} is open for your answers",
        Notice.DUE_TOMORROW: f"{a.team.name}'s assessment {a.period} is due tomorrow",
        Notice.RESULT_READY: f"{a.team.name}'s result for {a.period} is ready",
        Notice.INVITED: f"Your team lead invites you to answer {a.team.name}'s assessment "
        f"{a.period}",
    }[notice.kind]


# --- e-mail ---------------------------------------------------------------------------------


def enqueue_notice_emails(notice_ids):
    """Hand the notices' e-mails to a worker. If the broker is down the notices are still
    shown in the product; the e-mails are not sent (logged)."""
    try:
        task_send_notice_emails.apply_async(args=[list(notice_ids)], retry=False)
    except Exception as exc:  # kombu raises several unrelated types for "broker down"
        log.warning("Notice e-mails %s not sent: the broker is unreachable (%s)", notice_ids, exc)


def send_notice_emails(notice_ids):
    """E-mail each notice not e-mailed yet to its person (if they have an address). Each is
    claimed first (emailed_at set by a conditional UPDATE), so a redelivered task sends nothing
    twice; a failed send releases the claim. Returns how many e-mails went out."""
    notices = Notice.objects.filter(
        id__in=notice_ids, emailed_at__isnull=True, user__is_active=True
    ).exclude(user__email="")
    notices = list(notices.select_related("user", "assessment__team", "assessment__questionnaire"))
    sent = 0
    connection = get_connection()
    for notice in notices:
        claimed = Notice.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        subject, body = notice_email(notice)
        try:
            send_mail(subject, body, None, [notice.user.email], connection=connection)
        except (smtplib.SMTPException, OSError):
            log.exception("Notice %s not e-mailed", notice.pk)
            Notice.objects.filter(pk=notice.pk).update(emailed_at=None)
            continue
        sent += 1
    return sent


def notice_email(notice):
    """``(subject, body)`` of a notice's e-mail; every link absolute (SITE_URL)."""
    site = settings.SITE_URL
    a = notice.assessment
    link_name = "result_page" if notice.kind == Notice.RESULT_READY else "answer_page"
    context = {
        "user": notice.user,
        "assessment": a,
        "kind": notice.kind,
        "text": notice_text(notice),
        "url": site + reverse(link_name, kwargs={"assessment_id": a.id}),
        "preferences_url": site + reverse("notification_preferences"),
    }
    body = render_to_string("reports/notifications/notice_email.txt", context)
    return notice_text(notice), body


# --- hooks ----------------------------------------------------------------------------------


def on_assessment_opened(sender, assessment_id, **kwargs):
    notify_assessment_opened(assessment_id)


def on_assessment_closed(sender, assessment_id, **kwargs):
    notify_result_ready(assessment_id)


# --- Celery tasks (listed in reports/tasks.py) -------------------------------------------


@shared_task(name="reports.task_send_notice_emails")
def task_send_notice_emails(notice_ids):
    """E-mail the given notices; each is claimed (emailed_at) first, so a redelivery is
    harmless."""
    return send_notice_emails(notice_ids)


@shared_task(name="reports.task_notify_due_tomorrow")
def task_notify_due_tomorrow():
    """Tell who has not submitted that an assessment is due tomorrow (beat, daily); a second
    run the same day tells nobody again (one notice per person, assessment and kind)."""
    return notify_due_tomorrow()

"""Notifications (reports/notifications.py): who is told, once, what they turned off, and the
e-mails sent by the Celery task functions with absolute links on SITE_URL."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from assessments.maturity import services
from assessments.models import OrganizationMember
from reports import tasks
from reports.models import Notice, NotificationOptOut
from reports.notifications import services as notifications
from tests.conftest import ALL_LEVELS
from tests.factories import MembershipFactory
from vsm_site.domain_errors import Conflict, NotAllowed

SITE = "https://vsm.example.com"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def enqueued(monkeypatch):
    """Notice ids handed to Celery, instead of the broker."""
    batches = []
    monkeypatch.setattr(
        tasks.task_send_notice_emails, "apply_async", lambda args, **kw: batches.append(args[0])
    )
    return batches


def _send(batches):
    """What a worker does with the enqueued batches: run the task function on each."""
    return sum(tasks.task_send_notice_emails(ids) for ids in batches)


def _open(world, mini, django_capture_on_commit_callbacks, due_date=None):
    with django_capture_on_commit_callbacks(execute=True):
        return services.open_assessment(
            world.lead_a, world.team_a, "2026-Q4", "mini", due_date=due_date
        )


def _kinds(user):
    return sorted(Notice.objects.filter(user=user).values_list("kind", flat=True))


def test_opening_tells_the_team_by_notice_and_email_through_the_task(
    world, mini, enqueued, django_capture_on_commit_callbacks
):
    assessment = _open(world, mini, django_capture_on_commit_callbacks)

    assert _kinds(world.member_a) == ["opened"]
    assert _kinds(world.lead_a) == ["opened"]
    assert _kinds(world.member_b) == []
    assert len(enqueued) == 1
    assert mail.outbox == []  # nothing is sent in the request
    assert _send(enqueued) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["lead_a@example.com", "member_a@example.com"]
    body = mail.outbox[0].body
    assert f"{SITE}/assessments/{assessment.id}/answer/" in body
    assert f"{SITE}/notices/settings/" in body


def test_every_link_in_every_notice_email_is_absolute(world, open_assessment):
    for kind, _label in Notice.KIND_CHOICES:
        notice = Notice.objects.create(user=world.member_a, assessment=open_assessment, kind=kind)
        _subject, body = notifications.notice_email(notice)
        links = [w for w in body.split() if "/" in w and not w.startswith("http")]
        assert links == [], (kind, links)
        assert body.count(SITE + "/") == 2, kind


def test_each_kind_is_sent_once(world, mini, enqueued, django_capture_on_commit_callbacks):
    assessment = _open(world, mini, django_capture_on_commit_callbacks)
    assert notifications.notify_assessment_opened(assessment.id) == []
    assert _send(enqueued) == 2
    assert _send(enqueued) == 0  # a redelivered task: each e-mail was claimed
    assert len(mail.outbox) == 2


def test_due_tomorrow_tells_only_who_has_not_submitted_once(
    world, mini, enqueued, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    assessment = _open(world, mini, django_capture_on_commit_callbacks, today + dt.timedelta(1))
    services.save_answers(world.member_a, assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, assessment)
    enqueued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.notify_due_tomorrow(today) == 1
        assert notifications.notify_due_tomorrow(today) == 0
    assert _kinds(world.lead_a) == ["due_tomorrow", "opened"]
    assert _kinds(world.member_a) == ["opened"]
    assert notifications.notify_due_tomorrow(today - dt.timedelta(1)) == 0
    assert _send(enqueued) == 1
    assert mail.outbox[0].to == ["lead_a@example.com"]


def test_task_notify_due_tomorrow_and_its_schedule(settings, world, mini, enqueued):
    services.open_assessment(
        world.lead_a, world.team_a, "2026-Q4", "mini",
        due_date=timezone.localdate() + dt.timedelta(1),
    )  # fmt: skip
    assert tasks.task_notify_due_tomorrow() == 2
    entry = settings.CELERY_BEAT_SCHEDULE["notify-due-tomorrow"]
    assert entry["task"] == tasks.task_notify_due_tomorrow.name


def test_result_ready_tells_the_team_when_the_lead_closes(
    world, mini, enqueued, django_capture_on_commit_callbacks
):
    assessment = _open(world, mini, django_capture_on_commit_callbacks)
    services.save_answers(world.member_a, assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, assessment)
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.close_assessment(world.lead_a, assessment)
    assert _kinds(world.member_a) == ["opened", "result_ready"]
    assert _send(enqueued) == 2
    assert f"{SITE}/assessments/{assessment.id}/result/" in mail.outbox[0].body


def test_a_kind_turned_off_is_neither_shown_nor_emailed(
    world, mini, enqueued, django_capture_on_commit_callbacks
):
    notifications.set_preferences(world.member_a, ["due_tomorrow", "result_ready"])
    assert notifications.turned_off(world.member_a) == {"opened"}
    _open(world, mini, django_capture_on_commit_callbacks)
    assert _kinds(world.member_a) == []
    assert _send(enqueued) == 1
    assert mail.outbox[0].to == ["lead_a@example.com"]
    notifications.set_preferences(world.member_a, ["opened", "due_tomorrow", "result_ready"])
    assert NotificationOptOut.objects.filter(user=world.member_a).count() == 0


def test_only_the_organisations_people_are_told(
    world, mini, enqueued, django_capture_on_commit_callbacks
):
    stranger = MembershipFactory(team=world.team_a, user__username="stranger").user
    OrganizationMember.objects.filter(user=stranger).delete()
    inactive = MembershipFactory(team=world.team_a, user__username="gone").user
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    _open(world, mini, django_capture_on_commit_callbacks)
    assert _kinds(stranger) == []
    assert _kinds(inactive) == []
    assert _send(enqueued) == 2


def test_invite_team_by_the_lead_once_each(world, open_assessment, enqueued,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.invite_team(world.lead_a, open_assessment) == (1, 0)
        assert notifications.invite_team(world.lead_a, open_assessment) == (0, 1)
    assert _kinds(world.member_a) == ["invited"]
    assert _send(enqueued) == 1
    assert mail.outbox[0].to == ["member_a@example.com"]
    assert f"{SITE}/assessments/{open_assessment.id}/answer/" in mail.outbox[0].body
    with pytest.raises(NotAllowed):
        notifications.invite_team(world.member_a, open_assessment)


def test_invite_team_refused_once_closed(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    services.submit_response(world.member_a, open_assessment)
    services.close_assessment(world.lead_a, open_assessment)
    with pytest.raises(Conflict):
        notifications.invite_team(world.lead_a, open_assessment)


def test_failed_send_releases_the_claim(world, open_assessment, monkeypatch):
    import smtplib

    notice = Notice.objects.create(user=world.member_a, assessment=open_assessment, kind="opened")

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    assert tasks.task_send_notice_emails([notice.id]) == 0
    notice.refresh_from_db()
    assert notice.emailed_at is None
    monkeypatch.undo()
    assert tasks.task_send_notice_emails([notice.id]) == 1


def test_notice_pages_and_preferences(client, world, open_assessment):
    Notice.objects.create(user=world.member_a, assessment=open_assessment, kind="opened")
    client.force_login(world.member_a)
    page = client.get("/notices/").content.decode()
    assert "Team A&#x27;s assessment 2026-Q4 is open for your answers" in page
    assert '>1<span class="visually-hidden"> unread</span>' in page
    client.post("/notices/read/")
    assert Notice.objects.get().read_at is not None
    client.post("/notices/settings/", {"kind": ["result_ready"]})
    assert notifications.turned_off(world.member_a) == {"opened", "due_tomorrow"}


def test_invite_view_and_copy_link(client, world, open_assessment, enqueued):
    client.force_login(world.lead_a)
    page = client.get(f"/assessments/{open_assessment.id}/").content.decode()
    assert f'value="{SITE}/assessments/{open_assessment.id}/answer/"' in page
    response = client.post(f"/assessments/{open_assessment.id}/invite/", follow=True)
    assert "Invitation sent to 1 member." in response.content.decode()
    client.force_login(world.member_a)
    assert client.post(f"/assessments/{open_assessment.id}/invite/").status_code == 403

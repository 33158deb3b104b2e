"""Campaigns: opening a round, progress, closing, reminder rules, pages and permissions."""

import datetime as dt
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.maturity import services as assessment_services
from assessments.models import Assessment, Membership, Result
from reports.campaigns import services as campaigns
from reports.models import Campaign, CampaignTeam, ReminderLog
from reports.tasks import task_send_reminders
from tests.conftest import ALL_LEVELS
from tests.factories import MembershipFactory, TeamFactory
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def team_c(world):
    """A second team in group g1 "Payments", with one member."""
    team = TeamFactory(organization=world.org, group=world.g1, name="Team C", slug="team-c")
    MembershipFactory(team=team, user__username="member_c")
    return team


def _open(world, today, teams=None, group=None, period="2026-Q4", name="Q4 round", user=None):
    return campaigns.open_campaign(
        user or world.analyst,
        world.org,
        name,
        period,
        today + dt.timedelta(days=14),
        team_ids=[t.id for t in teams or ()],
        group=group,
        questionnaire_key="mini",
    )


def _submit(user, assessment, levels=ALL_LEVELS):
    assessment_services.save_answers(user, assessment, answers=levels)
    assessment_services.submit_response(user, assessment)


def _assessment(campaign, team):
    return CampaignTeam.objects.get(campaign=campaign, team=team).assessment


# --- opening ------------------------------------------------------------------------------


def test_open_campaign_for_group_gives_each_team_an_open_assessment(world, mini, team_c, today):
    campaign = _open(world, today, teams=[world.team_b], group=world.g1)

    entries = list(campaign.entries.select_related("team", "assessment").order_by("team__name"))
    assert [e.team.name for e in entries] == ["Team A", "Team B", "Team C"]
    for entry in entries:
        a = entry.assessment
        assert (a.team_id, a.status, a.period, a.due_date, a.questionnaire_id, a.opened_by) == (
            entry.team_id, "open", "2026-Q4", today + dt.timedelta(days=14), mini.id,
            world.analyst,
        )  # fmt: skip
        assert entry.joined_existing is False
    assert (campaign.status, campaign.created_by, campaign.organization) == (
        "open", world.analyst, world.org,
    )  # fmt: skip


def test_open_campaign_team_with_existing_assessment_joins_with_it(world, mini, today):
    existing = assessment_services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")

    campaign = _open(world, today, teams=[world.team_a, world.team_b])

    entry_a = campaign.entries.get(team=world.team_a)
    assert (entry_a.assessment_id, entry_a.joined_existing) == (existing.id, True)
    assert Assessment.objects.filter(team=world.team_a).count() == 1
    existing.refresh_from_db()
    assert (existing.opened_by, existing.due_date) == (world.lead_a, None)  # left as it was
    assert campaign.entries.get(team=world.team_b).joined_existing is False


def test_open_campaign_org_admin_may(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a], user=world.org_admin)
    assert campaign.created_by == world.org_admin


@pytest.mark.parametrize("who", ["member_a", "lead_a", "other_admin", "outsider"])
def test_open_campaign_refused_to_others(world, mini, today, who):
    with pytest.raises(NotAllowed) as exc:
        _open(world, today, teams=[world.team_a], user=getattr(world, who))
    assert exc.value.message == "Only CoE analysts and organisation admins open campaigns."
    assert Campaign.objects.count() == 0


def test_open_campaign_validation(world, mini, today):
    due = today + dt.timedelta(days=7)
    cases = [
        ({"period": "2026-Q5"}, "period", "Period '2026-Q5' is not a quarter like 2026-Q4."),
        ({"due_date": today - dt.timedelta(days=1)}, "due_date",
         f"The due date {today - dt.timedelta(days=1):%d %b %Y} is in the past; choose today "
         "or later."),
        ({"due_date": None}, "due_date", "Give a due date."),
        ({"name": "  "}, "name", "Give the round a name."),
        ({"team_ids": []}, "teams", "Choose at least one team, or a group that has teams."),
        ({"team_ids": [world.other_team.id]}, "teams", "Choose teams of Acme only."),
        ({"team_ids": ["x"]}, "teams", "'x' is not a team."),
        ({"questionnaire_key": "nope"}, "questionnaire",
         "There is no published questionnaire 'nope'."),
    ]  # fmt: skip
    for override, field, message in cases:
        kwargs = {
            "name": "R",
            "period": "2026-Q4",
            "due_date": due,
            "team_ids": [world.team_a.id],
            "questionnaire_key": "mini",
            **override,
        }
        with pytest.raises(Invalid) as exc:
            campaigns.open_campaign(world.analyst, world.org, **kwargs)
        assert (exc.value.field, exc.value.message) == (field, message)
    assert Campaign.objects.count() == 0
    assert Assessment.objects.count() == 0


def test_open_campaign_group_of_another_organisation_refused(world, mini, today):
    from tests.factories import TeamGroupFactory

    foreign = TeamGroupFactory(organization=world.other, name="Elsewhere")
    with pytest.raises(Invalid) as exc:
        _open(world, today, group=foreign)
    assert exc.value.message == "Elsewhere is not a group of Acme."


# --- progress and closing -----------------------------------------------------------------


def test_campaign_progress_rows(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a, world.team_b])
    a = _assessment(campaign, world.team_a)
    _submit(world.member_a, a)
    assessment_services.save_answers(world.lead_a, a, answers={"flow-wip": 2})  # a draft

    rows = campaigns.campaign_progress(campaign)

    assert [(r.team.name, r.assessment.id, r.submitted, r.members, r.percent, r.status)
            for r in rows] == [
        ("Team A", a.id, 1, 2, 50, "open"),
        ("Team B", _assessment(campaign, world.team_b).id, 0, 1, 0, "open"),
    ]  # fmt: skip
    assert campaigns.summarize(rows) == {
        "teams": 2, "submitted": 1, "members": 3, "percent": 33, "closed": 0,
        "without_result": 0, "not_started": 1,
    }  # fmt: skip


def test_close_campaign_freezes_answered_and_marks_unanswered(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a, world.team_b])
    a, b = _assessment(campaign, world.team_a), _assessment(campaign, world.team_b)
    _submit(world.member_a, a)
    _submit(world.lead_a, a, {**ALL_LEVELS, "flow-wip": 1})

    outcome = campaigns.close_campaign(world.analyst, campaign)

    assert outcome == {"closed": 1, "without_result": 1}
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.closed_by) == ("closed", world.analyst)
    assert Result.objects.get(assessment=a).respondents == 2
    # Nobody answered team B: no result to freeze, so its assessment stays open.
    assert (b.status, Result.objects.filter(assessment=b).exists()) == ("open", False)
    assert campaign.entries.get(team=world.team_b).closed_without_result is True
    assert campaign.entries.get(team=world.team_a).closed_without_result is False
    assert (campaign.status, campaign.closed_by, campaign.closed_at is not None) == (
        "closed", world.analyst, True,
    )  # fmt: skip
    statuses = [(r.team.name, r.status) for r in campaigns.campaign_progress(campaign)]
    assert statuses == [("Team A", "closed"), ("Team B", "closed_without_result")]


def test_close_campaign_result_equals_a_leads_close(world, mini, today):
    """The round closes assessments with the same transition as close_assessment."""
    campaign = _open(world, today, teams=[world.team_a])
    in_round = _assessment(campaign, world.team_a)
    by_lead = assessment_services.open_assessment(world.lead_a, world.team_a, "2027-Q1", "mini")
    for assessment in (in_round, by_lead):
        _submit(world.member_a, assessment)
        _submit(world.lead_a, assessment, {**ALL_LEVELS, "quality-tests": 5})

    campaigns.close_campaign(world.analyst, campaign)
    lead_result = assessment_services.close_assessment(world.lead_a, by_lead)

    round_result = Result.objects.get(assessment=in_round)
    fields = ["overall_score", "overall_level", "respondents", "low_confidence",
              "scoring_rules_version", "data", "questionnaire_id"]  # fmt: skip
    assert {f: getattr(round_result, f) for f in fields} == {
        f: getattr(lead_result, f) for f in fields
    }


def test_close_campaign_keeps_assessments_the_team_closed(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a])
    a = _assessment(campaign, world.team_a)
    _submit(world.member_a, a)
    assessment_services.close_assessment(world.lead_a, a)

    assert campaigns.close_campaign(world.org_admin, campaign) == {"closed": 0, "without_result": 0}
    a.refresh_from_db()
    assert a.closed_by == world.lead_a


def test_close_campaign_twice_is_a_conflict(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a])
    campaigns.close_campaign(world.analyst, campaign)
    with pytest.raises(Conflict) as exc:
        campaigns.close_campaign(world.analyst, campaign)
    assert exc.value.message == "This round is already closed."


@pytest.mark.parametrize("who", ["lead_a", "member_a", "other_admin"])
def test_close_campaign_refused_to_team_people_and_other_orgs(world, mini, today, who):
    campaign = _open(world, today, teams=[world.team_a])
    with pytest.raises(NotAllowed):
        campaigns.close_campaign(getattr(world, who), campaign)
    campaign.refresh_from_db()
    assert campaign.status == "open"


# --- reminders ----------------------------------------------------------------------------


def _recipients():
    return sorted(address for m in mail.outbox for address in m.to)


def test_reminders_go_to_members_who_have_not_submitted(world, mini, today):
    campaign = _open(world, today, teams=[world.team_a, world.team_b])
    a = _assessment(campaign, world.team_a)
    _submit(world.member_a, a)
    assessment_services.save_answers(world.lead_a, a, answers={"flow-wip": 2})  # a draft

    assert campaigns.send_due_reminders(today) == 2

    assert _recipients() == ["lead_a@example.com", "member_b@example.com"]
    logs = ReminderLog.objects.order_by("user__username").values_list(
        "user__username", "sent_on", "campaign_count", "assessment_count"
    )
    assert list(logs) == [("lead_a", today, 1, 1), ("member_b", today, 1, 1)]


def test_reminders_none_after_submission(world, mini, today):
    campaign = _open(world, today, teams=[world.team_b])
    assert campaigns.send_due_reminders(today) == 1
    _submit(world.member_b, _assessment(campaign, world.team_b))

    assert campaigns.send_due_reminders(today + dt.timedelta(days=1)) == 0
    assert _recipients() == ["member_b@example.com"]


def test_reminders_once_a_day_across_campaigns_and_calls(world, mini, today):
    _open(world, today, teams=[world.team_b], period="2026-Q4", name="Q4")
    _open(world, today, teams=[world.team_b], period="2027-Q1", name="Q1")

    assert campaigns.send_due_reminders(today) == 1
    assert campaigns.send_due_reminders(today) == 0
    assert _recipients() == ["member_b@example.com"]
    assert campaigns.send_due_reminders(today + dt.timedelta(days=1)) == 1
    assert _recipients() == ["member_b@example.com", "member_b@example.com"]


def test_reminder_lists_every_pending_assessment_in_one_email(world, mini, today):
    first = _open(world, today, teams=[world.team_b], period="2026-Q4", name="Q4")
    second = _open(world, today, teams=[world.team_b], period="2027-Q1", name="Q1")

    campaigns.send_due_reminders(today)

    [email] = mail.outbox
    due = today + dt.timedelta(days=14)
    assert email.subject == "Reminder: 2 assessments await your answers"
    assert email.to == ["member_b@example.com"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    for campaign in (first, second):
        a = _assessment(campaign, world.team_b)
        assert (
            f"- Team B, Mini maturity {a.period}, due {due.day} {due:%b %Y}\n"
            f"  {settings.SITE_URL}/assessments/{a.id}/answer/\n"
        ) in email.body
    assert email.body.startswith("Hello member_b,\n\nYour teams are waiting for your answers")
    assert ReminderLog.objects.get().campaign_count == 2


def test_reminder_single_assessment_subject(world, mini, today):
    _open(world, today, teams=[world.team_b])
    campaigns.send_due_reminders(today)
    assert mail.outbox[0].subject == "Reminder: Team B's assessment 2026-Q4 awaits you"


def test_same_assessment_in_two_rounds_is_listed_once(world, mini, today):
    _open(world, today, teams=[world.team_b], name="First")
    _open(world, today, teams=[world.team_b], name="Second")  # joins the same assessment
    campaigns.send_due_reminders(today)
    assert ReminderLog.objects.get().assessment_count == 1


def test_no_reminders_for_closed_campaigns(world, mini, today):
    campaign = _open(world, today, teams=[world.team_b])
    campaigns.close_campaign(world.analyst, campaign)
    assert campaigns.send_due_reminders(today) == 0
    assert mail.outbox == []


def test_reminders_stop_fourteen_days_after_the_due_date(world, mini, today):
    campaign = _open(world, today, teams=[world.team_b])
    assert campaigns.send_due_reminders(campaign.due_date + dt.timedelta(days=15)) == 0
    assert campaigns.send_due_reminders(campaign.due_date + dt.timedelta(days=14)) == 1


def test_reminders_skip_people_without_email_and_inactive_users(world, mini, today):
    _open(world, today, teams=[world.team_a])
    world.member_a.email = ""
    world.member_a.save(update_fields=["email"])
    world.lead_a.is_active = False
    world.lead_a.save(update_fields=["is_active"])
    assert campaigns.send_due_reminders(today) == 0


def test_reminder_claimed_by_another_run_is_not_sent_again(world, mini, today, monkeypatch):
    """Two runs that both read "member_b is pending": the one that inserts the day's row
    second hits the unique constraint and skips them."""
    _open(world, today, teams=[world.team_a, world.team_b])
    stale = campaigns.pending_reminders(today)
    ReminderLog.objects.create(user=world.member_b, sent_on=today)  # the other worker's claim
    monkeypatch.setattr(campaigns, "pending_reminders", lambda today, campaign=None: stale)

    assert campaigns.send_due_reminders(today) == 2
    assert _recipients() == ["lead_a@example.com", "member_a@example.com"]


def test_failed_send_gives_the_day_back(world, mini, today, monkeypatch):
    _open(world, today, teams=[world.team_b])

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(campaigns, "send_mail", refuse)
    assert campaigns.send_due_reminders(today) == 0
    assert ReminderLog.objects.count() == 0
    monkeypatch.undo()
    assert campaigns.send_due_reminders(today) == 1


def test_campaign_reminders_now_only_for_that_round_and_from_a_worker(
    world, mini, today, monkeypatch, django_capture_on_commit_callbacks
):
    round_a = _open(world, today, teams=[world.team_a], name="A")
    _open(world, today, teams=[world.team_b], name="B")
    queued = []
    monkeypatch.setattr(
        task_send_reminders, "apply_async", lambda kwargs, **kw: queued.append(kwargs)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.send_campaign_reminders(world.analyst, round_a, today) == 2
    assert _recipients() == []  # nothing sent in the request
    assert queued == [{"campaign_id": round_a.id, "today": today.isoformat()}]
    assert task_send_reminders.run(**queued[0]) == 2  # what the worker does with it
    assert _recipients() == ["lead_a@example.com", "member_a@example.com"]
    with pytest.raises(NotAllowed):
        campaigns.send_campaign_reminders(world.lead_a, round_a, today)


def test_queued_reminders_of_a_round_closed_meanwhile_remind_nobody(world, mini, today):
    round_a = _open(world, today, teams=[world.team_a], name="A")
    Campaign.objects.filter(pk=round_a.pk).update(status="closed", closed_at=timezone.now())
    assert task_send_reminders.run(campaign_id=round_a.id, today=today.isoformat()) == 0
    assert _recipients() == []


def test_task_send_reminders_and_its_schedule(world, mini, today):
    _open(world, today, teams=[world.team_b])
    assert task_send_reminders.apply().get() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["send-campaign-reminders"]
    assert entry["task"] == task_send_reminders.name == "reports.task_send_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {0})


# --- pages and permissions ----------------------------------------------------------------


def test_analyst_opens_a_round_from_the_list_page(client, world, mini, today):
    client.force_login(world.analyst)
    assert client.get("/campaigns/").status_code == 200
    due = today + dt.timedelta(days=10)
    response = client.post(
        "/campaigns/",
        {"org": world.org.id, "name": "Payments Q4", "period": "2026-Q4",
         "due_date": due.isoformat(), "questionnaire": "mini", "group": world.g1.id,
         "teams": [world.team_b.id]},
    )  # fmt: skip
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.id}/"
    assert sorted(campaign.entries.values_list("team__name", flat=True)) == ["Team A", "Team B"]
    page = client.get(f"/campaigns/{campaign.id}/")
    assert page.status_code == 200
    assert [(r.team.name, r.submitted, r.members) for r in page.context["rows"]] == [
        ("Team A", 0, 2), ("Team B", 0, 1),
    ]  # fmt: skip
    assert "Payments Q4" in client.get("/campaigns/").content.decode()


def test_list_page_shows_the_service_message_on_refusal(client, world, mini, today):
    client.force_login(world.analyst)
    response = client.post(
        "/campaigns/",
        {"org": world.org.id, "name": "Nothing", "period": "2026-Q4",
         "due_date": today.isoformat(), "questionnaire": "mini"},
    )  # fmt: skip
    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [
        "Choose at least one team, or a group that has teams."
    ]
    assert Campaign.objects.count() == 0


@pytest.mark.parametrize("who", ["member_a", "lead_a", "member_b"])
def test_members_of_the_organisation_get_403(client, world, mini, today, who):
    campaign = _open(world, today, teams=[world.team_a, world.team_b])
    client.force_login(getattr(world, who))
    assert client.get("/campaigns/").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/").status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/close/").status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/close/").status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/remind/").status_code == 403
    campaign.refresh_from_db()
    assert (campaign.status, mail.outbox) == ("open", [])


@pytest.mark.parametrize("who", ["other_admin", "other_member", "outsider"])
def test_everyone_else_gets_404(client, world, mini, today, who):
    campaign = _open(world, today, teams=[world.team_a])
    client.force_login(getattr(world, who))
    for url in (f"/campaigns/{campaign.id}/", f"/campaigns/{campaign.id}/close/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/campaigns/{campaign.id}/remind/").status_code == 404
    assert client.get("/campaigns/999999/").status_code == 404


def test_other_org_admin_list_does_not_show_acme_rounds(client, world, mini, today):
    _open(world, today, teams=[world.team_a], name="Acme secret round")
    client.force_login(world.other_admin)
    response = client.get("/campaigns/")
    assert response.status_code == 200
    assert response.context["rounds"] == []
    assert client.get(f"/campaigns/?org={world.org.id}").status_code == 404


def test_close_round_needs_confirmation(client, world, mini, today):
    campaign = _open(world, today, teams=[world.team_a, world.team_b])
    _submit(world.member_a, _assessment(campaign, world.team_a))
    client.force_login(world.org_admin)

    confirm = client.get(f"/campaigns/{campaign.id}/close/")
    assert confirm.status_code == 200
    assert [r.team.name for r in confirm.context["to_close"]] == ["Team A"]
    assert [r.team.name for r in confirm.context["no_answers"]] == ["Team B"]
    campaign.refresh_from_db()
    assert campaign.status == "open"

    response = client.post(f"/campaigns/{campaign.id}/close/", follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Round closed: 1 assessment(s) closed with a result, 1 without (nobody had submitted)."
    ]
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert "Closed without result" in response.content.decode()


def test_send_reminders_now_respects_once_a_day(
    client, world, mini, today, monkeypatch, django_capture_on_commit_callbacks
):
    campaign = _open(world, today, teams=[world.team_b])
    client.force_login(world.analyst)
    # The worker: runs what the page queues.
    monkeypatch.setattr(
        task_send_reminders, "apply_async", lambda kwargs, **kw: task_send_reminders.run(**kwargs)
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/campaigns/{campaign.id}/remind/", follow=True)
    assert _recipients() == ["member_b@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(f"/campaigns/{campaign.id}/remind/", follow=True)
    assert [str(m) for m in first.context["messages"]] == [
        "Sending reminders to 1 person now (by e-mail, in the background). "
        "Nobody gets more than one reminder a day."
    ]
    assert [str(m) for m in second.context["messages"]] == [
        "No reminder to send: everyone has submitted, or was already reminded today."
    ]
    assert _recipients() == ["member_b@example.com"]


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_round_and_list_pages_query_count_does_not_grow_with_teams(client, world, mini, today):
    small = _open(world, today, teams=[world.team_a, world.team_b], name="Small")
    _submit(world.member_a, _assessment(small, world.team_a))
    teams = [world.team_a, world.team_b]
    for n in range(4):
        team = TeamFactory(organization=world.org, name=f"Extra {n}", slug=f"extra-{n}")
        MembershipFactory(team=team)
        MembershipFactory(team=team, role=Membership.LEAD)
        teams.append(team)
    client.force_login(world.analyst)
    small_detail = _page_queries(client, f"/campaigns/{small.id}/")
    small_list = _page_queries(client, "/campaigns/")

    big = _open(world, today, teams=teams, period="2027-Q1", name="Big")
    _submit(world.member_b, _assessment(big, world.team_b))
    assert big.entries.count() == 6
    assert _page_queries(client, f"/campaigns/{big.id}/") == small_detail
    assert _page_queries(client, "/campaigns/") == small_list


def test_reminder_links_are_absolute_on_site_url(world, mini, today, settings):
    settings.SITE_URL = "https://vsm.example.com"
    campaign = _open(world, today, teams=[world.team_b])

    campaigns.send_due_reminders(today)

    [email] = mail.outbox
    a = _assessment(campaign, world.team_b)
    assert f"  https://vsm.example.com/assessments/{a.id}/answer/\n" in email.body
    assert [w for w in email.body.split() if w.startswith("/")] == []

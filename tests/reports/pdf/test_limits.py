"""Issue 15, "any member can flood the shared workers": one render per result until its roadmap
changes, per-user and per-organisation limits on renders in flight (429 + Retry-After through
the API, a message on the page), and old PDFs pruned after REPORT_RETENTION_DAYS."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django.utils.html import escape

from reports.models import RoadmapReport
from reports.pdf import services
from reports.roadmap import services as roadmap_services

PDF = b"%PDF-1.4\n% a stand-in for a rendered report\n"


def in_flight(user, organization, count, status="queued"):
    """``count`` portfolio reports of ``organization`` requested by ``user`` and still in
    flight, made directly: what a user who has already asked for that many looks like."""
    return [
        RoadmapReport.objects.create(
            kind=RoadmapReport.PORTFOLIO,
            organization=organization,
            period=f"2026-Q{n % 4 + 1}",
            requested_by=user,
            status=status,
        )
        for n in range(count)
    ]


def finished(report, status="ready", days_ago=0, with_file=True, duration=2.0):
    """Mark ``report`` finished ``days_ago`` days ago, with its file stored where the worker
    stores it when ``with_file``."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    name = services._store_pdf(report, PDF)[0] if with_file else ""
    RoadmapReport.objects.filter(pk=report.pk).update(
        status=status, created_at=when, finished_at=when, file=name, duration_seconds=duration,
    )  # fmt: skip
    report.refresh_from_db()
    return report


def api_request(api_client, user, result):
    api_client.force_authenticate(user)
    return api_client.post(f"/api/v1/assessments/{result.assessment_id}/roadmap-reports/")


# --- one render per result until its roadmap changes --------------------------------------


def test_request_report_after_ready_returns_it_until_roadmap_changes(
    world, closed_result, sent, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.request_roadmap_report(world.member_a, closed_result)
    assert services.render_report(first.id) == first.id

    with django_capture_on_commit_callbacks(execute=True):
        again, created_again = services.request_roadmap_report(world.lead_a, closed_result)
    assert (created, created_again, again) == (True, False, first)
    assert again.status == "ready"
    assert sent == [first.id]

    item = first.result.roadmap.items.order_by("position").first()
    roadmap_services.update_item(world.lead_a, item, done=True)  # the roadmap changes
    with django_capture_on_commit_callbacks(execute=True):
        changed, created_changed = services.request_roadmap_report(world.member_a, closed_result)
    assert created_changed is True
    assert changed.id != first.id
    assert changed.content_fingerprint != first.content_fingerprint
    assert sent == [first.id, changed.id]
    assert RoadmapReport.objects.count() == 2


def test_request_report_renders_again_when_value_stream_map_changes(
    world, closed_result, sent, settings, tmp_path
):
    from assessments.valuestream import services as valuestream_services

    settings.MEDIA_ROOT = tmp_path
    first, _ = services.request_roadmap_report(world.lead_a, closed_result)
    services.render_report(first.id)
    stages = [{"name": "Build", "process_time_hours": 2, "wait_time_hours": 8}]
    valuestream_services.save_map(world.lead_a, world.team_a, "current", stages)
    second, created = services.request_roadmap_report(world.lead_a, closed_result)
    assert (created, second.id != first.id) == (True, True)


def test_request_report_whose_file_is_missing_renders_again(
    world, closed_result, sent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first, _ = services.request_roadmap_report(world.lead_a, closed_result)
    services.render_report(first.id)
    first.refresh_from_db()
    os.unlink(first.file.path)
    second, created = services.request_roadmap_report(world.lead_a, closed_result)
    assert (created, second.id != first.id) == (True, True)


def test_request_report_failed_one_is_not_reused(world, closed_result, sent):
    first, _ = services.request_roadmap_report(world.lead_a, closed_result)
    services.fail_report(first.id, "The PDF could not be produced: boom")
    second, created = services.request_roadmap_report(world.lead_a, closed_result)
    assert (created, second.id != first.id) == (True, True)


def test_api_repeat_request_answers_the_ready_report(
    world, closed_result, api_client, sent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first = api_request(api_client, world.member_a, closed_result)
    services.render_report(first.json()["id"])
    again = api_request(api_client, world.lead_a, closed_result)
    assert (again.status_code, again.json()) == (202, {"id": first.json()["id"], "status": "ready"})
    assert RoadmapReport.objects.count() == 1


def test_page_repeat_request_says_the_pdf_is_up_to_date(
    world, closed_result, client, sent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.lead_a)
    client.post(f"/teams/{world.team_a.id}/roadmap/pdf/")
    services.render_report(RoadmapReport.objects.get().id)
    page = client.post(f"/teams/{world.team_a.id}/roadmap/pdf/", follow=True)
    assert "This PDF is up to date with the roadmap; download it below." in page.content.decode()
    assert RoadmapReport.objects.count() == 1


def test_portfolio_request_after_ready_returns_it_until_organisation_data_changes(
    world, sent, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    first, _ = services.request_portfolio_report(world.analyst, world.org)
    services.render_report(first.id)
    again, created = services.request_portfolio_report(world.org_admin, world.org)
    assert (again, created) == (first, False)
    group_one, created_group = services.request_portfolio_report(world.analyst, world.org, world.g1)
    assert created_group is True  # another scope
    world.team_b.name = "Team B renamed"
    world.team_b.save()  # moves the organisation's data version on
    changed, created_changed = services.request_portfolio_report(world.analyst, world.org)
    assert (created_changed, changed.id != first.id) == (True, True)


# --- limits on renders in flight ----------------------------------------------------------


def test_api_request_over_user_limit_is_429_with_retry_after(
    world, closed_result, api_client, sent, settings
):
    settings.REPORT_MAX_QUEUED_PER_USER = 3
    in_flight(world.lead_a, world.org, 2)
    in_flight(world.lead_a, world.other, 1, status="rendering")  # counts wherever it is
    response = api_request(api_client, world.lead_a, closed_result)
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    sentence = (
        "You already have 3 PDFs waiting or being rendered, the most allowed at once; "
        "try again in 30 seconds."
    )
    assert response.json() == {"detail": sentence, "retry_after": 30}
    assert not RoadmapReport.objects.filter(result=closed_result).exists()
    assert sent == []
    # another member of the team is not held back by lead_a's renders
    assert api_request(api_client, world.member_a, closed_result).status_code == 202


def test_api_request_over_organisation_limit_is_429(
    world, closed_result, api_client, sent, settings
):
    settings.REPORT_MAX_QUEUED_PER_ORGANIZATION = 4
    in_flight(world.analyst, world.org, 2)
    in_flight(world.org_admin, world.org, 2, status="rendering")
    in_flight(world.other_admin, world.other, 3)  # another organisation's do not count
    response = api_request(api_client, world.member_a, closed_result)
    assert (response.status_code, response["Retry-After"]) == (429, "30")
    assert response.json()["detail"] == (
        "Acme already has 4 PDFs waiting or being rendered, the most allowed for one "
        "organisation at once; try again in 30 seconds."
    )
    assert not RoadmapReport.objects.filter(result=closed_result).exists()
    RoadmapReport.objects.filter(requested_by=world.org_admin).update(status="ready")
    assert api_request(api_client, world.member_a, closed_result).status_code == 202


def test_finished_reports_do_not_count_toward_limits(world, closed_result, sent, settings):
    settings.REPORT_MAX_QUEUED_PER_USER = 2
    for report in in_flight(world.lead_a, world.org, 4):
        RoadmapReport.objects.filter(pk=report.pk).update(status=("ready", "failed")[report.pk % 2])
    report, created = services.request_roadmap_report(world.lead_a, closed_result)
    assert created is True


def test_repeat_request_of_report_in_flight_is_answered_at_the_limit(
    world, closed_result, sent, settings
):
    settings.REPORT_MAX_QUEUED_PER_USER = 1
    first, _ = services.request_roadmap_report(world.lead_a, closed_result)
    assert services.request_roadmap_report(world.lead_a, closed_result) == (first, False)


def test_retry_after_follows_recent_render_times(world, closed_result, sent, settings):
    settings.REPORT_MAX_QUEUED_PER_USER = 1
    for duration in (11.2, 12.4, 40.0):
        finished(in_flight(world.analyst, world.org, 1)[0], with_file=False, duration=duration)
    in_flight(world.lead_a, world.org, 1)
    with pytest.raises(services.TooManyReports) as exc:
        services.request_roadmap_report(world.lead_a, closed_result)
    assert exc.value.retry_after == 13  # the median render, rounded up
    assert exc.value.status == 429
    assert exc.value.message.endswith("try again in 13 seconds.")


def test_page_request_over_limit_shows_the_sentence_and_creates_nothing(
    world, closed_result, client, sent, settings
):
    settings.REPORT_MAX_QUEUED_PER_USER = 2
    in_flight(world.lead_a, world.org, 2)
    client.force_login(world.lead_a)
    page = client.post(f"/teams/{world.team_a.id}/roadmap/pdf/", follow=True)
    assert page.status_code == 200
    sentence = (
        "You already have 2 PDFs waiting or being rendered, the most allowed at once; "
        "try again in 30 seconds."
    )
    assert escape(sentence) in page.content.decode()
    assert not RoadmapReport.objects.filter(result=closed_result).exists()
    assert sent == []


def test_portfolio_requests_count_and_are_limited(world, client, sent, settings):
    settings.REPORT_MAX_QUEUED_PER_USER = 2
    client.force_login(world.analyst)
    client.post("/portfolio/", {"org": world.org.id, "group": ""})
    client.post("/portfolio/", {"org": world.org.id, "group": world.g1.id})
    page = client.post("/portfolio/", {"org": world.org.id, "group": world.g2.id}, follow=True)
    sentence = (
        "You already have 2 PDFs waiting or being rendered, the most allowed at once; "
        "try again in 30 seconds."
    )
    assert escape(sentence) in page.content.decode()
    assert RoadmapReport.objects.filter(kind="portfolio").count() == 2
    assert not RoadmapReport.objects.filter(group=world.g2).exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("REPORT_MAX_QUEUED_PER_USER", "three", "REPORT_MAX_QUEUED_PER_USER='three' is not"),
        ("REPORT_MAX_QUEUED_PER_ORGANIZATION", "0", "REPORT_MAX_QUEUED_PER_ORGANIZATION=0 must"),
        ("REPORT_RETENTION_DAYS", "-5", "REPORT_RETENTION_DAYS=-5 must be at least 1"),
    ],
)
def test_report_limit_settings_fail_loudly_on_bad_values(name, value, message):
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env[name] = value
    run = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0
    assert message in run.stderr


# --- pruning ------------------------------------------------------------------------------


def test_prune_keeps_latest_ready_per_result_and_deletes_files(
    world, closed_result, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RETENTION_DAYS = 90

    def roadmap_report(status="queued"):
        return RoadmapReport.objects.create(
            kind="roadmap", team=world.team_a, result=closed_result, organization=world.org,
            period=closed_result.period, requested_by=world.lead_a, status=status,
        )  # fmt: skip

    oldest = finished(roadmap_report(), days_ago=120)
    latest_old = finished(roadmap_report(), days_ago=100)  # the result's newest PDF: kept
    failed = finished(roadmap_report(), status="failed", days_ago=100, with_file=False)
    stuck = roadmap_report()  # in flight, however old: never pruned
    RoadmapReport.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - dt.timedelta(days=200)
    )
    portfolio = [in_flight(world.analyst, world.org, 1)[0] for _ in range(2)]
    RoadmapReport.objects.filter(pk__in=[p.pk for p in portfolio]).update(period="")
    old_portfolio = finished(portfolio[0], days_ago=150)
    latest_portfolio = finished(portfolio[1], days_ago=95)  # newest of the organisation: kept
    group_report = in_flight(world.analyst, world.org, 1)[0]
    RoadmapReport.objects.filter(pk=group_report.pk).update(group=world.g1, period="")
    group_portfolio = finished(group_report, days_ago=130)  # newest of the group: kept
    recent = finished(in_flight(world.other_admin, world.other, 1)[0], days_ago=10)

    assert services.prune_old_reports() == sorted([oldest.id, failed.id, old_portfolio.id])

    left = set(RoadmapReport.objects.values_list("id", flat=True))
    assert left == {latest_old.id, stuck.id, latest_portfolio.id, group_portfolio.id, recent.id}
    for gone in (oldest, old_portfolio):  # the file and the report's folder
        assert not (tmp_path / "reports" / f"{gone.pk:08d}").exists()
    for kept in (latest_old, latest_portfolio, group_portfolio, recent):
        assert (tmp_path / kept.file.name).read_bytes() == PDF
    assert services.prune_old_reports() == []  # nothing more to do


def test_prune_deletes_old_ready_report_once_a_newer_one_exists(
    world, closed_result, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORT_RETENTION_DAYS = 30

    def roadmap_report():
        return RoadmapReport.objects.create(
            kind="roadmap", team=world.team_a, result=closed_result, organization=world.org,
            period=closed_result.period, requested_by=world.lead_a,
        )  # fmt: skip

    old = finished(roadmap_report(), days_ago=40)
    newer = finished(roadmap_report(), days_ago=5)
    assert services.prune_old_reports() == [old.id]
    assert list(RoadmapReport.objects.values_list("id", flat=True)) == [newer.id]
    assert list(tmp_path.rglob("*.pdf")) == [tmp_path / newer.file.name]


def test_reports_to_prune_is_pure():
    now = timezone.now()
    old, older = now - dt.timedelta(days=100), now - dt.timedelta(days=120)
    rows = [
        (1, ("roadmap", 7), "ready", older, older),
        (2, ("roadmap", 7), "ready", old, old),
        (3, ("roadmap", 7), "failed", old, old),
        (4, ("roadmap", 8), "ready", older, older),
        (5, ("portfolio", 1, None, ""), "ready", older, older),
        (6, ("portfolio", 1, 2, ""), "ready", older, older),
        (7, ("portfolio", 1, None, ""), "ready", old, None),
    ]
    assert services.reports_to_prune(rows, now - dt.timedelta(days=90)) == [1, 3, 5]


def test_prune_task_is_scheduled_by_beat():
    from reports import tasks

    entry = django_settings.CELERY_BEAT_SCHEDULE["prune-old-reports"]
    assert entry["task"] == tasks.task_prune_old_reports.name == "reports.task_prune_old_reports"

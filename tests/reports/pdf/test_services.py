"""Roadmaps stored from results, the lead's edits, report requests, rendering and sweeping."""

import datetime as dt
import io

import pytest
from django.db import OperationalError
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from assessments.maturity import services as assessment_services
from reports.models import Roadmap, RoadmapItem, RoadmapReport
from reports.pdf import services
from reports.roadmap import services as roadmap_services
from tests.conftest import ALL_LEVELS
from vsm_site.domain_errors import Invalid, NotAllowed


def test_generate_roadmap_from_result_is_idempotent(world, closed_result):
    roadmap = roadmap_services.generate_roadmap(closed_result)
    assert roadmap_services.generate_roadmap(closed_result) == roadmap
    keys = list(roadmap.items.values_list("key", flat=True))
    assert keys[0].startswith("dimension:")
    assert set(keys) == {"dimension:flow", "dimension:quality"}
    # mini's 'quality' has no practice content: its items come from its focus areas
    quality = roadmap.items.get(key="dimension:quality")
    assert quality.steps == ["Work on: b"]
    assert roadmap.next_assessment == timezone.localdate() + dt.timedelta(weeks=13)


def test_lead_edits_kept_across_regeneration(world, closed_result, mini):
    roadmap = roadmap_services.generate_roadmap(closed_result)
    item = roadmap.items.get(key="dimension:flow")
    due = dt.date(2027, 2, 1)
    roadmap_services.update_item(
        world.lead_a, item, owner=world.member_a, phase="later", due_date=due, done=True
    )
    roadmap_services.add_custom_item(
        world.lead_a, roadmap, "Pair on the deploy script", phase="now"
    )
    # a new quarter, a new result
    nxt = assessment_services.open_assessment(world.lead_a, world.team_a, "2027-Q1", "mini")
    assessment_services.save_answers(world.member_a, nxt, answers=ALL_LEVELS)
    assessment_services.submit_response(world.member_a, nxt)
    new_result = assessment_services.close_assessment(world.lead_a, nxt)
    new_roadmap = roadmap_services.generate_roadmap(new_result)
    carried = new_roadmap.items.get(key="dimension:flow")
    assert (carried.owner, carried.phase, carried.due_date, carried.done) == (
        world.member_a, "later", due, True
    )  # fmt: skip
    custom = new_roadmap.items.get(kind="custom")
    assert (custom.title, custom.phase) == ("Pair on the deploy script", "now")


def test_update_item_rules(world, closed_result):
    item = roadmap_services.generate_roadmap(closed_result).items.first()
    with pytest.raises(NotAllowed):
        roadmap_services.update_item(world.member_a, item, done=True)
    with pytest.raises(Invalid) as exc:
        roadmap_services.update_item(world.lead_a, item, owner=world.member_b)
    assert exc.value.message == "member_b is not a member of Team A."
    with pytest.raises(Invalid):
        roadmap_services.update_item(world.lead_a, item, phase="someday")
    item.refresh_from_db()
    assert (item.owner, item.done, item.edited) == (None, False, False)


def test_request_report_twice_returns_the_same(
    world, closed_result, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = services.request_roadmap_report(world.member_a, closed_result)
    second, created_again = services.request_roadmap_report(world.lead_a, closed_result)
    assert (created, created_again) == (True, False)
    assert first == second
    assert sent == [first.id]
    assert RoadmapReport.objects.count() == 1


def test_request_report_of_invisible_team_refused(world, closed_result, sent):
    with pytest.raises(NotAllowed):
        services.request_roadmap_report(world.member_b, closed_result)
    assert RoadmapReport.objects.count() == 0


def make_report(world, result):
    return RoadmapReport.objects.create(
        team=result.team, result=result, organization=result.team.organization,
        period=result.period, requested_by=world.lead_a,
    )  # fmt: skip


def test_render_report_produces_one_pdf_and_is_idempotent(world, closed_result, settings,
                                                          tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    report = make_report(world, closed_result)
    assert services.render_report(report.id) == report.id
    report.refresh_from_db()
    assert report.status == "ready"
    assert report.duration_seconds > 0
    data = report.file.read()
    assert data.startswith(b"%PDF")
    import hashlib

    assert report.checksum == hashlib.sha256(data).hexdigest()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Team A" in text
    for name in ("Flow", "Quality"):
        assert name in text
    for phase in ("Now", "Next", "Later"):
        assert phase in text
    assert len(PdfReader(io.BytesIO(data)).pages) >= 5
    # a redelivered message finds the report ready and does nothing
    assert services.render_report(report.id) is None
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in files] == ["roadmap-team-a-2026-q4.pdf"]


def test_render_report_terminal_error_is_readable(world, closed_result, monkeypatch):
    report = make_report(world, closed_result)

    def broken(report):
        raise ValueError("template variable missing")

    monkeypatch.setattr(services, "build_pdf", broken)
    assert services.render_report(report.id) is None
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error == "The PDF could not be produced: template variable missing"


def test_render_report_transient_error_requeues_then_gives_up(world, closed_result, monkeypatch):
    report = make_report(world, closed_result)

    def flaky(report):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "build_pdf", flaky)
    with pytest.raises(services.TransientReportError):
        services.render_report(report.id)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("queued", 1)
    assert report.error == "Temporary problem, retrying: database is locked"
    RoadmapReport.objects.filter(pk=report.pk).update(attempts=services.MAX_ATTEMPTS - 1)
    assert services.render_report(report.id) is None
    report.refresh_from_db()
    assert report.status == "failed"
    assert report.error.startswith("Gave up after 5 attempts")


def test_claim_is_exclusive(world, closed_result):
    report = make_report(world, closed_result)
    assert services.claim_report(report.id) is not None
    assert services.claim_report(report.id) is None  # a second worker gets nothing


def test_sweeper_requeues_stuck_reports_only(world, closed_result, sent):
    now = timezone.now()
    stuck = make_report(world, closed_result)
    RoadmapReport.objects.filter(pk=stuck.pk).update(
        status="rendering", started_at=now - dt.timedelta(minutes=30), attempts=1
    )
    fresh = RoadmapReport.objects.create(
        kind="portfolio", organization=world.org, requested_by=world.analyst, status="queued"
    )
    done = RoadmapReport.objects.create(
        kind="portfolio", organization=world.org, requested_by=world.analyst, status="ready",
    )  # fmt: skip
    RoadmapReport.objects.filter(pk=done.pk).update(created_at=now - dt.timedelta(hours=2))
    assert services.sweep_stuck_reports(now=now) == [stuck.id]
    assert sent == [stuck.id]
    stuck.refresh_from_db()
    assert stuck.status == "queued"
    fresh.refresh_from_db()
    assert fresh.status == "queued"
    # swept once, it is not resent at the next sweep a minute later
    assert services.sweep_stuck_reports(now=now + dt.timedelta(minutes=1)) == []


def test_sweeper_fails_reports_out_of_attempts(world, closed_result, sent):
    report = make_report(world, closed_result)
    RoadmapReport.objects.filter(pk=report.pk).update(
        status="rendering", started_at=timezone.now() - dt.timedelta(hours=1),
        attempts=services.MAX_ATTEMPTS,
    )  # fmt: skip
    assert services.sweep_stuck_reports() == []
    report.refresh_from_db()
    assert report.status == "failed"
    assert sent == []


def test_broker_down_report_stays_queued_and_user_is_told(world, closed_result, monkeypatch):
    from kombu.exceptions import OperationalError as BrokerDown

    from reports import tasks

    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.task_render_report, "apply_async", refuse)
    report, created = services.request_roadmap_report(world.lead_a, closed_result)
    assert services.enqueue_report(report.id) is False
    report.refresh_from_db()
    assert (report.status, report.error) == ("queued", services.BROKER_DOWN_MESSAGE)
    sent = []
    monkeypatch.setattr(tasks.task_render_report, "apply_async", lambda **k: sent.append(k["args"]))
    assert services.enqueue_report(report.id) is True  # the sweeper's resend, broker back
    report.refresh_from_db()
    assert (report.status, report.error, sent) == ("queued", "", [[report.id]])


def test_roadmap_page_and_item_edit_views(world, closed_result, client):
    client.force_login(world.member_a)
    page = client.get(f"/teams/{world.team_a.id}/roadmap/")
    assert page.status_code == 200
    assert page.context["can_lead"] is False
    item = Roadmap.objects.get().items.first()
    denied = client.post(f"/roadmap-items/{item.id}/", {"phase": "later"})
    assert denied.status_code == 403
    client.force_login(world.lead_a)
    client.post(
        f"/roadmap-items/{item.id}/",
        {"phase": "later", "owner": "member_a", "due_date": "2027-01-15", "done": "on"},
    )
    item.refresh_from_db()
    assert (item.phase, item.owner, item.due_date, item.done) == (
        "later", world.member_a, dt.date(2027, 1, 15), True
    )  # fmt: skip
    client.post(f"/roadmaps/{item.roadmap_id}/items/", {"title": "Our own", "phase": "now"})
    assert RoadmapItem.objects.filter(kind="custom", title="Our own").exists()


@pytest.mark.parametrize("bad", ["2026-02-31", "tomorrow", "15/01/2027"])
def test_item_edit_and_add_reject_a_due_date_that_is_not_a_date(world, closed_result, client, bad):
    client.force_login(world.lead_a)
    assert client.get(f"/teams/{world.team_a.id}/roadmap/").status_code == 200  # plans it
    item = Roadmap.objects.get().items.first()
    before = (item.phase, item.due_date)
    page = client.post(f"/roadmap-items/{item.id}/", {"phase": "later", "due_date": bad},
                       follow=True)  # fmt: skip
    assert escape(f"{bad!r} is not a date (use YYYY-MM-DD).") in page.content.decode()
    item.refresh_from_db()
    assert (item.phase, item.due_date) == before  # nothing saved
    added = client.post(f"/roadmaps/{item.roadmap_id}/items/",
                        {"title": "Late one", "due_date": bad}, follow=True)  # fmt: skip
    assert escape(f"{bad!r} is not a date") in added.content.decode()
    assert not RoadmapItem.objects.filter(title="Late one").exists()


def test_other_teams_report_is_404_everywhere(world, closed_result, client, api_client):
    report = make_report(world, closed_result)
    RoadmapReport.objects.filter(pk=report.pk).update(status="ready", file="reports/x.pdf")
    client.force_login(world.member_b)
    assert client.get(f"/reports/{report.id}/download/").status_code == 404
    assert client.get(f"/reports/{report.id}/status/").status_code == 404
    api_client.force_authenticate(world.member_b)
    assert api_client.get(f"/api/v1/roadmap-reports/{report.id}/").status_code == 404
    assert api_client.get(f"/api/v1/roadmap-reports/{report.id}/pdf/").status_code == 404
    assert (
        api_client.post(
            f"/api/v1/assessments/{closed_result.assessment_id}/roadmap-reports/"
        ).status_code
        == 404
    )


def test_report_api_flow(world, closed_result, api_client, sent, settings, tmp_path,
                         django_capture_on_commit_callbacks):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    api_client.force_authenticate(world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            f"/api/v1/assessments/{closed_result.assessment_id}/roadmap-reports/"
        )
    assert created.status_code == 202
    report_id = created.json()["id"]
    assert created.json() == {"id": report_id, "status": "queued"}
    assert sent == [report_id]
    pending = api_client.get(f"/api/v1/roadmap-reports/{report_id}/").json()
    assert (pending["status"], pending["download_url"]) == ("queued", None)
    assert api_client.get(f"/api/v1/roadmap-reports/{report_id}/pdf/").status_code == 409
    services.render_report(report_id)
    ready = api_client.get(f"/api/v1/roadmap-reports/{report_id}/").json()
    assert ready["status"] == "ready"
    assert ready["download_url"].endswith(f"/api/v1/roadmap-reports/{report_id}/pdf/")
    pdf = api_client.get(f"/api/v1/roadmap-reports/{report_id}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="roadmap-team-a-2026-q4.pdf"' in pdf["Content-Disposition"]
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_roadmap_report_of_open_assessment_409(world, open_assessment, api_client):
    api_client.force_authenticate(world.lead_a)
    response = api_client.post(f"/api/v1/assessments/{open_assessment.id}/roadmap-reports/")
    assert response.status_code == 409


def test_portfolio_pdf_names_every_team_and_is_for_analysts_only(
    world, closed_result, client, settings, tmp_path, sent, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.member_a)
    assert client.get("/portfolio/").status_code == 403
    client.force_login(world.analyst)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portfolio/", {"org": world.org.id, "group": ""})
    report = RoadmapReport.objects.get(kind="portfolio")
    assert sent == [report.id]
    services.render_report(report.id)
    report.refresh_from_db()
    assert report.status == "ready", report.error
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.file.read())).pages)
    assert "Team A" in text and "Team B" in text
    assert "Other Team" not in text
    client.force_login(world.other_admin)
    assert client.get(f"/reports/{report.id}/download/").status_code == 404

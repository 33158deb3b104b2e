"""Journey 3: a lead asks for the roadmap PDF, watches its row go from Queued/Rendering to
Ready without reloading (htmx polling), and downloads it; a real Celery worker renders it."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from assessments.models import Team
from reports.models import RoadmapReport
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def render_on_test_worker(celery_worker_process, settings):
    """The app sends the render task to the default queue; send it to the session's private
    worker instead, which writes into its own media folder (the live server reads it there)."""
    from vsm_site.celery import app

    settings.MEDIA_ROOT = celery_worker_process.media
    app.conf.update(
        task_routes={"reports.task_render_report": {"queue": celery_worker_process.queue}}
    )
    yield celery_worker_process
    app.conf.update(task_routes=None)


def test_lead_requests_roadmap_pdf_and_downloads_it(page, demo, render_on_test_worker, tmp_path):
    team = Team.objects.get(organization=demo.organization, slug="checkout")
    log_in(page, "checkout.lead")
    page.get_by_role("link", name=team.name, exact=True).click()
    page.get_by_role("link", name="Roadmap").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{team.name}: improvement roadmap")
    expect(page.locator("#reports")).to_contain_text("No PDF yet")

    with page.expect_response(re.compile(r"/roadmap/$")) as landing:
        page.get_by_role("button", name="Create PDF").click()
    expect(page.get_by_text("Your PDF is being prepared")).to_be_visible()
    report = RoadmapReport.objects.get(team=team)
    # The page arrived with the report in flight (rendering takes seconds) ...
    assert re.search(
        rf'id="report-{report.id}".*?badge[^>]*>(Queued|Rendering…)<', landing.value.text(), re.S
    )
    # ... and from here on it must not navigate: the row updates itself by polling.
    navigations, polls = [], []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.on("request", lambda r: polls.append(r.url) if "/status/" in r.url else None)
    page.evaluate("window.__stillTheSamePage = true")
    row = page.locator(f"#report-{report.id}")
    expect(row.locator(".badge")).to_have_text("Ready", timeout=120_000)
    assert navigations == []
    assert page.evaluate("window.__stillTheSamePage") is True
    assert polls and set(polls) == {f"{page.url.split('/teams/')[0]}/reports/{report.id}/status/"}
    report.refresh_from_db()
    assert report.status == RoadmapReport.READY, report.error

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert team.name in text
    assert "Now" in text

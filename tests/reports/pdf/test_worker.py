"""End to end: a report rendered by a real `celery worker` process on the configured broker."""

import time

import pytest
from pypdf import PdfReader

from reports.models import RoadmapReport
from reports.tasks import task_render_report


def wait_for(report, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in ("ready", "failed"):
            return report
        time.sleep(0.5)
    raise AssertionError(f"report still {report.status} after {seconds} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_renders_roadmap_pdf(world, closed_result, celery_worker_process, settings):
    settings.MEDIA_ROOT = celery_worker_process.media
    report = RoadmapReport.objects.create(
        team=closed_result.team, result=closed_result, organization=world.org,
        period=closed_result.period, requested_by=world.lead_a,
    )  # fmt: skip
    task_render_report.apply_async(args=[report.id], queue=celery_worker_process.queue)
    report = wait_for(report)
    assert report.status == "ready", report.error
    path = celery_worker_process.media / report.file.name
    reader = PdfReader(str(path))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Team A" in text
    assert "Now" in text
    assert report.checksum

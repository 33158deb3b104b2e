"""Fair scheduling of PDF renders (issue 15): one organisation's backlog never delays another's
report by more than the render already under way. The choice is made when a worker takes a
message (services.fair_order, pure), not by the order of the messages in the broker."""

import contextlib
import datetime as dt
import time

import pytest

from reports import tasks
from reports.models import RoadmapReport
from reports.pdf import services
from vsm_site.celery import app as celery_app

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


# --- the choice, pure ---------------------------------------------------------------------


def test_fair_order_serves_the_organisation_served_longest_ago_first():
    queued = [(1, "A", at(0)), (2, "A", at(1)), (3, "A", at(2)), (4, "B", at(3)), (5, "C", at(4))]
    # A's last render was claimed a minute ago, B's an hour ago, C has never rendered
    assert services.fair_order(queued, {"A": at(9), "B": at(-50)}) == [5, 4, 1, 2, 3]


def test_fair_order_takes_turns_and_keeps_request_order_within_an_organisation():
    queued = [(7, "B", at(5)), (4, "A", at(2)), (3, "A", at(1)), (9, "C", at(5)), (8, "B", at(6))]
    # nobody has rendered yet: the oldest request's organisation first, then one each in turn
    assert services.fair_order(queued, {}) == [3, 7, 9, 4, 8]


def test_fair_order_of_nothing_is_empty():
    assert services.fair_order([], {"A": at(0)}) == []


# --- the choice, in the database ----------------------------------------------------------


def queued_portfolio(world, organization, user):
    return RoadmapReport.objects.create(
        kind=RoadmapReport.PORTFOLIO, organization=organization, requested_by=user
    )


def test_claim_next_report_alternates_between_organisations(world):
    a1, a2, a3 = (queued_portfolio(world, world.org, world.analyst) for _ in range(3))
    b1 = queued_portfolio(world, world.other, world.other_admin)
    claimed = [services.claim_next_report() for _ in range(4)]
    assert [r.id for r in claimed] == [a1.id, b1.id, a2.id, a3.id]
    assert [r.status for r in claimed] == ["rendering"] * 4
    assert services.claim_next_report() is None


def test_claim_next_report_passes_over_an_organisation_that_just_rendered(world):
    done = queued_portfolio(world, world.org, world.analyst)
    services.claim_report(done.id)
    a = queued_portfolio(world, world.org, world.analyst)
    b = queued_portfolio(world, world.other, world.other_admin)  # asked after a
    assert services.claim_next_report().id == b.id
    assert services.claim_next_report().id == a.id


def test_render_task_renders_the_report_whose_turn_it_is(world, monkeypatch):
    rendered = []
    monkeypatch.setattr(services, "build_pdf", lambda report: rendered.append(report.id) or b"%")
    monkeypatch.setattr(services, "_store_pdf", lambda report, data: ("reports/x.pdf", "0" * 64))
    services.claim_report(queued_portfolio(world, world.org, world.analyst).id)
    a = queued_portfolio(world, world.org, world.analyst)
    b = queued_portfolio(world, world.other, world.other_admin)
    # the message sent for a's request renders b: Acme has just had a render
    assert tasks.task_render_report.apply(args=[a.id]).get() == b.id
    assert tasks.task_render_report.apply(args=[b.id]).get() == a.id
    assert tasks.task_render_report.apply(args=[b.id]).get() is None  # a spare message
    assert rendered == [b.id, a.id]


# --- a real worker ------------------------------------------------------------------------


def wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s for {what}")


@contextlib.contextmanager
def renders_routed_to(queue):
    """Send the render messages that requests send to ``queue``, which only this session's
    worker consumes: the default queue may be shared with other workers on the broker."""
    previous = celery_app.conf.task_routes
    # conf.update (not attribute assignment) is what makes Celery rebuild its router.
    celery_app.conf.update(task_routes={tasks.task_render_report.name: {"queue": queue}})
    try:
        yield
    finally:
        celery_app.conf.update(task_routes=previous)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_renders_other_organisations_report_before_a_backlog(
    world, closed_result, celery_worker_process, settings
):
    settings.MEDIA_ROOT = celery_worker_process.media
    with renders_routed_to(celery_worker_process.queue):
        # Acme queues four renders: team A's roadmap, then three portfolios.
        backlog = [services.request_roadmap_report(world.lead_a, closed_result)[0]]
        for group in (None, world.g1, world.g2):
            backlog.append(services.request_portfolio_report(world.analyst, world.org, group)[0])
        ids = [r.id for r in backlog]
        wait_until(
            lambda: RoadmapReport.objects.filter(id__in=ids).exclude(status="queued").exists(),
            90,
            "the worker to start Acme's backlog",
        )
        other, _ = services.request_portfolio_report(world.other_admin, world.other)
        wait_until(
            lambda: not RoadmapReport.objects.filter(status__in=["queued", "rendering"]).exists(),
            240,
            "every report to be rendered",
        )
    reports = list(RoadmapReport.objects.order_by("started_at"))
    assert [(r.id, r.status, r.error) for r in reports if r.status != "ready"] == []
    assert len(reports) == 5
    other = next(r for r in reports if r.id == other.id)
    acme = [r for r in reports if r.organization_id == world.org.id]
    claimed_while_other_waited = [
        r.id for r in acme if other.created_at < r.started_at < other.started_at
    ]
    assert claimed_while_other_waited == []
    # the render under way when Other Corp asked is the only one it waited for
    running_when_asked = [r.id for r in acme if r.started_at < other.created_at < r.finished_at]
    assert len(running_when_asked) <= 1
    # and Acme's backlog was still there: at least two of its renders came after
    assert len([r for r in acme if r.started_at > other.started_at]) >= 2

"""Faults and concurrency (issue "Trust"): two people and two tabs at once, a worker killed
mid-render, the broker down when a PDF is asked for, the database connection killed under a
running site.

Each fault really happens: threads race on the database, the worker gets SIGKILL, the
PostgreSQL backend is terminated. Only the dead broker is simulated, by the exception kombu
raises for it, so that Celery's producer pool is never left holding a broken connection."""

import contextlib
import datetime as dt
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import IntegrityError, connection, connections, transaction
from django.test import RequestFactory
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from assessments.maturity import services
from assessments.models import Answer, Response
from reports import tasks
from reports.models import RoadmapReport
from reports.pdf import services as report_services
from tests.concurrency import run_together
from tests.conftest import ALL_LEVELS
from tests.factories import MembershipFactory
from vsm_site.celery import app as celery_app
from vsm_site.domain_errors import Conflict

RENDER_DELAY_SECONDS = 60  # far longer than the test needs to catch the worker mid-render


# --- helpers ------------------------------------------------------------------------------


def wait_until(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting after {seconds} s for {what}")


def database_url():
    """The test database as a URL for a worker process (as tests/conftest.py does)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def start_worker(queue, media, name, **extra_env):
    """A real prefork worker (one pool process) on the configured broker, consuming only
    ``queue``, writing files under ``media``."""
    env = {k: v for k, v in os.environ.items() if k != "VSM_TEST_RENDER_DELAY"}
    env.update(
        DJANGO_SETTINGS_MODULE="vsm_site.settings",
        DATABASE_URL=database_url(),
        MEDIA_ROOT=str(media),
        **extra_env,
    )
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "vsm_site", "worker",
            "--queues", queue, "--pool", "prefork", "--concurrency", "1",
            "--loglevel", "warning", "--without-heartbeat", "--without-mingle",
            "--without-gossip", "--hostname", f"{queue}-{name}@%h",
        ],
        env=env,
        cwd=django_settings.BASE_DIR,
    )  # fmt: skip


def stop_worker(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def kill_worker(proc):
    """SIGKILL the worker's pool process and its main process, as the OOM killer or a lost
    machine would: nothing gets to clean up, acknowledge or mark the report."""
    pool = psutil.Process(proc.pid).children(recursive=True)
    assert pool, "a prefork worker renders in a pool process"
    for pid in [child.pid for child in pool] + [proc.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=10)
    gone, alive = psutil.wait_procs(pool, timeout=10)
    assert not alive, f"pool processes survived SIGKILL: {alive}"


@contextlib.contextmanager
def renders_routed_to(queue):
    """Send render tasks (the sweeper's, the view's) to ``queue``, which only this test's
    worker consumes: the default queue may be shared with other workers on the broker."""
    previous = celery_app.conf.task_routes
    # conf.update (not attribute assignment) is what makes Celery rebuild its router.
    celery_app.conf.update(task_routes={tasks.task_render_report.name: {"queue": queue}})
    try:
        yield
    finally:
        celery_app.conf.update(task_routes=previous)


def delete_queue(queue):
    """Remove a private queue from the broker (RabbitMQ keeps queues after their consumer)."""
    with contextlib.suppress(Exception), celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(queue)


def report_files(media, report):
    folder = media / "reports" / f"{report.pk:08d}"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def closed_result(world, open_assessment):
    """Team A's mini assessment, answered by member_a and lead_a and closed."""
    for user, levels in ((world.member_a, ALL_LEVELS), (world.lead_a, ALL_LEVELS)):
        services.save_answers(user, open_assessment, answers=levels)
        services.submit_response(user, open_assessment)
    return services.close_assessment(world.lead_a, open_assessment)


def new_report(world, result):
    return RoadmapReport.objects.create(
        team=result.team, result=result, organization=world.org, period=result.period,
        requested_by=world.lead_a,
    )  # fmt: skip


# --- 1. two people, two tabs --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_save_answers_two_tabs_of_one_respondent_keep_both_answers(world, open_assessment):
    # The first save of each tab races to create the response as well.
    outcomes = run_together(
        lambda: services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 3}),
        lambda: services.save_answers(world.member_a, open_assessment, answers={"flow-wait": 4}),
    )
    # both saved (an exception would be the outcome), each counting what its commit saw
    assert sorted(outcomes) == [1, 2]
    assert Response.objects.filter(respondent=world.member_a).count() == 1
    answers = dict(
        Answer.objects.filter(response__respondent=world.member_a).values_list(
            "question__key", "level"
        )
    )
    assert answers == {"flow-wip": 3, "flow-wait": 4}

    # The same question from both tabs: one answer row, holding one of the two levels.
    outcomes = run_together(
        lambda: services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 1}),
        lambda: services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 5}),
    )
    assert outcomes == [2, 2]
    levels = list(
        Answer.objects.filter(
            response__respondent=world.member_a, question__key="flow-wip"
        ).values_list("level", flat=True)
    )
    assert len(levels) == 1 and levels[0] in (1, 5)


@pytest.mark.django_db(transaction=True)
def test_submit_response_from_two_tabs_succeeds_once(world, open_assessment):
    services.save_answers(world.member_a, open_assessment, answers=ALL_LEVELS)
    outcomes = run_together(
        lambda: services.submit_response(world.member_a, open_assessment),
        lambda: services.submit_response(world.member_a, open_assessment),
    )
    succeeded = [o for o in outcomes if isinstance(o, Response)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(succeeded), len(refused)) == (1, 1), outcomes
    assert succeeded[0].status == Response.SUBMITTED
    rows = list(Response.objects.filter(respondent=world.member_a).values_list("status"))
    assert rows == [(Response.SUBMITTED,)]
    assert Answer.objects.filter(response__respondent=world.member_a).count() == len(ALL_LEVELS)


@pytest.mark.django_db(transaction=True)
def test_two_respondents_save_and_submit_at_once_lose_nothing(world, open_assessment):
    third = MembershipFactory(team=world.team_a, user__username="member_c").user
    people = [world.member_a, world.lead_a, third]

    def answer_and_submit(user):
        def call():
            for key, level in ALL_LEVELS.items():  # one save per question, as the page does
                services.save_answers(user, open_assessment, answers={key: level})
            return services.submit_response(user, open_assessment)

        return call

    outcomes = run_together(*[answer_and_submit(user) for user in people])
    assert [type(o) for o in outcomes] == [Response] * 3, outcomes
    rows = sorted(
        Response.objects.filter(assessment=open_assessment).values_list(
            "respondent__username", "status"
        )
    )
    assert rows == sorted((u.username, Response.SUBMITTED) for u in people)
    for user in people:
        answers = dict(
            Answer.objects.filter(response__respondent=user).values_list("question__key", "level")
        )
        assert answers == ALL_LEVELS


@pytest.mark.django_db
def test_one_response_and_answer_per_question_enforced_by_database(world, open_assessment):
    assert services.save_answers(world.member_a, open_assessment, answers={"flow-wip": 3}) == 1
    response = Response.objects.get()
    question_id = Answer.objects.get(response=response).question_id
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    q = connection.ops.quote_name
    duplicate_response = (
        f"INSERT INTO {q(Response._meta.db_table)} "
        f"({q('assessment_id')}, {q('respondent_id')}, {q('status')}, {q('started_at')}, "
        f"{q('updated_at')}) VALUES (%s, %s, 'draft', %s, %s)"
    )
    answer = (
        f"INSERT INTO {q(Answer._meta.db_table)} ({q('response_id')}, {q('question_id')}, "
        f"{q('level')}, {q('comment')}, {q('evidence_url')}, {q('updated_at')}) "
        "VALUES (%s, %s, %s, '', '', %s)"
    )
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(duplicate_response, [open_assessment.id, world.member_a.id, now, now])
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(answer, [response.id, question_id, 4, now])
        other_question = open_assessment.questionnaire.questions.exclude(pk=question_id).first()
        with pytest.raises(IntegrityError), transaction.atomic():  # levels are 1-5 or NULL
            cursor.execute(answer, [response.id, other_question.id, 6, now])
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 1


# --- 2. a worker killed mid-render --------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_render_report_ends_ready_with_one_file(
    world, closed_result, tmp_path, settings
):
    queue = f"test-kill-{uuid.uuid4().hex[:12]}"
    media = tmp_path / "worker-media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    report = new_report(world, closed_result)
    slow = start_worker(queue, media, "slow", VSM_TEST_RENDER_DELAY=str(RENDER_DELAY_SECONDS))
    fresh = None
    try:
        tasks.task_render_report.apply_async(args=[report.id], queue=queue)
        wait_until(
            lambda: RoadmapReport.objects.get(pk=report.pk).status == "rendering",
            90,
            "the worker to claim the report",
        )
        kill_worker(slow)
        report.refresh_from_db()
        assert (report.status, report.attempts, report_files(media, report)) == ("rendering", 1, [])

        fresh = start_worker(queue, media, "fresh")
        with renders_routed_to(queue):
            # The sweeper runs every few minutes in production; here, right away. With
            # RabbitMQ the unacknowledged message also comes back: claiming keeps it to one
            # render whichever arrives first.
            assert report_services.sweep_stuck_reports(stuck_after=dt.timedelta(0)) == [report.id]
        wait_until(
            lambda: RoadmapReport.objects.get(pk=report.pk).status in ("ready", "failed"),
            120,
            "the report to be rendered again",
        )
    finally:
        stop_worker(slow)
        if fresh is not None:
            stop_worker(fresh)
        delete_queue(queue)

    report.refresh_from_db()
    assert (report.status, report.error, report.attempts) == ("ready", "", 2)
    files = [p for p in media.rglob("*") if p.is_file()]
    assert files == [media / report.file.name]
    assert files[0].name == report_services.report_filename(report)
    data = files[0].read_bytes()
    assert data.startswith(b"%PDF")
    assert (hashlib.sha256(data).hexdigest(), len(data)) == (report.checksum, report.size_bytes)


# --- 3. the broker down when a roadmap is asked for ---------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_broker_down_roadmap_request_recorded_then_rendered_when_back(
    world, closed_result, celery_worker_process, client, monkeypatch, settings
):
    settings.MEDIA_ROOT = celery_worker_process.media

    def broker_down(*args, **kwargs):  # what kombu raises when nothing listens on the port
        raise BrokerUnreachable("[Errno 111] Connection refused")

    client.force_login(world.lead_a)
    with monkeypatch.context() as patch:
        patch.setattr(tasks.task_render_report, "apply_async", broker_down)
        page = client.post(f"/teams/{world.team_a.id}/roadmap/pdf/", follow=True)
    assert page.status_code == 200
    report = RoadmapReport.objects.get()
    assert (report.status, report.error) == ("queued", report_services.BROKER_DOWN_MESSAGE)
    assert report_services.BROKER_DOWN_MESSAGE in page.content.decode()

    # The broker is back: the sweeper sends the recorded request.
    with renders_routed_to(celery_worker_process.queue):
        assert report_services.sweep_stuck_reports(stuck_after=dt.timedelta(0)) == [report.id]
    wait_until(
        lambda: RoadmapReport.objects.get(pk=report.pk).status in ("ready", "failed"),
        120,
        "the report to be rendered",
    )
    report.refresh_from_db()
    assert (report.status, report.error, report.attempts) == ("ready", "", 1)
    files = report_files(celery_worker_process.media, report)
    assert [f.name for f in files] == [report_services.report_filename(report)]
    assert hashlib.sha256(files[0].read_bytes()).hexdigest() == report.checksum


# --- 4. the database connection killed under a running site -------------------------------


@pytest.mark.django_db(transaction=True)
def test_request_after_database_connection_killed_succeeds(world, client, monkeypatch):
    """The site keeps its PostgreSQL connection between requests (CONN_MAX_AGE); when the
    server side dies (a restart), CONN_HEALTH_CHECKS replaces it at the first query of the
    next request. The requests go through Django's WSGI handler as a server calls it: the test
    client would skip the request_started/request_finished connection handling under test.

    SQLite connections are kept too; Django's own SQLite health check cannot see a closed
    handle (its is_usable() is always true), so the project's backend
    (vsm_site/sqlite_backend) runs a statement to check: a closed handle is replaced."""
    client.force_login(world.member_a)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"  # noqa: E501
    app = WSGIHandler()
    path = f"/teams/{world.team_a.id}/"

    def get():
        statuses = []
        environ = RequestFactory().get(path, HTTP_COOKIE=cookie).environ
        response = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        body = b"".join(response)
        response.close()  # fires request_finished, as a WSGI server does
        return int(statuses[0].split()[0]), body

    wrapper = connections["default"]
    assert wrapper.settings_dict["CONN_HEALTH_CHECKS"] is True
    postgres = wrapper.vendor == "postgresql"
    # Persistent whatever CONN_MAX_AGE the environment sets, as in production.
    monkeypatch.setitem(wrapper.settings_dict, "CONN_MAX_AGE", 60)
    wrapper.close()  # the next connection is opened with that lifetime

    status, body = get()
    assert status == 200 and b"Team A" in body
    if postgres:
        dead = wrapper.connection
        assert dead is not None, "the connection is kept for the next request"
        pid = dead.info.backend_pid
        killer = connections.create_connection("default")
        try:
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone() == (True,)

                def backend_gone():
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                    return cursor.fetchone() == (0,)

                wait_until(backend_gone, 10, "the backend to exit")
        finally:
            killer.close()
        checks = []
        real_is_usable = wrapper.is_usable

        def is_usable():
            checks.append(real_is_usable())
            return checks[-1]

        monkeypatch.setattr(wrapper, "is_usable", is_usable)
    else:
        dead = wrapper.connection
        assert dead is not None, "the connection is kept for the next request"
        dead.close()  # the raw handle, closed underneath Django

    status, body = get()
    assert status == 200 and b"Team A" in body
    assert wrapper.connection is not dead
    if postgres:
        assert checks == [False]  # the health check found the dead connection and replaced it
        assert wrapper.connection.info.backend_pid != pid

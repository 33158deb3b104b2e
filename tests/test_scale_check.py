"""The pieces of ``make scale-check`` (tests/scale/) that decide its verdicts without running
it: which services it uses and refuses, what it reads in the workers' and beats' logs and in
the e-mail folder, how it reads an answer page, and the settings it runs the site with."""

import pytest
from django.core import mail
from django.core.mail.backends.filebased import EmailBackend

from tests.bench import BenchError
from tests.scale import logs, preflight
from tests.scale.clients import checked_level
from tests.test_settings import settings_of

SERVICES = {
    "DATABASE_URL": "postgres://vsm:secret@db.example:5432/vsm",
    "CELERY_BROKER_URL": "redis://redis.example:6379/0",
    "CACHE_URL": "redis://redis.example:6379/1?key_prefix=vsm",
}


def test_services_are_the_servers_named_with_the_checks_own_database_and_redis_numbers():
    services = preflight.plan_services(SERVICES)
    assert services.database_url == "postgres://vsm:secret@db.example:5432/vsm_scale"
    assert services.admin_url == "postgres://vsm:secret@db.example:5432/postgres"
    assert services.broker_url == "redis://redis.example:6379/12"
    assert services.cache_url == "redis://redis.example:6379/13"


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("DATABASE_URL", "sqlite:///var/db.sqlite3", "DATABASE_URL is 'sqlite:///var/db.sqlite3'"),
        ("DATABASE_URL", "", "DATABASE_URL is not set, not PostgreSQL"),
        ("CELERY_BROKER_URL", "filesystem://", "CELERY_BROKER_URL is 'filesystem://', not Redis"),
        ("CACHE_URL", "locmemcache://", "CACHE_URL is 'locmemcache://', not Redis"),
    ],
)
def test_refuses_without_postgresql_and_redis_and_says_what_is_needed(name, value, said):
    with pytest.raises(BenchError) as raised:
        preflight.plan_services(SERVICES | {name: value})
    assert said in str(raised.value)
    assert "make scale-check needs PostgreSQL and Redis" in str(raised.value)
    assert "secret" not in str(raised.value)


def test_never_drops_a_database_not_named_for_the_check():
    with pytest.raises(BenchError, match="Refusing database 'vsm'"):
        preflight.plan_services(SERVICES, database="vsm")


WORKER_LOG = """\
[2026-12-07 12:46:01,100: INFO/MainProcess] Task reports.task_render_report[0b1c-9f] received
[2026-12-07 12:46:09,200: INFO/ForkPoolWorker-1] Task reports.task_render_report[0b1c-9f] succeeded in 8.1s: 7
[2026-12-07 12:46:09,300: INFO/MainProcess] Task reports.task_render_report[77aa-01] received
[2026-12-07 12:46:09,400: INFO/ForkPoolWorker-1] Task reports.task_render_report[77aa-01] succeeded in 0.02s: None
[2026-12-07 12:46:10,000: INFO/MainProcess] Task reports.task_send_reminders[5e5e-02] received
[2026-12-07 12:46:10,100: INFO/ForkPoolWorker-1] Task reports.task_send_reminders[5e5e-02] succeeded in 0.1s: 16
[2026-12-07 12:46:13,100: INFO/ForkPoolWorker-1] Task reports.task_send_reminders[6f6f-03] succeeded in 0.01s: 0
[2026-12-07 12:46:15,000: INFO/ForkPoolWorker-1] Task reports.task_render_report[88bb-04] succeeded in 7.9s: 7
"""  # noqa: E501


def test_worker_log_says_which_reports_it_rendered_and_what_reminders_it_sent():
    assert logs.rendered_reports(WORKER_LOG) == {7: 2}  # a spare message (None) is no render
    assert logs.received(WORKER_LOG, logs.RENDER_TASK) == 2
    assert logs.finished(WORKER_LOG, logs.RENDER_TASK) == 3  # one received before the log
    assert logs.reminder_runs(WORKER_LOG) == [16, 0]
    beat = (
        "[2026-12-07 12:46:10,000: INFO/MainProcess] Scheduler: Sending due task "
        "send-campaign-reminders (reports.task_send_reminders)\n"
        "[2026-12-07 12:46:10,001: INFO/MainProcess] Scheduler: Sending due task "
        "sweep-stuck-reports (reports.task_sweep_stuck_reports)\n"
    )
    assert logs.beat_sends(beat, "send-campaign-reminders") == 1


def test_log_tail_reads_only_what_came_after_the_mark(tmp_path):
    path = tmp_path / "w1.log"
    path.write_text("before\n")
    tail = logs.LogTail(path).mark()
    with path.open("a") as handle:
        handle.write("after\n")
    assert tail.new_text() == "after\n"


def test_mail_recipients_counts_what_the_file_backend_wrote(tmp_path):
    for connection_messages in (["a@x.invalid", "b@x.invalid"], ["a@x.invalid"]):
        backend = EmailBackend(file_path=str(tmp_path))
        messages = [mail.EmailMessage("Reminder", "Body\n\nmore", "v@x.invalid", [to])
                    for to in connection_messages]  # fmt: skip
        assert backend.send_messages(messages) == len(messages)
    assert logs.mail_recipients(tmp_path) == {"a@x.invalid": 2, "b@x.invalid": 1}


def test_checked_level_reads_the_card_of_one_question():
    page = (
        '<form id="q-flow" class="card"><input name="level" value="1">'
        '<input name="level" value="4" checked></form>'
        '<form id="q-waste" class="card"><input name="level" value="2" checked></form>'
    )
    assert checked_level(page, "flow") == 4
    assert checked_level(page, "waste") == 2
    assert checked_level(page, "missing") is None


def test_reminders_on_an_interval_and_mail_to_a_folder_when_set():
    names = ["CELERY_BEAT_SCHEDULE", "EMAIL_BACKEND", "EMAIL_FILE_PATH"]
    seen = settings_of(
        "vsm_site.settings",
        names,
        {"REMINDER_INTERVAL_SECONDS": "3", "EMAIL_URL": "filemail:///tmp/vsm-mail"},
    )
    assert seen["CELERY_BEAT_SCHEDULE"]["send-campaign-reminders"]["schedule"] == 3
    assert seen["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert seen["EMAIL_FILE_PATH"] == "/tmp/vsm-mail"
    default = settings_of("vsm_site.settings", ["CELERY_BEAT_SCHEDULE"], {})
    assert "crontab" in str(default["CELERY_BEAT_SCHEDULE"]["send-campaign-reminders"]["schedule"])

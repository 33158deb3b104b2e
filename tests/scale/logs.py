"""What the processes' logs and the e-mail folder say (pure: text in, figures out).

The Celery workers log at INFO: ``Task NAME[ID] received`` when a message arrives and
``Task NAME[ID] succeeded in 2.1s: VALUE`` when it ends, VALUE being what the task returned:
for ``reports.task_render_report`` the id of the report it rendered (None when its message
found nothing left to render), for ``reports.task_send_reminders`` how many e-mails it sent.
Each worker writes a log of its own, so the log says which worker did what. Beat logs
``Scheduler: Sending due task ENTRY (TASK)`` for every message it sends."""

import re
from collections import Counter
from pathlib import Path

RENDER_TASK = "reports.task_render_report"
REMINDER_TASK = "reports.task_send_reminders"
SUCCEEDED = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\S+)")
RECEIVED = re.compile(r"Task ([\w.]+)\[[0-9a-f-]+\] received")
SENT_BY_BEAT = re.compile(r"Scheduler: Sending due task ([\w-]+) ")
MAIL_SEPARATOR = "-" * 79


def rendered_reports(text):
    """``Counter({report_id: renders})`` of one worker's log: the reports its render tasks
    finished."""
    out = Counter()
    for task, value in SUCCEEDED.findall(text):
        if task == RENDER_TASK and value.isdigit():
            out[int(value)] += 1
    return out


def received(text, task):
    """How many messages of ``task`` a worker's log says it received."""
    return sum(1 for name in RECEIVED.findall(text) if name == task)


def finished(text, task):
    """How many tasks of ``task`` a worker's log says succeeded."""
    return sum(1 for name, _ in SUCCEEDED.findall(text) if name == task)


def reminder_runs(text):
    """The e-mail counts of every finished reminder run in a worker's log."""
    return [int(v) for task, v in SUCCEEDED.findall(text) if task == REMINDER_TASK and v.isdigit()]


def beat_sends(text, entry):
    """How many times a beat's log says it sent ``entry``."""
    return sum(1 for name in SENT_BY_BEAT.findall(text) if name == entry)


def mail_recipients(folder):
    """``Counter({address: messages})`` of every message Django's file-based e-mail backend
    wrote under ``folder`` (one file per connection, messages separated by 79 dashes)."""
    out = Counter()
    for path in sorted(Path(folder).glob("*.log")):
        for message in path.read_text(errors="replace").split(MAIL_SEPARATOR):
            headers = message.strip().split("\n\n", 1)[0]
            for line in headers.splitlines():
                if line.startswith("To: "):
                    for address in line[4:].split(","):
                        out[address.strip()] += 1
    return out


class LogTail:
    """Reads what a log file gained since the last ``mark()``."""

    def __init__(self, path):
        self.path = Path(path)
        self.offset = 0

    def mark(self):
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        return self

    def new_text(self):
        if not self.path.exists():
            return ""
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            return handle.read().decode(errors="replace")

    def text(self):
        return self.path.read_text(errors="replace") if self.path.exists() else ""

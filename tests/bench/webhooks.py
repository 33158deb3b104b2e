"""Benchmark: webhook deliveries acknowledged (issue 20), ``POST /hooks/<public id>/``.

    python -m tests.bench webhooks [--seconds 15] [--senders 20] [--warmup 3]

Serves the site as ``make bench`` does (``end_to_end.BenchRun.start_gunicorn``: gunicorn, 2
sync workers, DEBUG off, on the configured database and broker), creates a team and a GitHub
webhook through ``webhook_services.create_webhook`` (the API's path), then ``--senders``
senders deliver signed ``deployment_status`` events back to back for ``--seconds`` from a
process of their own (``python -m tests.bench.webhook_load``: one asyncio loop, an httpx
client per sender). Prints deliveries accepted per second, p50/p95/p99 acknowledgement time,
the non-202 answers and p95 against the 50 ms target; then checks that every acknowledged
delivery was stored and its processing message queued. Fails (exit 1) on any non-202 answer
or a count that differs. ``make bench`` runs the same scenario on its own server after the page
scenarios (``deliveries``).

The payload is read at run time from tests/assessments/dora/payloads/ (the first
``*deployment_status*.json``, GitHub's first, holding a ``deployment_status`` object), with
a built-in minimal one, announced, when there is none. Its processing messages go to a queue
of the run's own, which nothing consumes (``gunicorn_config.py``): they are counted, then
purged and the queue deleted. The team (its own organisation here), the webhook and the
deliveries are deleted at the end."""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from assessments.dora import webhook_services
from assessments.models import Organization, Team, WebhookDelivery
from tests.bench import BenchError
from tests.bench import end_to_end as e2e

TARGET_P95_MS = 50
SENDERS = 20
EVENT = "deployment_status"
PAYLOADS = Path(settings.BASE_DIR) / "tests" / "assessments" / "dora" / "payloads"
# Used only when the payloads folder has no deployment_status example (it is said so).
FALLBACK_PAYLOAD = {
    "action": "created",
    "deployment_status": {
        "id": 1,
        "state": "success",
        "environment": "production",
        "created_at": "2026-12-07T10:00:00Z",
        "updated_at": "2026-12-07T10:00:00Z",
    },
    "deployment": {
        "id": 1,
        "sha": "0" * 40,
        "ref": "main",
        "environment": "production",
        "created_at": "2026-12-07T09:59:00Z",
    },
    "repository": {"id": 1, "name": "bench", "full_name": "bench/bench"},
    "sender": {"login": "bench", "id": 1, "type": "User"},
}


def choose_payload(folder=PAYLOADS):
    """``(body, source, note)``: the raw bytes of the first ``*deployment_status*.json`` in
    ``folder`` (GitHub's first) that is a JSON object with a ``deployment_status`` object;
    else the built-in payload, ``source`` "built-in" and ``note`` saying why."""
    candidates = sorted(
        (p for p in Path(folder).glob("*.json") if EVENT in p.name.lower()),
        key=lambda p: (not p.name.lower().startswith("github"), p.name),
    )
    for path in candidates:
        body = path.read_bytes()
        try:
            payload = json.loads(body)
        except ValueError:
            continue
        if isinstance(payload, dict) and isinstance(payload.get(EVENT), dict):
            return body, path.name, ""
    tried = ", ".join(p.name for p in candidates) or "none"
    note = (
        f"no usable *{EVENT}*.json in {folder} (candidates: {tried}); using the built-in "
        "minimal deployment_status payload"
    )
    return json.dumps(FALLBACK_PAYLOAD).encode(), "built-in", note


def queued_messages(queue, var_dir, purge=True):
    """How many messages ``queue`` holds on the configured broker (with the filesystem
    transport, in ``var_dir``'s folders, as settings.py lays them out for the server); then,
    with ``purge``, empties and deletes it. A kombu connection of its own: the Celery app's
    routing (the roadmaps' private queue) is left alone."""
    from kombu import Connection, Exchange, Queue

    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS or {})
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(var_dir) / "celery"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        options |= {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    with Connection(settings.CELERY_BROKER_URL, transport_options=options) as conn:
        bound = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(
            conn.default_channel
        )
        bound.declare()
        count = bound.queue_declare(passive=True).message_count
        if purge:
            bound.purge()
            bound.delete()
    return count


def deliveries(run, workdir, env, base_url, gunicorn, team, *, seconds, senders, warmup=3):
    """The scenario on a running server (``run`` a ``BenchRun``); returns its figures. Raises
    BenchError on a non-202 answer, or when the deliveries stored or queued differ from those
    acknowledged."""
    body, source, note = choose_payload()
    if note:
        run.say(f"  note: {note}")
    # The server seals and unseals secrets with its own SECRET_KEY (a generated one).
    with override_settings(SECRET_KEY=env["SECRET_KEY"]):
        hook, secret = webhook_services.create_webhook(provider="github", team=team)
    body_path, plan_path = workdir / "webhook-body.json", workdir / "webhook-plan.json"
    out_path = workdir / "webhook-load.json"
    body_path.write_bytes(body)
    plan = {
        "base_url": base_url,
        "path": f"/hooks/{hook.public_id}/",
        "secret": secret,
        "event": EVENT,
        "body_file": str(body_path),
        "senders": senders,
        "seconds": seconds,
        "max_deliveries": 200_000,
        "warmup": warmup,
        "target_ms": TARGET_P95_MS,
        "server_pids": [p.pid for p in e2e.psutil.Process(gunicorn.pid).children()],
    }
    plan_path.write_text(json.dumps(plan, indent=2))
    run.step(
        f"webhook deliveries: {senders} senders back to back for {seconds:g} s, signed GitHub "
        f"{EVENT} ({source}, {len(body)} bytes) ..."
    )
    queue = env["VSM_BENCH_TASK_QUEUE"]
    try:
        sender = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.webhook_load", str(plan_path),
             "--out", str(out_path)],
            cwd=settings.BASE_DIR, env=env, start_new_session=True,
        )  # fmt: skip
        run.processes.append(("webhook senders", sender))
        budget = seconds + warmup * senders + 120
        try:
            code = sender.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            raise BenchError(f"The webhook senders did not finish in {budget:.0f} s.") from None
        if code != 0:
            raise BenchError(f"The webhook senders failed (exit {code}); see above.")
        figures = json.loads(out_path.read_text())
        figures["stored"] = WebhookDelivery.objects.filter(webhook=hook).count()
        figures["queued"] = queued_messages(queue, env["VAR_DIR"])
    finally:
        run.stop("webhook senders")
        WebhookDelivery.objects.filter(webhook=hook).delete()
        hook.delete()
    figures |= {"payload": source, "target_p95_ms": TARGET_P95_MS}
    for line in report_lines(figures):
        run.say(line)
    problems = check(figures)
    if problems:
        raise BenchError("Webhook benchmark failed: " + "; ".join(problems))
    return figures


def check(figures):
    """What makes the run a failure: any non-202 answer, a stored or queued count other than
    the acknowledged one."""
    problems = []
    if figures["non_202"]:
        problems.append(f"{figures['non_202']} deliveries not answered 202 ({figures['problems']})")
    for key in ("stored", "queued"):
        if figures.get(key) != figures["acknowledged"]:
            problems.append(
                f"{figures.get(key)} deliveries {key}, {figures['acknowledged']} acknowledged"
            )
    return problems


def report_lines(f):
    met = "met" if f.get("p95_ms") is not None and f["p95_ms"] < TARGET_P95_MS else "MISSED"
    cpu = f", server CPU {f['server_cpu_ms']:.1f} ms each" if "server_cpu_ms" in f else ""
    return [
        f"  webhook deliveries: {f['accepted']} accepted in {f['seconds']:.1f} s = "
        f"{f['per_second']:.1f}/s with {f['senders']} senders{cpu}",
        f"  acknowledgement: p50 {f.get('p50_ms', 0):.1f} ms, p95 {f.get('p95_ms', 0):.1f} ms, "
        f"p99 {f.get('p99_ms', 0):.1f} ms, max {f.get('max_ms', 0):.1f} ms; p95 / "
        f"{TARGET_P95_MS} ms target = {f.get('p95_x_target', 0):.2f} ({met})",
        f"  non-202 answers: {f['non_202']}; stored {f['stored']}, queued {f['queued']}, "
        f"acknowledged {f['acknowledged']} (warm-up {f['warmup_accepted']} included); client "
        f"CPU {f['client_cpu_percent']:.0f}% of one core ({f['client']})",
    ]


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Signed GitHub webhook deliveries against gunicorn: accepted per second "
        "and acknowledgement time (target p95 < 50 ms).",
    )
    parser.add_argument("--seconds", type=float, default=15, help="measured seconds")
    parser.add_argument("--senders", type=int, default=SENDERS, help="concurrent senders")
    parser.add_argument("--warmup", type=int, default=3, help="unrecorded deliveries per sender")
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv, prog)
    if "DATABASE_URL" not in os.environ:
        raise BenchError(
            "DATABASE_URL is not set: the server the benchmark starts needs it. Run "
            "`make bench BENCH_ARGS=webhooks` (SQLite in var/bench/bench.sqlite3), or set "
            "DATABASE_URL to a migrated database of its own."
        )
    if args.senders < 1 or args.seconds <= 0:
        raise BenchError("--senders and --seconds must be positive.")
    run = e2e.BenchRun(
        out or sys.stdout, {"keep": False}, " ".join(["python -m tests.bench webhooks", *argv])
    )
    machine = e2e.machine_figures()
    run.say(
        f"machine: {machine['cpus']} CPUs, {machine['python']}; database {connection.vendor}, "
        f"broker {settings.CELERY_BROKER_URL.split('://')[0]}; load average before "
        f"{machine['load_before'][0]:.2f}, CPU {machine['cpu_busy_before']:.0f}% busy"
        + (" (other work is running: figures are pessimistic)" if machine["busy"] else "")
    )
    suffix = uuid.uuid4().hex[:10]
    organization = Organization.objects.create(name=f"bench {suffix}", slug=f"bench-{suffix}")
    team = Team.objects.create(organization=organization, name="Bench", slug="bench")
    workdir = Path(tempfile.mkdtemp(prefix="vsm-bench-webhooks-"))
    previous = signal.signal(signal.SIGTERM, e2e._raise_interrupt)
    try:
        env = run.child_env(workdir)
        env["STATIC_ROOT"] = str(workdir / "static")  # no page is served: nothing to collect
        (workdir / "static").mkdir()
        gunicorn, base_url = run.start_gunicorn(workdir, env)
        return deliveries(
            run, workdir, env, base_url, gunicorn, team,
            seconds=args.seconds, senders=args.senders, warmup=args.warmup,
        )  # fmt: skip
    except KeyboardInterrupt:
        raise BenchError(
            "Interrupted; every process the benchmark started has been stopped.",
            returncode=130,
        ) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        run.stop_all()
        organization.delete()
        e2e._remove_tree(workdir)

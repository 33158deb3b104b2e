"""The performance benchmark, end to end: ``make bench`` (see README "Benchmarks").

    python -m tests.bench [--teams 500] [--quarters 8] [--seconds 15] [--roadmaps 50]
                          [--senders 20] [--keep]

1. Generates a reproducible organisation (``tests.bench.data``, bulk inserts from a seed).
2. Serves the site with gunicorn (2 workers, DEBUG off, a generated SECRET_KEY, static files
   collected into a STATIC_ROOT of its own under var/bench/, kept for the next run while the
   static sources do not change) and loads it over loopback from a second process
   (``python -m tests.bench.load``): autosaving respondents, the questionnaire, results and
   history pages, the CoE dashboard, the comparison API and ``/ping``, the floor; then
   ``--senders`` webhook senders deliver signed GitHub events to ``/hooks/<id>/`` for
   ``--seconds`` (``webhooks.py``, from ``python -m tests.bench.webhook_load``).
3. Renders roadmap PDFs for ``--roadmaps`` teams through 2 Celery workers on the configured
   broker (a private queue; with the filesystem transport also a private folder, so the
   development worker never takes them), and times WeasyPrint alone on one of them and on the
   plain reference document (``reference.py``). ``--only roadmaps`` runs this part alone, after
   generating the data (without gunicorn and the web and webhook load).
4. Samples the RSS of the gunicorn workers and the Celery workers (main + pool children).
5. Prints the figures against the targets and writes them to ``var/bench/latest.json``.

It runs against the configured database and broker (DATABASE_URL, CELERY_BROKER_URL) and
refuses to run without DATABASE_URL, so the development database is never written to. Every
process it starts is stopped when it ends, on errors and on Ctrl-C too. The generated data is
deleted at the end unless ``--keep``."""

import argparse
import contextlib
import hashlib
import json
import logging
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from assessments.dora import rules as dora
from assessments.models import Assessment, Membership, Result, Team
from reports.models import RoadmapReport
from tests.bench import BenchError
from tests.bench import data as benchdata
from tests.bench.reference import render_reference

MB = 1024 * 1024
WEB_WORKERS = 2
CELERY_WORKERS = 2
TARGETS = {
    "autosave_p95_ms": 40,
    "autosave_x_floor": 4,
    "page_x_floor": 5,
    "coe_p95_ms": 300,
    "webhook_p95_ms": 50,
    "roadmaps_per_minute": 40,
    "render_x_reference": 1.3,
    "web_worker_mb": 250,
    "celery_worker_mb": 350,
}


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Benchmark the site (gunicorn + HTTP load), roadmap PDFs (Celery) and memory.",
        epilog="Narrower tools: python -m tests.bench coe|roadmap|ingest --help.",
    )
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--seconds", type=float, default=15, help="measured seconds per web scenario"
    )
    parser.add_argument("--respondents", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2, help="clients of the page scenarios")
    parser.add_argument("--roadmaps", type=int, default=50)
    parser.add_argument(
        "--senders", type=int, default=20, help="concurrent webhook senders (0: no webhooks)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated data and the run folder"
    )
    parser.add_argument(
        "--only", choices=["roadmaps"], help="run only this part (after generating the data)"
    )
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    options = vars(parse_args(argv, prog))
    if "DATABASE_URL" not in os.environ:
        raise BenchError(
            "DATABASE_URL is not set: the benchmark would write into the development "
            "database. Run `make bench` (SQLite in var/bench/bench.sqlite3), or set "
            "DATABASE_URL to a migrated database of its own."
        )
    if options["teams"] < options["respondents"] // 2 + 1 or options["teams"] < 1:
        raise BenchError("--teams must be at least half of --respondents.")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # no line per readiness probe
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "No hostname ..."
    run = BenchRun(out or sys.stdout, options, command=" ".join(["python -m tests.bench", *argv]))
    # A plain `kill` stops the run like Ctrl-C: the finally blocks stop the processes.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        run.execute()
    except KeyboardInterrupt:
        raise BenchError(
            "Interrupted; every process the benchmark started has been stopped.",
            returncode=130,
        ) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class BenchRun:
    def __init__(self, out, options, command):
        self.out = out
        self.options = options
        self.command = command
        self.figures = {}
        self.processes = []
        self.sampler = MemorySampler()
        self.started = time.perf_counter()

    # -- output ----------------------------------------------------------------------------

    def say(self, text=""):
        print(text, file=self.out, flush=True)

    def step(self, text):
        self.say(f"[{time.perf_counter() - self.started:6.1f} s] {text}")

    # -- the run ---------------------------------------------------------------------------

    def execute(self):
        self.figures["machine"] = machine_figures()
        self.figures["command"] = self.command
        self.figures["started_at"] = timezone.now().isoformat(timespec="seconds")
        self.figures["database"] = connection.vendor
        self.figures["broker"] = settings.CELERY_BROKER_URL.split("://")[0]
        m = self.figures["machine"]
        self.say(
            f"machine: {m['cpus']} CPUs, {m['memory_gb']} GB RAM, {m['python']}; database "
            f"{connection.vendor}, broker {self.figures['broker']}"
        )
        self.say(
            f"before the run: load average {m['load_before'][0]:.2f}, CPU "
            f"{m['cpu_busy_before']:.0f}% busy"
            + (" (other work is running: figures are pessimistic)" if m["busy"] else "")
        )
        workdir = Path(tempfile.mkdtemp(prefix="vsm-bench-"))
        try:
            env = self.child_env(workdir)
            collectstatic = self.start_collectstatic(env, workdir)
            self.generate()
            if collectstatic is not None:
                self.finish_collectstatic(collectstatic, env, workdir)
            self.sampler.start()
            if self.options["only"] != "roadmaps":
                self.serve_and_load(workdir, env)
            self.roadmaps(workdir, env)
            self.figures["memory"] = self.sampler.stop()
        except KeyboardInterrupt:
            self.say("\ninterrupted: stopping the processes")
            raise
        finally:
            self.sampler.stop()
            self.stop_all()
            if not self.options["keep"]:
                _remove_tree(workdir)
                self.cleanup()
            else:
                self.say(f"kept: the generated data and {workdir}")
        m["load_after"] = [round(x, 2) for x in os.getloadavg()]
        self.figures["total_seconds"] = round(time.perf_counter() - self.started, 1)
        self.report()

    def generate(self):
        opts = self.options
        self.step(f"generating {opts['teams']} teams x {opts['quarters']} quarters ...")
        generated = benchdata.generate_organization(
            teams=opts["teams"], quarters=opts["quarters"], seed=opts["seed"]
        )
        self.generated = generated
        keys = ("teams", "users", "results", "open_assessments", "deployments", "incidents")
        keys += ("dora_snapshots", "value_stream_maps")
        self.figures["generation"] = {k: generated[k] for k in keys} | {
            "seconds": round(generated["seconds"], 1),
            "steps": {k: round(v, 1) for k, v in generated["steps"].items()},
        }
        g = generated
        self.step(
            f"generated in {g['seconds']:.1f} s: {g['teams']} teams, {g['users']} users, "
            f"{g['results']} results, {g['open_assessments']} open assessments, "
            f"{g['deployments']} deployments, {g['incidents']} incidents, "
            f"{g['dora_snapshots']} DORA snapshots, {g['value_stream_maps']} value stream maps"
        )

    def child_env(self, workdir):
        """Production-like settings for gunicorn and the workers, on the same database and
        broker; VAR_DIR (the filesystem broker's folders) private to this run."""
        env = dict(os.environ)
        env.update(
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            # Required with DEBUG off (wsgi.py refuses to serve without it); only e-mail links
            # are built on it, and the benchmark sends none.
            SITE_URL="http://127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            MEDIA_ROOT=str(workdir / "media"),
            VAR_DIR=str(workdir / "var"),
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
        )
        return env

    # -- static files ------------------------------------------------------------------------

    def start_collectstatic(self, env, workdir):
        """Point the children's STATIC_ROOT at the collected static files of the current
        sources, collecting them in the background when there are none yet. Compressing them
        (whitenoise: gzip and brotli of every file) takes about a minute of CPU; it runs while
        the organisation is generated, and a later run with unchanged sources reuses it."""
        root = Path(settings.VAR_DIR) / "bench" / f"static-{static_fingerprint()}"
        env["STATIC_ROOT"] = str(root)
        if (root / "staticfiles.json").is_file():
            self.figures["collectstatic_seconds"] = 0
            self.step(f"static files: reusing {root} (sources unchanged)")
            return None
        for old in root.parent.glob("static-*"):  # earlier sources, or an interrupted run
            _remove_tree(old)
        env["STATIC_ROOT"] = str(root.with_name(root.name + ".partial"))
        self.step("collectstatic into a new STATIC_ROOT, in the background ...")
        self.collect_started = time.perf_counter()
        return self.spawn(
            "collectstatic",
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env, workdir,
        )  # fmt: skip

    def finish_collectstatic(self, process, env, workdir):
        try:
            process.wait(timeout=900)
        except subprocess.TimeoutExpired:
            raise BenchError("collectstatic did not finish in 15 minutes.") from None
        if process.returncode != 0:
            raise BenchError(f"collectstatic failed: {tail(workdir, 'collectstatic')}")
        self.stop("collectstatic")
        partial = Path(env["STATIC_ROOT"])
        root = partial.with_name(partial.name.removesuffix(".partial"))
        partial.rename(root)
        env["STATIC_ROOT"] = str(root)
        self.figures["collectstatic_seconds"] = round(time.perf_counter() - self.collect_started, 1)
        self.step(f"collectstatic done in {self.figures['collectstatic_seconds']:.0f} s")

    # -- web -------------------------------------------------------------------------------

    def start_gunicorn(self, workdir, env):
        """gunicorn as in production (``WEB_WORKERS`` sync workers) on a free loopback port,
        once ``/ping`` answers; its Celery tasks go to a queue of this run's own
        (``tests/bench/gunicorn_config.py``). Returns ``(process, base_url)``."""
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env["VSM_BENCH_TASK_QUEUE"] = web_task_queue()
        self.step(f"gunicorn, {WEB_WORKERS} workers, on {base_url} ...")
        gunicorn = self.spawn(
            "gunicorn",
            [sys.executable, "-m", "gunicorn", "vsm_site.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(WEB_WORKERS), "--graceful-timeout", "5", "--timeout", "60",
             "--config", "python:tests.bench.gunicorn_config"],
            env, workdir,
        )  # fmt: skip
        wait_for_http(f"{base_url}/ping", gunicorn, workdir / "gunicorn.log")
        return gunicorn, base_url

    def serve_and_load(self, workdir, env):
        opts = self.options
        gunicorn, base_url = self.start_gunicorn(workdir, env)
        self.sampler.watch("web", gunicorn.pid, per_child=True)

        plan = self.load_plan(base_url)
        plan["server_pids"] = [p.pid for p in psutil.Process(gunicorn.pid).children()]
        if connection.vendor == "postgresql":  # what the database (and Redis) spend per request
            plan["service_processes"] = ["postgres", "redis-server"]
        plan_path, out_path = workdir / "plan.json", workdir / "load.json"
        plan_path.write_text(json.dumps(plan, indent=2))
        self.step(
            f"web load: {opts['seconds']:g} s per scenario; {len(plan['respondents'])} "
            f"respondents autosaving (think {plan['think_seconds'][0]:g}-"
            f"{plan['think_seconds'][1]:g} s); pages with {opts['concurrency']} clients"
        )
        load = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.load", str(plan_path), "--out", str(out_path)],
            cwd=settings.BASE_DIR, env=env, start_new_session=True,
        )  # fmt: skip
        self.processes.append(("load", load))
        budget = len(SCENARIO_LABELS) * (opts["seconds"] + 90) + 120
        try:
            code = load.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            raise BenchError(f"The load generator did not finish in {budget:.0f} s.") from None
        if code != 0:
            raise BenchError(f"The load generator failed (exit {code}); see above.")
        self.figures["web"] = json.loads(out_path.read_text())
        self.figures["web_plan"] = {
            k: plan[k] for k in ("seconds", "concurrency", "warmup", "think_seconds", "period")
        } | {"respondents": len(plan["respondents"]), "gunicorn_workers": WEB_WORKERS}
        if opts["senders"] > 0:
            from tests.bench import webhooks

            team = Team.objects.filter(organization=self.generated["organization"])
            self.figures["webhooks"] = webhooks.deliveries(
                self, workdir, env, base_url, gunicorn, team.order_by("slug").first(),
                seconds=opts["seconds"], senders=opts["senders"],
            )  # fmt: skip
        self.stop("gunicorn")

    def load_plan(self, base_url):
        """Respondents: members m2 and m3 of the first teams, each on their team's open
        assessment and latest result."""
        opts, g = self.options, self.generated
        people = benchdata.respondents(g, opts["respondents"])
        closed_ids = dict(
            Assessment.objects.filter(
                team__in=[team for _, team, _ in people], period=g["periods"][-1]
            ).values_list("team_id", "id")
        )
        respondents = [
            {
                "username": username,
                "team_id": team.id,
                "open_assessment_id": open_id,
                "closed_assessment_id": closed_ids[team.id],
            }
            for username, team, open_id in people
        ]
        return {
            "base_url": base_url,
            "password": benchdata.BENCH_PASSWORD,
            "coe": "bench-coe",
            "period": g["periods"][-1],
            "seconds": opts["seconds"],
            "max_requests": 20000,
            "concurrency": opts["concurrency"],
            "warmup": 3,
            "think_seconds": [0.5, 1.5],
            "seed": opts["seed"],
            "respondents": respondents,
            "coe_periods": g["periods"],
            "coe_benchmarks": list(dora.benchmark_sets()),
        }

    # -- roadmaps ----------------------------------------------------------------------------

    def roadmaps(self, workdir, env):
        from reports.pdf import services
        from vsm_site.celery import app as celery_app

        count = self.options["roadmaps"]
        if count <= 0:
            return
        queue = f"vsm-bench-{os.getpid()}"
        configure_private_broker(celery_app, queue, Path(env["VAR_DIR"]))
        self.step(f"{CELERY_WORKERS} Celery workers (--concurrency 1) on queue {queue} ...")
        # One at a time, each ready before the next starts: the filesystem transport binds a
        # queue by rewriting a shared exchange-table file, and two workers binding at once can
        # read it half written (one of them then exits with a JSONDecodeError).
        workers = []
        for n in range(1, CELERY_WORKERS + 1):
            name = f"celery{n}"
            workers.append(
                self.spawn(
                    name,
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "vsm_site",
                        "worker",
                        "--concurrency",
                        "1",
                        "--loglevel",
                        "info",
                        "-Q",
                        queue,
                        "-n",
                        f"bench{n}-{os.getpid()}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                    ],
                    env,
                    workdir,
                )  # fmt: skip
            )
            wait_for_log(workdir / f"{name}.log", " ready.", workers[-1])
            self.sampler.watch(name, workers[-1].pid, per_child=False)

        org = self.generated["organization"]
        period = self.generated["periods"][-1]
        teams = list(Team.objects.filter(organization=org).order_by("slug"))
        chosen = teams[:: max(1, len(teams) // count)][:count]
        leads = {
            m.team_id: m.user
            for m in Membership.objects.filter(team__in=chosen, role=Membership.LEAD)
            .select_related("user")
        }  # fmt: skip
        results = {
            r.team_id: r
            for r in Result.objects.filter(team__in=chosen, period=period).select_related(
                "team__organization", "questionnaire"
            )
        }
        self.step(f"requesting {len(chosen)} roadmap PDFs ...")
        cpu_before = _cpu_seconds(workers)
        requested_at = timezone.now()
        ids = []
        # The throughput run asks for every PDF at once, as one organisation: past the
        # organisation's limit of renders in flight for this command only.
        with override_settings(REPORT_MAX_QUEUED_PER_ORGANIZATION=len(chosen)):
            for team in chosen:
                report, _ = services.request_roadmap_report(leads[team.id], results[team.id])
                ids.append(report.id)
        deadline = time.monotonic() + max(300, 30 * len(ids))
        while time.monotonic() < deadline:
            pending = RoadmapReport.objects.filter(
                id__in=ids, status__in=[RoadmapReport.QUEUED, RoadmapReport.RENDERING]
            ).count()
            if not pending:
                break
            for n, worker in enumerate(workers, 1):
                if worker.poll() is not None:
                    raise BenchError(f"Celery worker {n} exited: {tail(workdir, f'celery{n}')}")
            time.sleep(0.5)
        reports = list(
            RoadmapReport.objects.filter(id__in=ids).values(
                "status", "duration_seconds", "finished_at", "error", "size_bytes"
            )
        )
        ready = [r for r in reports if r["status"] == RoadmapReport.READY]
        failed = [r for r in reports if r["status"] == RoadmapReport.FAILED]
        worker_cpu = _cpu_seconds(workers) - cpu_before
        for n in range(1, CELERY_WORKERS + 1):
            self.stop(f"celery{n}")
        # The queue was the run's own: do not leave it (a durable queue on RabbitMQ, bindings
        # on Redis) behind on the broker.
        with contextlib.suppress(Exception), celery_app.connection_for_write() as conn:
            bound = celery_app.amqp.queues[queue].bind(conn.default_channel)
            bound.declare()  # makes the binding known to this channel, so delete removes it
            bound.delete()
        if not ready:
            errors = {r["error"] for r in failed} or {"none finished in time"}
            raise BenchError(f"No roadmap was rendered: {'; '.join(sorted(errors))[:500]}")
        elapsed = (max(r["finished_at"] for r in ready) - requested_at).total_seconds()
        durations = [r["duration_seconds"] for r in ready]
        self.step(
            f"{len(ready)} roadmaps ready, {len(failed)} failed, "
            f"{len(reports) - len(ready) - len(failed)} unfinished, in {elapsed:.1f} s"
        )
        alone, in_process, pages, reference, reference_pages = self.weasyprint_alone(
            results[chosen[0].id]
        )
        median = statistics.median(durations)
        self.figures["roadmaps"] = {
            "requested": len(ids),
            "ready": len(ready),
            "failed": len(failed),
            "errors": sorted({r["error"] for r in failed})[:3],
            "seconds": round(elapsed, 1),
            "per_minute": round(len(ready) / elapsed * 60, 1),
            "render_median_s": round(median, 2),
            "render_p95_s": round(_percentile(durations, 0.95), 2),
            "pages": pages,
            "size_kib_median": round(statistics.median(r["size_bytes"] for r in ready) / 1024),
            "weasyprint_alone_s": round(alone, 2),
            "render_x_weasyprint": round(median / alone, 2),
            "in_process_full_s": round(in_process, 2),
            "in_process_x_weasyprint": round(in_process / alone, 2),
            "reference_s": round(reference, 2),
            "reference_pages": reference_pages,
            "render_x_reference": round(median / reference, 2),
            "in_process_x_reference": round(in_process / reference, 2),
            # CPU time the workers spent a roadmap, and the rate it allows them on as many idle
            # cores: what other work on the machine changes least.
            "worker_cpu_per_roadmap_s": round(worker_cpu / len(ready), 2),
            "cpu_bound_per_minute": round(CELERY_WORKERS * 60 * len(ready) / worker_cpu, 1),
            "workers": CELERY_WORKERS,
        }

    def weasyprint_alone(self, result, runs=3):
        """WeasyPrint alone on one team's final HTML and on the plain reference document
        (``reference.py``), ``runs`` times each, and the whole pipeline (context, HTML, PDF:
        ``services.build_pdf``) in this process (``runs - 1`` times), one at a time after the
        workers have stopped, after a warm-up; medians (alone, full, pages, reference,
        reference pages)."""
        from weasyprint import HTML

        from reports.pdf import context as pdf_context
        from reports.pdf import render as pdf
        from reports.pdf import services

        self.step(f"WeasyPrint alone on {result.team.name}'s roadmap HTML, {runs} runs ...")
        html = pdf.render_roadmap_html(pdf_context.roadmap_context(result))
        report = RoadmapReport(kind=RoadmapReport.ROADMAP, team=result.team, result=result)
        HTML(string=html, base_url=pdf.BASE_URL).write_pdf()  # warm-up: fonts, caches
        render_reference()
        alone, full, reference, pages, reference_pages = [], [], [], 0, 0
        for n in range(runs):
            started = time.perf_counter()
            document = HTML(string=html, base_url=pdf.BASE_URL).render()
            document.write_pdf()
            alone.append(time.perf_counter() - started)
            pages = len(document.pages)
            seconds, reference_pages = render_reference()
            reference.append(seconds)
            if n < runs - 1:  # alternating, so that all three see the same machine
                started = time.perf_counter()
                services.build_pdf(report)
                full.append(time.perf_counter() - started)
        return (
            statistics.median(alone),
            statistics.median(full),
            pages,
            statistics.median(reference),
            reference_pages,
        )

    # -- processes ---------------------------------------------------------------------------

    def spawn(self, name, argv, env, workdir):
        log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            argv, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        process.log_file = log
        self.processes.append((name, process))
        return process

    def stop(self, name):
        for entry in list(self.processes):
            if entry[0] == name:
                stop_process(entry[1])
                self.processes.remove(entry)

    def stop_all(self):
        while self.processes:
            _, process = self.processes.pop()
            stop_process(process)

    def cleanup(self):
        started = time.perf_counter()
        with contextlib.suppress(Exception):
            benchdata.delete_organization("bench")
            self.step(f"deleted the generated data in {time.perf_counter() - started:.1f} s")

    # -- report ----------------------------------------------------------------------------

    def report(self):
        f = self.figures
        web = f.get("web", {})
        floor = web.get("floor", {}).get("median_ms")
        self.say("")
        services = any("services_cpu_ms" in s for s in web.values() if isinstance(s, dict))
        self.say(f"{'scenario':28} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} "
                 f"{'x floor':>8} {'errors':>7} {'server CPU ms':>14}"
                 + (f" {'db+Redis CPU ms':>16}" if services else ""))  # fmt: skip
        labels = dict(SCENARIO_LABELS)
        labels["autosave"] = f"autosave ({f.get('web_plan', {}).get('respondents', '?')} resp.)"
        for key, label in labels.items():
            s = web.get(key)
            if not s or "median_ms" not in s:
                continue
            ratio = s["median_ms"] / floor if floor else float("nan")
            s["x_floor"] = round(ratio, 1)
            cpu = "" if s.get("server_cpu_ms") is None else f"{s['server_cpu_ms']:.1f}"
            db = f" {s['services_cpu_ms']:16.1f}" if "services_cpu_ms" in s else ""
            self.say(f"{label:28} {s['rps']:7.1f} {s['median_ms']:10.1f} {s['p95_ms']:8.1f} "
                     f"{ratio:8.1f} {s['errors']:7d} {cpu:>14}{db}")  # fmt: skip
        w = f.get("webhooks")
        if w and "p50_ms" in w:
            ratio = w["p50_ms"] / floor if floor else float("nan")
            cpu = "" if w.get("server_cpu_ms") is None else f"{w['server_cpu_ms']:.1f}"
            label = f"webhooks ({w['senders']} senders)"
            self.say(f"{label:28} {w['per_second']:7.1f} {w['p50_ms']:10.1f} {w['p95_ms']:8.1f} "
                     f"{ratio:8.1f} {w['non_202']:7d} {cpu:>14}")  # fmt: skip
            self.say(
                f"webhook deliveries: p99 {w['p99_ms']:.1f} ms; p95 / {w['target_p95_ms']} ms "
                f"target = {w['p95_x_target']:.2f}; {w['stored']} stored = {w['queued']} queued = "
                f"{w['acknowledged']} acknowledged; client CPU {w['client_cpu_percent']:.0f}% of "
                "one core"
            )
        r = f.get("roadmaps")
        if r:
            self.say(
                f"roadmaps: {r['ready']}/{r['requested']} with {r['workers']} workers in "
                f"{r['seconds']:.1f} s = {r['per_minute']:.1f}/min; render median "
                f"{r['render_median_s']:.2f} s (p95 {r['render_p95_s']:.2f}), {r['pages']} pages; "
                f"WeasyPrint alone {r['weasyprint_alone_s']:.2f} s: "
                f"{r['render_x_weasyprint']:.2f}x (one at a time in process: "
                f"{r['in_process_full_s']:.2f} s, {r['in_process_x_weasyprint']:.2f}x); "
                f"reference document ({r['reference_pages']} pages) {r['reference_s']:.2f} s: "
                f"render median {r['render_x_reference']:.2f}x, in process "
                f"{r['in_process_x_reference']:.2f}x; worker CPU "
                f"{r['worker_cpu_per_roadmap_s']:.2f} s a roadmap: at most "
                f"{r['cpu_bound_per_minute']:.1f} a minute on {r['workers']} idle cores"
            )
        mem = f.get("memory") or {}
        if mem:
            self.say(
                f"peak RSS: web worker {mem.get('web_worker_mb') or 0:.0f} MB; Celery worker "
                f"(main + pool child) {mem.get('celery_worker_mb') or 0:.0f} MB (main "
                f"{mem.get('celery_main_mb') or 0:.0f}, pool child "
                f"{mem.get('celery_pool_child_mb') or 0:.0f}; PSS "
                f"{mem.get('celery_worker_pss_mb') or 0:.0f}); {mem.get('samples', 0)} samples "
                f"every {mem.get('interval_s')} s"
            )
        g = f.get("generation", {})
        m = f["machine"]
        self.say(
            f"generation {g.get('seconds', 0):.1f} s; whole run {f['total_seconds']:.0f} s; load "
            f"average before {m['load_before'][0]:.2f}, after {m['load_after'][0]:.2f}"
        )
        f["targets"] = evaluate_targets(f)
        if self.options["only"]:  # the parts that did not run measured nothing
            f["targets"] = [item for item in f["targets"] if item["value"] != "n/a"]
        self.say("targets:")
        for item in f["targets"]:
            mark = "met" if item["met"] else "MISSED"
            self.say(f"  {mark:6} {item['target']}: {item['value']}")
        only = self.options["only"]
        path = Path(settings.VAR_DIR) / "bench" / (f"latest-{only}.json" if only else "latest.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(f, indent=2, default=str))
        self.say(f"figures written to {path}")


SCENARIO_LABELS = (
    ("floor", "floor (/ping)"),
    ("autosave", "autosave"),
    ("questionnaire", "questionnaire page"),
    ("results", "results page"),
    ("history", "team history page"),
    ("coe_dashboard", "CoE dashboard"),
    ("coe_uncached", "CoE dashboard, cache miss"),
    ("comparison_api", "comparison API"),
)


def evaluate_targets(f):
    web, r, mem = f.get("web", {}), f.get("roadmaps"), f.get("memory") or {}
    floor = web.get("floor", {}).get("median_ms")
    out = []

    def add(target, value, met, unit=""):
        shown = "n/a" if value is None else f"{value:g}{unit}"
        out.append({"target": target, "value": shown, "met": bool(met) and value is not None})

    def ratio(key):
        median = web.get(key, {}).get("median_ms")
        return round(median / floor, 1) if median and floor else None

    autosave = web.get("autosave", {})
    p95 = autosave.get("p95_ms")
    add("autosave p95 < 40 ms", p95, p95 is not None and p95 < TARGETS["autosave_p95_ms"], " ms")
    x = ratio("autosave")
    add("autosave median <= 4x floor", x, x is not None and x <= TARGETS["autosave_x_floor"], "x")
    for key, label in (("questionnaire", "questionnaire"), ("results", "results"),
                       ("history", "team history")):  # fmt: skip
        x = ratio(key)
        add(f"{label} page median <= 5x floor", x, x is not None and x <= TARGETS["page_x_floor"],
            "x")  # fmt: skip
    for key, label in (("coe_dashboard", "CoE dashboard"), ("comparison_api", "comparison API")):
        p95 = web.get(key, {}).get("p95_ms")
        add(f"{label} p95 < 300 ms", p95, p95 is not None and p95 < TARGETS["coe_p95_ms"], " ms")
    hooks = f.get("webhooks")
    if hooks is not None:
        p95 = hooks.get("p95_ms")
        add(f"webhook acknowledgement p95 < 50 ms ({hooks['senders']} senders)", p95,
            p95 is not None and p95 < TARGETS["webhook_p95_ms"], " ms")  # fmt: skip
    rate = r and r["per_minute"]
    per_minute = TARGETS["roadmaps_per_minute"]
    add(f"roadmaps >= {per_minute}/min with 2 workers", rate, rate and rate >= per_minute, "/min")
    # One at a time in this process, alternating with the reference: both see the same machine.
    x = r and r.get("in_process_x_reference")
    add("roadmap render <= 1.3x the reference document", x,
        x and x <= TARGETS["render_x_reference"], "x")  # fmt: skip
    web_mb = mem.get("web_worker_mb")
    add("web worker peak RSS < 250 MB", web_mb, web_mb and web_mb < 250, " MB")
    celery_mb = mem.get("celery_worker_mb")
    add("Celery worker peak RSS < 350 MB", celery_mb, celery_mb and celery_mb < 350, " MB")
    return out


# --- helpers ----------------------------------------------------------------------------------


class MemorySampler:
    """Samples RSS every ``interval`` seconds in a thread. ``watch(name, pid, per_child)``:
    per_child=True records each child process on its own (gunicorn's workers under the
    master); False records the process plus its children as one (a Celery worker: main
    process + pool children)."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.watched = {}
        self.peaks = {}
        self.samples = 0
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.thread = None

    def watch(self, name, pid, per_child):
        with self.lock:
            self.watched[name] = (psutil.Process(pid), per_child)

    def start(self):
        self.running.set()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def stop(self):
        if self.thread is not None:
            self.running.clear()
            self.thread.join(5)
            self.thread = None

        def peak(keys):
            values = [v for k, v in self.peaks.items() if keys(k)]
            return round(max(values) / MB, 1) if values else None

        return {
            "web_worker_mb": peak(lambda k: k.startswith("web:")),
            "celery_worker_mb": peak(lambda k: k.startswith("celery") and "." not in k),
            "celery_main_mb": peak(lambda k: k.endswith(".main")),
            "celery_pool_child_mb": peak(lambda k: k.endswith(".pool")),
            "celery_worker_pss_mb": peak(lambda k: k.endswith(".pss")),
            "samples": self.samples,
            "interval_s": self.interval,
        }

    def _loop(self):
        while self.running.is_set():
            with self.lock:
                watched = list(self.watched.items())
            for name, (process, per_child) in watched:
                try:
                    children = process.children(recursive=True)
                    if per_child:
                        for child in children:
                            self._peak(f"{name}:{child.pid}", _rss(child))
                    else:
                        main, pool = _rss(process), sum(_rss(c) for c in children)
                        self._peak(name, main + pool)
                        self._peak(f"{name}.main", main)
                        self._peak(f"{name}.pool", pool)
                        # RSS counts the pages the pool child shares with its parent twice;
                        # PSS splits them (for the report, not the target). Reading it walks
                        # the page tables, so only every fifth sample.
                        if self.samples % 5 == 0:
                            pss = sum(_pss(p) for p in [process, *children])
                            self._peak(f"{name}.pss", pss)
                except psutil.Error:
                    continue
            self.samples += 1
            time.sleep(self.interval)

    def _peak(self, key, value):
        if value > self.peaks.get(key, 0):
            self.peaks[key] = value


def _cpu_seconds(processes):
    """User and system CPU seconds of the processes and their children, alive ones only."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(process.pid)
            for p in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = p.cpu_times()
                    total += times.user + times.system
    return total


def _rss(process):
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def _pss(process):
    try:
        return process.memory_full_info().pss
    except (psutil.Error, AttributeError):
        return 0


def machine_figures():
    busy = psutil.cpu_percent(interval=1.0)
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_before": [round(x, 2) for x in load],
        "cpu_busy_before": busy,
        "busy": busy > 25,
    }


def web_task_queue():
    """The queue the benchmark's gunicorn workers send their Celery tasks to (the webhook
    receiver's): nothing consumes it, the webhook scenario counts and deletes it."""
    return f"vsm-bench-web-{os.getpid()}"


def configure_private_broker(app, queue, var_dir):
    """Send this process's tasks to ``queue``, which only the benchmark's workers consume;
    with the filesystem transport, in the folders of the workers' VAR_DIR (as settings.py
    lays them out), so a development worker on var/celery never sees them."""
    app.conf.task_default_queue = queue
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = var_dir / "celery"
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        app.conf.result_backend = f"db+sqlite:///{folder / 'results.sqlite'}"


def static_fingerprint():
    """A hash of what collectstatic would produce: every source file's name, size and
    modification time, the storage and the versions of Django and whitenoise."""
    from importlib.metadata import version

    from django.contrib.staticfiles import finders

    digest = hashlib.sha256(
        repr((settings.STATIC_URL, version("django"), version("whitenoise"))).encode()
    )
    for finder in finders.get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, process, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited: {_tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise BenchError(f"{url} did not answer in {timeout} s: {_tail(log_path)}")


def wait_for_log(path, needle, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{path.stem} exited: {_tail(path)}")
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise BenchError(f"{path.stem} was not ready in {timeout} s: {_tail(path)}")


def tail(workdir, name):
    return _tail(workdir / f"{name}.log")


def _tail(path, lines=15):
    try:
        return "\n" + "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(process, timeout=15):
    """SIGTERM to the process (gunicorn and Celery shut down gracefully), then SIGKILL to
    whatever is left of its process group (it was started in a session of its own)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    log = getattr(process, "log_file", None)
    if log is not None:
        log.close()


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _remove_tree(path):
    import shutil

    shutil.rmtree(path, ignore_errors=True)

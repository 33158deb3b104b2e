"""Side by side with django-survey-and-report, the Django survey app with the most users,
measured back to back on this machine with the same load generator.

    python -m tests.bench peer [--peer-dir ../shared/peerbench] [--peer-results FILE]
                               [--n-floor 3000] [--n-get 2000] [--concurrency 20] [--rounds 1]

1. Runs the peer's own benchmark, ``<peer-dir>/run.sh`` (it installs the peer into a virtual
   environment of its own under ``PEERBENCH_DIR``, default ``/tmp/peerbench``, seeds it and
   loads its 40-question answering page with 20 clients), unless ``--peer-results`` names the
   JSON of a run already made.
2. Serves this site the way ``make bench`` does (gunicorn, 2 sync workers, ``DEBUG=false``,
   on the configured database) over a small generated organisation, and loads it with the
   peer's own generator (``loadtest.py``: its ``Client``, a new connection per request, and its
   ``run_phase``, which reads the server's CPU time from /proc): the floor (``/ping``) and the
   answering page of 20 respondents' open assessments (every question card, the DORA
   questions), at the peer's concurrency.
3. Prints requests/s and server CPU per request of both, their ratios, and the targets (issue
   22: CPU per answering page at most 1/20 of the peer's, throughput at least 20x); writes
   ``var/bench/peer.json``.

Nothing is written into the peer's folder; the generated organisation is deleted at the end."""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from assessments.models import Assessment
from tests.bench import BenchError
from tests.bench import data as benchdata
from tests.bench.end_to_end import BenchRun, _remove_tree

TARGET_CPU_RATIO = 20  # the peer's CPU per answering page / ours, at least
TARGET_THROUGHPUT_RATIO = 20  # our answering pages a second / the peer's, at least
DEFAULT_PEER_DIR = Path(settings.BASE_DIR).parent / "shared" / "peerbench"


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-dir", type=Path, default=DEFAULT_PEER_DIR)
    parser.add_argument(
        "--peer-results", type=Path, help="a run-*.json of the peer's made before (skips step 1)"
    )
    parser.add_argument("--n-floor", type=int, default=3000)
    parser.add_argument("--n-get", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--teams", type=int, default=10)
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    out = out or sys.stdout

    def say(text=""):
        print(text, file=out, flush=True)

    if "DATABASE_URL" not in os.environ:
        raise BenchError("DATABASE_URL is not set: run it on a database of its own.")
    loadtest = _peer_module(args.peer_dir)
    peer = _peer_figures(args, say)
    ours = _our_figures(args, loadtest, say)
    rows = _table(peer, ours)
    say("")
    say(f"{'scenario':24} {'peer req/s':>10} {'ours req/s':>10} {'x':>6} "
        f"{'peer CPU ms':>11} {'ours CPU ms':>11} {'1/x':>6}")  # fmt: skip
    for row in rows:
        say(f"{row['scenario']:24} {row['peer_rps']:10.1f} {row['ours_rps']:10.1f} "
            f"{row['throughput_ratio']:6.1f} {row['peer_cpu_ms']:11.2f} {row['ours_cpu_ms']:11.2f} "
            f"{row['cpu_ratio']:6.1f}")  # fmt: skip
    page = rows[-1]
    verdicts = {
        "cpu": page["cpu_ratio"] >= TARGET_CPU_RATIO,
        "throughput": page["throughput_ratio"] >= TARGET_THROUGHPUT_RATIO,
    }
    say(
        f"targets: answering page server CPU at most 1/{TARGET_CPU_RATIO} of the peer's: "
        f"{'met' if verdicts['cpu'] else 'MISSED'} (1/{page['cpu_ratio']:.1f}); throughput at "
        f"least {TARGET_THROUGHPUT_RATIO}x: {'met' if verdicts['throughput'] else 'MISSED'} "
        f"({page['throughput_ratio']:.1f}x)"
    )
    result = {"rows": rows, "peer": peer, "ours": ours, "targets_met": verdicts}
    path = Path(settings.VAR_DIR) / "bench" / "peer.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    say(f"written to {path}")


def _peer_module(peer_dir):
    source = peer_dir / "bench" / "loadtest.py"
    if not source.is_file():
        raise BenchError(f"No peer benchmark at {peer_dir} (expected {source}); see --peer-dir.")
    spec = importlib.util.spec_from_file_location("peer_loadtest", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peer_figures(args, say):
    """The peer's floor and answering page (medians over its rounds) from its own run."""
    path = args.peer_results
    if path is None:
        scratch = Path(os.environ.get("PEERBENCH_DIR", Path(tempfile.gettempdir()) / "peerbench"))
        say(f"[peer] running {args.peer_dir / 'run.sh'} (PEERBENCH_DIR={scratch}) ...")
        started = time.time()
        # Nothing of this project's configuration reaches the peer's Django.
        ours = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL",
                "SECRET_KEY", "DEBUG", "PYTHONPATH", "STATIC_ROOT", "VAR_DIR"}  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k not in ours}
        env.update(PEERBENCH_DIR=str(scratch), ROUNDS=str(args.rounds))
        code = subprocess.call(["bash", str(args.peer_dir / "run.sh")], env=env)
        if code != 0:
            raise BenchError(f"The peer's benchmark failed (exit {code}).")
        runs = [p for p in (scratch / "results").glob("run-*.json") if p.stat().st_mtime >= started]
        if not runs:
            raise BenchError(f"The peer's benchmark wrote no results into {scratch / 'results'}.")
        path = max(runs, key=lambda p: p.stat().st_mtime)
    data = json.loads(Path(path).read_text())
    say(f"[peer] results: {path} ({data['n_fields']} questions on its page)")
    return {
        "results_file": str(path),
        "questions": data["n_fields"],
        "floor": _median_phase([r["floor"] for r in data["rounds"]]),
        "answer_page": _median_phase([r["survey_get"] for r in data["rounds"]]),
    }


def _our_figures(args, loadtest, say):
    run = BenchRun(sys.stdout, {"keep": False}, command="python -m tests.bench peer")
    workdir = Path(tempfile.mkdtemp(prefix="vsm-peer-"))
    try:
        env = run.child_env(workdir)
        collectstatic = run.start_collectstatic(env, workdir)
        say(f"[ours] generating {args.teams} teams ...")
        generated = benchdata.generate_organization(teams=args.teams, quarters=2)
        if collectstatic is not None:
            run.finish_collectstatic(collectstatic, env, workdir)
        gunicorn, base_url = run.start_gunicorn(workdir, env)
        port = int(base_url.rsplit(":", 1)[1])
        respondents = _respondents(generated, args.concurrency)
        loadtest.PASSWORD = benchdata.BENCH_PASSWORD
        clients = [loadtest.Client(port, username) for username, _ in respondents]
        loadtest.parallel_map(lambda c: c.login(), clients, threads=4)
        paths = {c.username: path for c, (_, path) in zip(clients, respondents, strict=True)}
        anonymous = [loadtest.Client(port) for _ in range(args.concurrency)]

        def floor(client, i):
            status, _, body = client.request("GET", "/ping")
            return status == 200 and body == b"pong", f"status {status}"

        def answer_page(client, i):
            status, _, body = client.request("GET", paths[client.username])
            # the page is whole: its last part, the submit form, is there
            return status == 200 and b"Submit my answers</button>" in body, f"status {status}"

        say("[ours] warm-up ...")
        for client in clients:
            for _ in range(3):
                answer_page(client, 0)
                floor(anonymous[0], 0)
        rounds = []
        for number in range(1, args.rounds + 1):
            say(f"[ours] round {number}/{args.rounds}")
            phases = {}
            for key, name, group, total, call in (
                ("floor", "a_floor", anonymous, args.n_floor, floor),
                ("answer_page", "b_get", clients, args.n_get, answer_page),
            ):
                before = _user_system_seconds(gunicorn.pid)
                phases[key] = loadtest.run_phase(
                    name, [[c] for c in group], total, call, gunicorn.pid
                )
                after = _user_system_seconds(gunicorn.pid)
                phases[key]["server_user_ms_per_req"] = (after[0] - before[0]) * 1000 / total
                phases[key]["server_system_ms_per_req"] = (after[1] - before[1]) * 1000 / total
                say(f"    of which in the kernel (sockets): "
                    f"{phases[key]['server_system_ms_per_req']:.2f} ms/req")  # fmt: skip
            rounds.append(phases)
        failed = sum(r[k]["errors"] for r in rounds for k in r)
        if failed:
            raise BenchError(f"{failed} of our requests failed; see the samples above.")
        return {
            "questions": sum(1 for _ in _questions(generated)),
            "floor": _median_phase([r["floor"] for r in rounds]),
            "answer_page": _median_phase([r["answer_page"] for r in rounds]),
        }
    finally:
        run.stop_all()
        _remove_tree(workdir)
        benchdata.delete_organization("bench")


def _user_system_seconds(master_pid):
    """User and system CPU seconds of gunicorn's master and workers (from /proc, as the
    peer's generator reads their sum)."""
    import psutil

    processes = [psutil.Process(master_pid), *psutil.Process(master_pid).children()]
    times = [p.cpu_times() for p in processes]
    return sum(t.user for t in times), sum(t.system for t in times)


def _respondents(generated, count):
    """``count`` members (m2 and m3 of the first teams) and their open assessment's page."""
    try:
        people = benchdata.respondents(generated, count)
    except ValueError as exc:
        raise BenchError(f"{exc} Raise --teams.") from None
    return [(name, f"/assessments/{open_id}/answer/") for name, _, open_id in people]


def _questions(generated):
    from assessments.questionnaires import selectors

    assessment = Assessment.objects.filter(period=generated["current_period"]).first()
    structure = selectors.questionnaire_structure(assessment.questionnaire)
    return [q for _, questions in structure for q in questions]


def _median_phase(phases):
    keys = ("rps", "p50_ms", "p95_ms", "server_cpu_ms_per_req", "server_system_ms_per_req")
    figures = {
        k: statistics.median(values)
        for k in keys
        if (values := [p[k] for p in phases if p.get(k) is not None])
    }
    return figures | {"requests": sum(p["requests"] for p in phases), "rounds": len(phases)}


def _table(peer, ours):
    rows = []
    for key, label in (("floor", "floor (minimal view)"), ("answer_page", "answering page")):
        p, o = peer[key], ours[key]
        rows.append(
            {
                "scenario": label,
                "peer_rps": p["rps"],
                "ours_rps": o["rps"],
                "throughput_ratio": o["rps"] / p["rps"],
                "peer_cpu_ms": p["server_cpu_ms_per_req"],
                "ours_cpu_ms": o["server_cpu_ms_per_req"],
                "cpu_ratio": p["server_cpu_ms_per_req"] / o["server_cpu_ms_per_req"],
            }
        )
    return rows

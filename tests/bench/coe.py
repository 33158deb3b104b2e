"""Benchmark: the CoE pages at organisation scale, against the framework's floor.

    python -m tests.bench coe [--teams 500] [--quarters 8] [--requests 30] [--keep]

Generates a reproducible organisation (``tests.bench.data``, bulk inserts from a seed), then
times, in process, the server time of the CoE dashboard, the comparison API and the CSV export
as a CoE analyst, and of a minimal view (/ping) on the same stack as the floor. Prints median
and p95 and each median's ratio to the floor's (targets: dashboard p95 < 300 ms and within 10x
the floor)."""

import argparse
import statistics
import sys
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings

from tests.bench.data import generate_organization


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# What the in-process measurements run under: the test client's host, no HTTPS redirect, and
# production's DEBUG (no query log).
SERVED = {"ALLOWED_HOSTS": ["*"], "SECURE_SSL_REDIRECT": False, "DEBUG": False}


def analyst_client(username="bench-coe"):
    """A test client logged in as the benchmark organisation's CoE analyst (use it inside
    ``override_settings(**SERVED)``)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def time_requests(client, url, requests, before=None, warmup=1):
    """GET ``url`` ``warmup`` times unmeasured (caches, template loading), then ``requests``
    times, each after ``before()`` when given; each answer must be a 200. Returns (wall ms,
    CPU ms) per request."""
    for _ in range(warmup):
        client.get(url)
    wall, cpu = [], []
    for _ in range(requests):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time the CoE dashboard, comparison API and CSV export at organisation scale.",
    )
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    args = parse_args(argv, prog)
    out = out or sys.stdout

    def say(text):
        print(text, file=out, flush=True)

    generated = generate_organization(teams=args.teams, quarters=args.quarters)
    say(
        f"generated {generated['teams']} teams, {generated['users']} users, "
        f"{generated['results']} results in {generated['seconds']:.1f} s"
    )
    period = generated["periods"][-1]
    targets = [
        ("floor (/ping)", "/ping"),
        ("CoE dashboard", "/coe/"),
        (f"CoE dashboard {period}", f"/coe/?period={period}"),
        ("comparison API", f"/api/v1/comparison/?period={period}"),
        ("comparison CSV", f"/coe/export/comparison.csv?period={period}"),
    ]
    with override_settings(**SERVED):
        client = analyst_client()
        figures = {}
        for label, url in targets:
            times, _cpu = time_requests(client, url, args.requests)
            figures[label] = (statistics.median(times), percentile(times, 0.95))
    floor = figures["floor (/ping)"][0]
    say(f"{'view':30} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}")
    for label, (median, p95) in figures.items():
        say(f"{label:30} {median:10.1f} {p95:8.1f} {median / floor:8.1f}")
    dash = figures["CoE dashboard"]
    say(
        f"targets: dashboard p95 < 300 ms: {'met' if dash[1] < 300 else 'MISSED'}; "
        f"within 10x floor: {'met' if dash[0] / floor <= 10 else 'MISSED'}"
    )
    if not args.keep:
        generated["organization"].delete()
        get_user_model().objects.filter(username__startswith="bench-").delete()

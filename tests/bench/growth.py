"""Benchmark: how the CoE pages' cost grows with the organisation.

    python -m tests.bench growth [--teams 100,500,2000] [--quarters 8] [--requests 10]
                                 [--misses 5] [--no-org-export]

For each size, generates the benchmark organisation (``tests.bench.data``, bulk inserts from a
seed; it replaces the previous size's), times in process as its CoE analyst, as
``python -m tests.bench coe`` does (``tests.bench.coe``):

- the CoE dashboard (its cached comparison and memoised page parts);
- the dashboard on a comparison-cache miss: the comparison and everything derived from it
  built again (the process's comparison memo is emptied before each request; ``make bench``
  gets the same by asking for another period and benchmark set each time);
- the comparison API (``/api/v1/comparison/``, cached comparison);
- the comparison CSV export (``/coe/export/comparison.csv``, cached comparison);
- the organisation export (``reports.transfer.organization.export_organization`` and its JSON
  text, what ``manage.py export_org`` writes), once: it reads every row the organisation has;

then deletes the data and prints one table, median server time per request and each figure's
ratio to the smallest size's (4x the teams at 4x the time is linear; a flat curve stays near
1x). Server CPU medians follow in a second table: steadier than wall time when other work
shares the machine."""

import argparse
import json
import os
import statistics
import sys
import time

from django.test.utils import override_settings

from reports.coe import comparison
from reports.transfer.organization import export_organization
from tests.bench.coe import SERVED, analyst_client, time_requests
from tests.bench.data import delete_organization, generate_organization

COLUMNS = (
    ("dashboard", "dashboard ms"),
    ("miss", "dashboard miss ms"),
    ("api", "comparison API ms"),
    ("csv", "comparison CSV ms"),
    ("org_export", "org export ms"),
)


def sizes(text):
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give team counts like 100,500,2000") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give team counts like 100,500,2000")
    return values


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time the CoE dashboard, comparison API and exports at several sizes.",
    )
    parser.add_argument("--teams", type=sizes, default=[100, 500, 2000])
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--requests", type=int, default=10, help="per cached view")
    parser.add_argument("--misses", type=int, default=5, help="dashboard cache misses")
    parser.add_argument("--no-org-export", dest="org_export", action="store_false")
    return parser.parse_args(argv)


def measure(teams, args, say):
    """Generate ``teams`` teams, time the views, delete the data: {column: (wall, cpu)}."""
    generated = generate_organization(teams=teams, quarters=args.quarters)
    say(
        f"{teams} teams: generated {generated['users']} users, {generated['results']} results, "
        f"{generated.get('deployments', 0)} deployments in {generated['seconds']:.1f} s "
        f"(load {os.getloadavg()[0]:.2f})"
    )
    period = generated["periods"][-1]
    figures = {"generate_s": generated["seconds"]}
    try:
        with override_settings(**SERVED):
            client = analyst_client()
            urls = {
                "dashboard": ("/coe/", args.requests, None),
                "miss": (f"/coe/?period={period}", args.misses, comparison._cache.clear),
                "api": (f"/api/v1/comparison/?period={period}", args.requests, None),
                "csv": (f"/coe/export/comparison.csv?period={period}", args.requests, None),
            }
            for key, (url, requests, before) in urls.items():
                wall, cpu = time_requests(client, url, requests, before, warmup=3)
                figures[key] = (statistics.median(wall), statistics.median(cpu))
            api_bytes = len(client.get(urls["api"][0]).content)
            csv_bytes = len(client.get(urls["csv"][0]).content)
        if args.org_export:
            started, started_cpu = time.perf_counter(), time.process_time()
            text = json.dumps(export_organization(generated["organization"]), indent=2)
            figures["org_export"] = (
                (time.perf_counter() - started) * 1000,
                (time.process_time() - started_cpu) * 1000,
            )
            figures["org_export_mb"] = len(text.encode()) / 1e6
    finally:
        started = time.perf_counter()
        delete_organization("bench")
        figures["delete_s"] = time.perf_counter() - started
    say(
        "  "
        + ", ".join(f"{label} {figures[key][0]:.1f}" for key, label in COLUMNS if key in figures)
        + f"; deleted in {figures['delete_s']:.1f} s; API answer {api_bytes / 1e6:.1f} MB, "
        f"CSV {csv_bytes / 1e6:.1f} MB"
    )
    return figures


def table(results, which):
    """Markdown rows: each size's medians (``which`` 0 wall, 1 CPU) and ratios to the first."""
    columns = [(key, label) for key, label in COLUMNS if key in results[0][1]]
    base = results[0][1]
    header = ["teams", *(label for _key, label in columns),
              f"x {results[0][0]} teams ({' / '.join(k for k, _l in columns)})"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for teams, figures in results:
        cells = [str(teams), *(f"{figures[key][which]:.1f}" for key, _label in columns)]
        ratios = " / ".join(f"{figures[k][which] / base[k][which]:.1f}" for k, _l in columns)
        lines.append("| " + " | ".join([*cells, ratios]) + " |")
    return lines


def main(argv=None, prog=None, out=None):
    args = parse_args(argv, prog)
    out = out or sys.stdout

    def say(text):
        print(text, file=out, flush=True)

    say(f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}; sizes {args.teams}")
    started = time.perf_counter()
    results = [(teams, measure(teams, args, say)) for teams in args.teams]
    say(f"\nMedian server time, in process (whole run {time.perf_counter() - started:.0f} s):")
    for line in table(results, 0):
        say(line)
    say("\nServer CPU, median:")
    for line in table(results, 1):
        say(line)
    if args.org_export:
        say(
            "org export JSON: "
            + ", ".join(f"{t} teams {f['org_export_mb']:.0f} MB" for t, f in results)
        )

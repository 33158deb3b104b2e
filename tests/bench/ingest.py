"""Benchmark: DORA event ingestion, a seeded CSV of N events ingested twice into a team.

    python -m tests.bench ingest [--rows 100000] [--kind deployments|incidents|both] [--seed 1]
                                 [--anchor ISO] [--no-tracemalloc]

Generates the CSV, ingests it into a new organisation's team (all created, then all updated)
and prints rows/second, wall time and peak memory, for ingestion and for the DORA snapshot
refresh that follows it. The organisation is deleted at the end."""

import argparse
import csv
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid

from assessments.dora import ingest
from assessments.dora import services as dora_services
from assessments.models import Organization, Team
from tests.bench import BenchError

SERVICES = ("checkout", "search", "accounts", "payments", "catalog", "mobile-api")


SPAN = dt.timedelta(days=80)


def finished_at(number, rows, anchor):
    """Deployment ``number`` finishes at a time incidents can be generated after."""
    return anchor - SPAN * (number + 1) / rows


def write_deployments(path, rows, rng, anchor):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(ingest.DEPLOYMENT_COLUMNS)
        for number in range(rows):
            finished = finished_at(number, rows, anchor)
            changes = [
                (f"c{number}-{n}", finished - dt.timedelta(seconds=rng.randrange(1, 14 * 86400)))
                for n in range(rng.randint(0, 3))
            ]
            out.writerow(
                [
                    f"deploy-{number:07d}", rng.choice(SERVICES),
                    "production" if rng.random() < 0.9 else "staging",
                    finished.isoformat(), rng.random() < 0.95, rng.random() < 0.03,
                    rng.random() < 0.02, rng.random() < 0.05, rng.random() < 0.04,
                    ";".join(c for c, _ in changes),
                    ";".join(at.isoformat() for _, at in changes),
                ]
            )  # fmt: skip


def write_incidents(path, rows, rng, anchor):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(ingest.INCIDENT_COLUMNS)
        for number in range(rows):
            cause = rng.randrange(rows)
            started = finished_at(cause, rows, anchor) + dt.timedelta(
                seconds=rng.randrange(60, 6 * 3600)
            )
            resolved = started + dt.timedelta(seconds=rng.randrange(60, 3 * 86400))
            out.writerow(
                [
                    f"incident-{number:07d}", started.isoformat(),
                    resolved.isoformat() if rng.random() < 0.95 else "",
                    f"deploy-{cause:07d}" if rng.random() < 0.7 else "",
                ]
            )  # fmt: skip


WRITERS = {ingest.DEPLOYMENTS: write_deployments, ingest.INCIDENTS: write_incidents}


def maxrss_bytes():
    # The process's high-water mark: a delta shows how far a step raised it. Linux reports
    # kilobytes (macOS bytes).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Generate a seeded CSV of N events, ingest it twice into a throwaway team (all "
            "created, then all updated) and print rows/second, wall time and peak memory, for "
            "ingestion and for the DORA snapshot refresh that follows it. Cleans up after."
        ),
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--kind", choices=["deployments", "incidents", "both"], default="deployments"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--anchor",
        help="ISO date-time the events lead up to (default: today 00:00 UTC, so that they "
        "fall in the current DORA window).",
    )
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="Skip tracemalloc (it slows Python down); RSS is still shown.",
    )
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    args = parse_args(argv, prog)
    rows, kind, seed, anchor = args.rows, args.kind, args.seed, args.anchor
    out = out or sys.stdout
    if not 1 <= rows <= ingest.MAX_ROWS:
        raise BenchError(f"--rows must be between 1 and {ingest.MAX_ROWS}.")
    if anchor:
        anchor_at = dt.datetime.fromisoformat(anchor)
        if anchor_at.utcoffset() is None:
            raise BenchError("--anchor needs a timezone offset or Z.")
    else:
        anchor_at = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), dt.UTC)
    kinds = list(ingest.KINDS) if kind == "both" else [kind]
    suffix = uuid.uuid4().hex[:10]
    organization = Organization.objects.create(name=f"bench {suffix}", slug=f"bench-{suffix}")
    team = Team.objects.create(organization=organization, name="Bench", slug="bench")
    paths = []
    try:
        for current in kinds:
            handle, path = tempfile.mkstemp(prefix=f"bench-{current}-", suffix=".csv")
            os.close(handle)
            paths.append(path)
            WRITERS[current](path, rows, random.Random(seed), anchor_at)
            size = os.path.getsize(path)
            print(
                f"{current}: {rows} rows, {size / 1e6:.1f} MB of CSV (seed {seed})",
                file=out,
                flush=True,
            )
            for run, expected in ((1, "created"), (2, "updated")):
                run_once(team, current, path, run, expected, rows, not args.no_tracemalloc, out)
    finally:
        organization.delete()
        for path in paths:
            os.unlink(path)


def run_once(team, kind, path, run, expected, rows, trace, out):
    """Ingestion proper, then the snapshot refresh ingest_csv would run, timed apart."""
    rss_before = maxrss_bytes()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with open(path, "rb") as handle:
        report = ingest.ingest_csv(team, kind, handle, refresh=False)
    ingested = time.perf_counter()
    rss_ingested = maxrss_bytes()
    ingest_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.reset_peak()
    dora_services.refresh_event_snapshots(team)
    refreshed = time.perf_counter()
    refresh_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    rss_refreshed = maxrss_bytes()
    if getattr(report, expected) != rows:
        raise BenchError(f"Run {run} expected {rows} {expected}, got {report.as_dict()}.")
    print(
        f"  run {run}: created {report.created}, updated {report.updated}; "
        f"ingest {ingested - started:.2f} s = {rows / (ingested - started):,.0f} rows/s"
        f"{_heap(ingest_peak)}, ru_maxrss +{(rss_ingested - rss_before) / 1e6:.1f} MB; "
        f"snapshot refresh {refreshed - ingested:.2f} s{_heap(refresh_peak)}, ru_maxrss "
        f"+{(rss_refreshed - rss_ingested) / 1e6:.1f} MB; wall {refreshed - started:.2f} s",
        file=out,
        flush=True,
    )


def _heap(peak):
    return "" if peak is None else f" (tracemalloc peak {peak / 1e6:.1f} MB)"

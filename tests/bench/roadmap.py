"""Benchmark: the time to render one typical team roadmap, against WeasyPrint alone.

    python -m tests.bench roadmap [--runs 5] [--team SLUG]

Uses the demo data (run `python manage.py load_demo` or `make run` first). A "full render" is
what the Celery task does for a report: build the context from the database, render the HTML,
turn it into PDF and store the file. "WeasyPrint alone" is only `HTML(string=...).write_pdf()`
on the same final HTML. "Reference" is WeasyPrint alone on a plain 20-section document
(``reference.py``), timed in the same runs: the machine's speed at plain text, which the roadmap's
full render is held to (issue 22: within 1.3x). Prints medians and their ratios (targets: under
3 s, under 1.3x the reference)."""

import argparse
import statistics
import sys
import time

from assessments.models import Result
from reports.models import RoadmapReport
from reports.pdf import context as pdf_context
from reports.pdf import render as pdf
from reports.pdf import services
from reports.roadmap import services as roadmap_services
from tests.bench import BenchError
from tests.bench.reference import render_reference


def parse_args(argv, prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Time a typical roadmap PDF render against WeasyPrint alone on the same HTML "
        "and on a plain 20-section reference document.",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--team", default="checkout")
    return parser.parse_args(argv)


def main(argv=None, prog=None, out=None):
    args = parse_args(argv, prog)
    runs, team, out = args.runs, args.team, out or sys.stdout

    def say(text):
        print(text, file=out, flush=True)

    result = (
        Result.objects.filter(team__slug=team, questionnaire_key="vsm-maturity")
        .select_related("team__organization", "questionnaire")
        .order_by("-period")
        .first()
    )
    if result is None:
        raise BenchError(f"No result for team {team!r}: run `python manage.py load_demo` first.")
    roadmap_services.generate_roadmap(result)
    from weasyprint import HTML

    full, alone, reference, pages, size, reference_pages = [], [], [], 0, 0, 0
    full_cpu, reference_cpu = [], []
    for _ in range(runs + 1):  # the first run warms caches (fonts, templates) and is dropped
        report = RoadmapReport.objects.create(
            team=result.team, result=result, organization=result.team.organization,
            period=result.period,
        )  # fmt: skip
        started, cpu = time.perf_counter(), time.process_time()
        services.render_report(report.id)
        full.append(time.perf_counter() - started)
        full_cpu.append(time.process_time() - cpu)
        report.refresh_from_db()
        if report.status != RoadmapReport.READY:
            raise BenchError(f"Render failed: {report.error}")
        size = report.size_bytes
        html = pdf.render_roadmap_html(pdf_context.roadmap_context(result))
        started = time.perf_counter()
        document = HTML(string=html, base_url=pdf.BASE_URL).render()
        document.write_pdf()
        alone.append(time.perf_counter() - started)
        pages = len(document.pages)
        cpu = time.process_time()
        seconds, reference_pages = render_reference()
        reference.append(seconds)
        reference_cpu.append(time.process_time() - cpu)
        report.file.delete(save=False)
        report.delete()
    full, alone, reference = full[1:], alone[1:], reference[1:]
    full_cpu, reference_cpu = statistics.median(full_cpu[1:]), statistics.median(reference_cpu[1:])
    median_full, median_alone = statistics.median(full), statistics.median(alone)
    median_reference = statistics.median(reference)
    say(
        f"team: {result.team.name} ({result.period}), {pages} pages, "
        f"{size / 1024:.0f} KiB, {runs} runs after one warm-up"
    )
    say(f"full render (context + HTML + PDF + store): median {median_full:.2f} s")
    say(f"WeasyPrint alone on the same HTML:          median {median_alone:.2f} s")
    say(
        f"reference document ({reference_pages} pages), WeasyPrint alone: "
        f"median {median_reference:.2f} s"
    )
    ratio = median_full / median_reference
    say(
        f"full render / reference: {ratio:.2f}x (target <= 1.3x: "
        f"{'met' if ratio <= 1.3 else 'MISSED'}); full render / WeasyPrint alone on the same "
        f"HTML: {median_full / median_alone:.2f}x; target < 3 s: "
        f"{'met' if median_full < 3 else 'MISSED'}"
    )
    # CPU time is what other work on a shared machine changes least.
    say(
        f"CPU time: full render {full_cpu:.2f} s, reference {reference_cpu:.2f} s: "
        f"{full_cpu / reference_cpu:.2f}x"
    )

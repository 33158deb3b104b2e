"""Benchmark: the time to render one typical team roadmap, against WeasyPrint alone.

    python manage.py bench_roadmap [--runs 5] [--team SLUG]

Uses the demo data (run `python manage.py load_demo` first). A "full render" is what the
Celery task does for a report: build the context from the database, render the HTML, turn it
into PDF and store the file. "WeasyPrint alone" is only `HTML(string=...).write_pdf()` on the
same final HTML. Prints medians and their ratio (target: under 3 s and under 1.3x)."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Result
from reports.models import RoadmapReport
from reports.pdf import context as pdf_context
from reports.pdf import render as pdf
from reports.pdf import services
from reports.roadmap import services as roadmap_services


class Command(BaseCommand):
    help = "Time a typical roadmap PDF render against WeasyPrint alone on the same HTML."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--team", default="checkout")

    def handle(self, runs, team, **options):
        result = (
            Result.objects.filter(team__slug=team, questionnaire_key="vsm-maturity")
            .select_related("team__organization", "questionnaire")
            .order_by("-period")
            .first()
        )
        if result is None:
            raise CommandError(f"No result for team {team!r}: run `manage.py load_demo` first.")
        roadmap_services.generate_roadmap(result)
        from weasyprint import HTML

        full, alone, pages, size = [], [], 0, 0
        for _ in range(runs + 1):  # the first run warms caches (fonts, templates) and is dropped
            report = RoadmapReport.objects.create(
                team=result.team, result=result, organization=result.team.organization,
                period=result.period,
            )  # fmt: skip
            started = time.perf_counter()
            services.render_report(report.id)
            full.append(time.perf_counter() - started)
            report.refresh_from_db()
            if report.status != RoadmapReport.READY:
                raise CommandError(f"Render failed: {report.error}")
            size = report.size_bytes
            html = pdf.render_roadmap_html(pdf_context.roadmap_context(result))
            started = time.perf_counter()
            document = HTML(string=html, base_url=pdf.BASE_URL).render()
            document.write_pdf()
            alone.append(time.perf_counter() - started)
            pages = len(document.pages)
            report.file.delete(save=False)
            report.delete()
        full, alone = full[1:], alone[1:]
        median_full, median_alone = statistics.median(full), statistics.median(alone)
        self.stdout.write(f"team: {result.team.name} ({result.period}), {pages} pages, "
                          f"{size / 1024:.0f} KiB, {runs} runs after one warm-up")  # fmt: skip
        self.stdout.write(f"full render (context + HTML + PDF + store): median {median_full:.2f} s")
        self.stdout.write(
            f"WeasyPrint alone on the same HTML:          median {median_alone:.2f} s"
        )
        self.stdout.write(f"ratio: {median_full / median_alone:.2f}x (target < 1.3x); "
                          f"target < 3 s: {'met' if median_full < 3 else 'MISSED'}")  # fmt: skip

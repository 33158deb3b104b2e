"""Plan the roadmap of every frozen result that has none (results frozen before roadmaps were
planned with each result, or loaded without one). Idempotent."""

from django.core.management.base import BaseCommand

from assessments.models import Result
from reports.roadmap import services as roadmap_services


class Command(BaseCommand):
    help = "Plan the roadmap of every frozen result that has none (oldest first per team)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="only this organisation (its slug)")

    def handle(self, *args, **options):
        results = Result.objects.all()
        if options["organization"]:
            results = results.filter(team__organization__slug=options["organization"])
        planned = roadmap_services.plan_missing_roadmaps(results)
        self.stdout.write(f"Planned {planned} roadmap(s).")

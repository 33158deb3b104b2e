import json

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Organization
from reports.transfer.organization import export_organization


class Command(BaseCommand):
    help = (
        "Export an organisation (teams, users, assessments, answers, results, roadmaps, DORA "
        "data, value stream maps) as JSON, for import_org. No database ids, no passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the organisation's slug")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, slug, output=None, **options):
        try:
            org = Organization.objects.get(slug=slug)
        except Organization.DoesNotExist:
            raise CommandError(f"There is no organisation {slug!r}.") from None
        text = json.dumps(export_organization(org), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}") from None
        self.stderr.write(self.style.SUCCESS(f"Organisation {org.name!r} exported to {output}."))

from django.core.management.base import BaseCommand

from reports.demo import DEMO_PASSWORD, load_demo_organization


class Command(BaseCommand):
    help = "Create (or complete) the demo organisation, its teams, users and history."

    def handle(self, *args, **options):
        summary = load_demo_organization()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo organisation {summary.organization.name!r}: {len(summary.teams)} teams, "
                f"{summary.users_created} new users (password {DEMO_PASSWORD!r})."
            )
        )

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from reports.transfer.organization import import_organization
from vsm_site.domain_errors import DomainError


class Command(BaseCommand):
    help = (
        "Import an organisation exported by export_org (a JSON file, or - for stdin). Refuses "
        "when its slug exists, or when a username belongs to a person of another organisation "
        "here (see --attach-existing-users); users that do not exist are created without a "
        "usable password."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the export file, or - to read stdin")
        parser.add_argument(
            "--attach-existing-users",
            action="store_true",
            help="usernames that belong to people of other organisations here are the same "
            "people: attach them (refused by default)",
        )

    def handle(self, path, attach_existing_users=False, **options):
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from None
        try:
            org = import_organization(data, attach_existing=attach_existing_users)
        except DomainError as exc:
            raise CommandError(f"{path} was not imported: {exc.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Organisation {org.name!r} ({org.slug}) imported: {org.teams.count()} teams."
            )
        )

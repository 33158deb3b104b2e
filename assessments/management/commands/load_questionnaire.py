from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Organization
from assessments.questionnaires import services
from vsm_site.domain_errors import DomainError, Invalid


class Command(BaseCommand):
    help = (
        "Load a questionnaire version from a YAML file (docs/questionnaire-format.md) into the "
        "site's library (--library, read-only to every organisation) or into one "
        "organisation (--organization SLUG). Idempotent; refuses to change a published version."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument(
            "--library", action="store_true", help="Load into the library, for every organisation."
        )
        owner.add_argument("--organization", metavar="SLUG", help="Load into this organisation.")

    def handle(self, path, library=False, organization=None, **options):
        owner = None
        if organization is not None:
            owner = Organization.objects.filter(slug=organization).first()
            if owner is None:
                raise CommandError(f"There is no organisation {organization!r}.")
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            questionnaire, outcome = services.load_questionnaire(source, owner)
        except Invalid as exc:
            details = "\n".join(f"  {path}: {e}" for e in exc.errors) or f"  {exc.message}"
            raise CommandError(f"{path} was not loaded:\n{details}") from None
        except DomainError as exc:
            raise CommandError(f"{path} was not loaded: {exc.message}") from None
        where = "library" if owner is None else owner.slug
        self.stdout.write(
            self.style.SUCCESS(
                f"{questionnaire.label} ({questionnaire.status}, {where}): {outcome}"
            )
        )

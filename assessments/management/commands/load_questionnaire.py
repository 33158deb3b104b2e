from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments import services
from assessments.errors import DomainError, Invalid


class Command(BaseCommand):
    help = (
        "Load a questionnaire version from a YAML file (docs/questionnaire-format.md). "
        "Idempotent; refuses to change a published version."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, path, **options):
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            questionnaire, outcome = services.load_questionnaire(source)
        except Invalid as exc:
            details = "\n".join(f"  {path}: {e}" for e in exc.errors) or f"  {exc.message}"
            raise CommandError(f"{path} was not loaded:\n{details}") from None
        except DomainError as exc:
            raise CommandError(f"{path} was not loaded: {exc.message}") from None
        self.stdout.write(
            self.style.SUCCESS(f"{questionnaire.label} ({questionnaire.status}): {outcome}")
        )

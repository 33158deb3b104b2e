from django.core.management.base import BaseCommand, CommandError

from assessments.models import Questionnaire
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires.format import export_questionnaire


class Command(BaseCommand):
    help = (
        "Print a stored questionnaire version as YAML (the format load_questionnaire reads): "
        "the library's, or with --organization SLUG that organisation's."
    )

    def add_arguments(self, parser):
        parser.add_argument("key")
        parser.add_argument("version", type=int)
        parser.add_argument("--organization", metavar="SLUG", help="The owning organisation.")

    def handle(self, key, version, organization=None, **options):
        rows = Questionnaire.objects.filter(key=key, version=version)
        if organization:
            rows = rows.filter(organization__slug=organization)
        else:
            rows = rows.filter(organization__isnull=True)
        questionnaire = rows.first()
        if questionnaire is None:
            owner = f"organisation {organization!r}" if organization else "the library"
            raise CommandError(f"{owner} has no questionnaire {key} v{version}.")
        self.stdout.write(
            export_questionnaire(questionnaire_selectors.questionnaire_doc(questionnaire)),
            ending="",
        )

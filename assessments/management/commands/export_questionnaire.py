from django.core.management.base import BaseCommand, CommandError

from assessments import selectors
from assessments.models import Questionnaire
from assessments.questionnaire_format import export_questionnaire


class Command(BaseCommand):
    help = "Print a stored questionnaire version as YAML (the format load_questionnaire reads)."

    def add_arguments(self, parser):
        parser.add_argument("key")
        parser.add_argument("version", type=int)

    def handle(self, key, version, **options):
        try:
            questionnaire = Questionnaire.objects.get(key=key, version=version)
        except Questionnaire.DoesNotExist:
            raise CommandError(f"There is no questionnaire {key} v{version}.") from None
        self.stdout.write(
            export_questionnaire(selectors.questionnaire_doc(questionnaire)), ending=""
        )

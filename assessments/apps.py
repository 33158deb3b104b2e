from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from assessments import checks  # noqa: F401  (registers system checks)
        from assessments.data_version import connect

        connect()  # the organisation data version follows writes

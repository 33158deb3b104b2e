from django import forms
from django.db.models import Q

from .models import Membership, Organization, Questionnaire
from .periods import PeriodError, current_period, parse_period
from .selectors import latest_usable


class AddMemberForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="The login name of a person of the organisation; invite new people under "
        '"People of the organisation".',
    )
    role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)


class OpenAssessmentForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        queryset=None, empty_label=None, help_text="Published versions; the latest is chosen."
    )
    period = forms.CharField(max_length=7, help_text="A quarter, e.g. 2026-Q4.")
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Optional."
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Per key, the versions of the owner a team of this organisation gets: the
        # organisation's own when it has published one, else the library's.
        usable = {(q.key, q.organization_id) for q in latest_usable(organization)}
        owner = Q()
        for key, org_id in usable:
            owner |= Q(key=key, organization_id=org_id)
        self.fields["questionnaire"].queryset = (
            Questionnaire.objects.filter(owner, status=Questionnaire.PUBLISHED).order_by(
                "key", "-version"
            )
            if usable
            else Questionnaire.objects.none()
        )
        if not self.is_bound:
            self.fields["period"].initial = current_period()
        self.fields["questionnaire"].label_from_instance = lambda q: f"{q.title} (v{q.version})"

    def clean_period(self):
        try:
            parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["period"].strip()


class QuestionnaireUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        help_text="The organisation that owns the version; nobody else sees or uses it.",
    )
    file = forms.FileField(help_text="A questionnaire YAML file (docs/questionnaire-format.md).")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations
        self.only = organizations.first() if organizations.count() == 1 else None
        if self.only is not None:  # nothing to choose: the user's one organisation
            field.required = False
            field.widget = forms.HiddenInput()
            field.initial = self.only.pk

    def clean_organization(self):
        return self.cleaned_data.get("organization") or self.only

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The file is larger than 1 MiB.")
        return upload


DF_UNITS = [("day", "per day"), ("week", "per week"), ("month", "per month")]
TIME_UNITS = [("minutes", "minutes"), ("hours", "hours"), ("days", "days"), ("weeks", "weeks")]
# DORA's own conversions: a week is 168 h, a month 730 h.
DF_TO_PER_DAY = {"day": 1.0, "week": 1 / 7, "month": 24 / 730}
TIME_TO_HOURS = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0, "weeks": 168.0}


class DoraEntryForm(forms.Form):
    period = forms.CharField(max_length=7, help_text="A quarter, e.g. 2026-Q4.")
    deployment_frequency = forms.FloatField(
        required=False, min_value=0, label="Deployment frequency",
        help_text="Successful production deployments.",
    )  # fmt: skip
    deployment_frequency_unit = forms.ChoiceField(choices=DF_UNITS, initial="week", label="Unit")
    lead_time = forms.FloatField(
        required=False, min_value=0, label="Lead time for changes",
        help_text="Median time from first commit to running in production.",
    )  # fmt: skip
    lead_time_unit = forms.ChoiceField(choices=TIME_UNITS, initial="hours", label="Unit")
    time_to_restore = forms.FloatField(
        required=False, min_value=0, label="Time to restore service",
        help_text="Median time to restore service after an incident.",
    )  # fmt: skip
    time_to_restore_unit = forms.ChoiceField(choices=TIME_UNITS, initial="hours", label="Unit")
    change_failure_rate = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Change failure rate (%)",
        help_text="Deployments causing a failure in production.",
    )  # fmt: skip
    rework_rate = forms.FloatField(
        required=False, min_value=0, max_value=100, label="Deployment rework rate (%)",
        help_text="Deployments that were unplanned fixes of user-facing bugs.",
    )  # fmt: skip

    def clean_period(self):
        try:
            parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["period"].strip()

    def clean(self):
        data = super().clean()
        metrics = ("deployment_frequency", "lead_time", "time_to_restore",
                   "change_failure_rate", "rework_rate")  # fmt: skip
        if not self.errors and all(data.get(m) is None for m in metrics):
            raise forms.ValidationError("Enter at least one metric.")
        return data

    def canonical_values(self):
        """The values in the units the product stores: per day, hours, percent."""
        data = self.cleaned_data
        values = {}
        if data.get("deployment_frequency") is not None:
            values["deployment_frequency"] = (
                data["deployment_frequency"] * DF_TO_PER_DAY[data["deployment_frequency_unit"]]
            )
        for metric in ("lead_time", "time_to_restore"):
            if data.get(metric) is not None:
                values[metric] = data[metric] * TIME_TO_HOURS[data[f"{metric}_unit"]]
        for metric in ("change_failure_rate", "rework_rate"):
            if data.get(metric) is not None:
                values[metric] = data[metric]
        return values


class EventUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=[("deployments", "Deployments"), ("incidents", "Incidents")])
    file = forms.FileField(help_text="CSV, UTF-8. Columns are described below.")


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["default_benchmark", "low_confidence_threshold"]
        labels = {
            "default_benchmark": "Default DORA benchmark set",
            "low_confidence_threshold": "Low-confidence threshold (respondents)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import dora

        self.fields["default_benchmark"] = forms.ChoiceField(
            label="Default DORA benchmark set",
            choices=[(key, bs.name) for key, bs in dora.benchmark_sets().items()],
            help_text="Pages use it unless the reader picks another set; stored "
            "classifications keep the set they were made with.",
        )

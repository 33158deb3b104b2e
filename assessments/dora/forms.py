from django import forms

from assessments.periods import PeriodError, parse_period

DF_UNITS = [("day", "per day"), ("week", "per week"), ("month", "per month")]


TIME_UNITS = [("minutes", "minutes"), ("hours", "hours"), ("days", "days"), ("weeks", "weeks")]


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


# DORA's own conversions: a week is 168 h, a month 730 h.
DF_TO_PER_DAY = {"day": 1.0, "week": 1 / 7, "month": 24 / 730}


TIME_TO_HOURS = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0, "weeks": 168.0}

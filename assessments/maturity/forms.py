from django import forms
from django.db.models import Q

from assessments.models import Questionnaire
from assessments.periods import PeriodError, current_period, parse_period
from assessments.questionnaires.selectors import latest_usable


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

from django import forms

from .models import Membership, Questionnaire
from .periods import PeriodError, current_period, parse_period


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="The person's login name.")
    role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)


class OpenAssessmentForm(forms.Form):
    questionnaire = forms.ModelChoiceField(
        queryset=None, empty_label=None, help_text="Published versions; the latest is chosen."
    )
    period = forms.CharField(max_length=7, help_text="A quarter, e.g. 2026-Q4.")
    due_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Optional."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(
            status=Questionnaire.PUBLISHED
        ).order_by("key", "-version")
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
    file = forms.FileField(help_text="A questionnaire YAML file (docs/questionnaire-format.md).")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The file is larger than 1 MiB.")
        return upload

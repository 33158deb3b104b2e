from django import forms


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

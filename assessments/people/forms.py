from django import forms

from assessments.models import Membership, Organization


class AddMemberForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="The login name of a person of the organisation; invite new people under "
        '"People of the organisation".',
    )
    role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)


class OrganizationSettingsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "industry",
            "org_size",
            "dora_view",
            "dora_segment",
            "default_benchmark",
            "low_confidence_threshold",
        ]
        labels = {
            "dora_view": "Delivery performance view pages open with",
            "dora_segment": "Compare teams with (DORA Quick Check 2025 benchmarks)",
            "default_benchmark": "Default DORA benchmark set",
            "low_confidence_threshold": "Low-confidence threshold (respondents)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from assessments.dora import quickcheck
        from assessments.dora import rules as dora

        for kind, label in (("industry", "Industry"), ("org_size", "Organisation size")):
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=[(s.key, s.label) for (k, _), s in quickcheck.segments().items()
                         if k == kind],
                help_text="As the DORA Quick Check 2025 benchmarks name it.",
            )  # fmt: skip
        self.fields["dora_segment"] = forms.ChoiceField(
            label="Compare teams with (DORA Quick Check 2025 benchmarks)",
            choices=quickcheck.segment_choices(),
            help_text="An industry or an organisation size; any page can switch to another.",
        )

        self.fields["default_benchmark"] = forms.ChoiceField(
            label="Default DORA benchmark set",
            choices=[(key, bs.name) for key, bs in dora.benchmark_sets().items()],
            help_text="Pages use it unless the reader picks another set; stored "
            "classifications keep the set they were made with.",
        )

"""The organisation admin's sign-in settings: the provider, the rules, the group mapping."""

from django import forms

from assessments.models import Membership, OrgRole, SingleSignOn


class OidcForm(forms.Form):
    issuer = forms.CharField(
        max_length=500,
        help_text="Exactly as the provider's discovery document states it, e.g. "
        "https://login.microsoftonline.com/&lt;tenant id&gt;/v2.0.",
    )
    client_id = forms.CharField(max_length=191, label="Client id")
    client_secret = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret.",
    )
    email_domains = forms.CharField(
        max_length=2000, label="E-mail domains", help_text="Comma-separated, e.g. example.org."
    )
    groups_claim = forms.CharField(max_length=100, initial="groups", label="Groups claim")
    default_role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)


class SamlForm(forms.Form):
    metadata_url = forms.URLField(required=False, label="IdP metadata URL", assume_scheme="https")
    metadata_file = forms.FileField(required=False, label="or the IdP metadata file")
    entity_id = forms.CharField(
        max_length=500, required=False, label="IdP entity id",
        help_text="Only when the metadata describes several IdPs.",
    )  # fmt: skip
    email_domains = forms.CharField(
        max_length=2000, label="E-mail domains", help_text="Comma-separated, e.g. example.org."
    )
    groups_claim = forms.CharField(
        max_length=100, initial="groups", label="Groups attribute",
        help_text="The SAML attribute listing the person's groups.",
    )  # fmt: skip
    default_role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)

    def metadata_xml(self):
        upload = self.cleaned_data.get("metadata_file")
        if not upload:
            return None
        if upload.size > 1024 * 1024:
            raise forms.ValidationError("The metadata file is larger than 1 MB.")
        return upload.read().decode("utf-8", errors="replace")


class PolicyForm(forms.Form):
    require_sso = forms.BooleanField(
        required=False, label="Require single sign-on",
        help_text=SingleSignOn._meta.get_field("require_sso").help_text,
    )  # fmt: skip
    break_glass_username = forms.CharField(
        max_length=150, required=False, label="Break-glass admin (username)",
        help_text=SingleSignOn._meta.get_field("break_glass_user").help_text,
    )  # fmt: skip
    require_mfa = forms.BooleanField(
        required=False, label="Require MFA for password sign-in",
        help_text=SingleSignOn._meta.get_field("require_mfa").help_text,
    )  # fmt: skip


class MappingForm(forms.Form):
    group = forms.CharField(
        max_length=200, help_text="As the provider sends it (a name, or an id for Entra ID)."
    )
    target = forms.ChoiceField(label="Gives")
    team_role = forms.ChoiceField(
        choices=[("", "Default role"), *Membership.ROLE_CHOICES], required=False,
        label="Team role",
    )  # fmt: skip

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("Organisation roles", [(f"org:{k}", label) for k, label in OrgRole.ROLE_CHOICES]),
            ("Teams", [(f"team:{t.id}", t.name) for t in teams]),
        ]

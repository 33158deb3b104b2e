from django import forms

from .models import Membership


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="The person's login name.")
    role = forms.ChoiceField(choices=Membership.ROLE_CHOICES, initial=Membership.MEMBER)

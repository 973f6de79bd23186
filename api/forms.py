"""The form that makes a personal access token (on the Security page)."""

from django import forms

from lhs_assess.forms import max_length_of

from .models import AccessToken
from .services import EXPIRY_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What will use it",
        max_length=max_length_of(AccessToken, "name"),
        help_text="For example: quality dashboard, board report script.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read-and-write tokens can change answers, as you can on the pages.",
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=[(d, f"{d} days") for d in EXPIRY_DAYS],
        initial=90,
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Say what will use the token.")
        return name

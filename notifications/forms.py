from typing import Any

from django import forms

from .models import Delivery, Kind


class PreferencesForm(forms.Form):
    """One choice per kind of mail: right away, daily digest, or never."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current.get(kind.value, Delivery.NOW),
                widget=forms.RadioSelect,
            )

    def choices(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.cleaned_data.items()}

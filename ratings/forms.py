"""Forms of rating rounds; the limits come from the models."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from commitments.models import Commitment
from lhs_assess.forms import ID_MAX, model_choice_field
from organizations.models import Membership

from .models import CONSENSUS_REASON_MAX_LENGTH

LEVEL_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class IdsField(forms.ModelMultipleChoiceField):
    """Ids out of any row's range are refused before the query (SQLite cannot hold them)."""

    def clean(self, value: Any) -> Any:
        for pk in value or ():
            if not str(pk).isdigit() or not 0 < int(pk) <= ID_MAX:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class RoundForm(forms.Form):
    commitments = IdsField(
        queryset=Commitment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Commitments to rate",
        error_messages={
            "required": "Choose at least one commitment to rate.",
            "invalid_choice": "Choose commitments from the list.",
            "invalid_pk_value": "Choose commitments from the list.",
        },
    )
    closes_on = forms.DateField(
        label="Raters may rate until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give the last day raters may rate.",
            "invalid": "Give a date.",
        },
    )
    named = forms.BooleanField(
        required=False,
        label="Show who gave which rating on the consensus view",
        help_text="Otherwise raters are numbered; partners are always marked as partners.",
    )

    def __init__(self, *args: Any, commitments: QuerySet[Commitment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "commitments").queryset = commitments


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.get_full_name() or obj.user.email} ({obj.get_role_display()})"


class InviteForm(forms.Form):
    membership = MemberChoiceField(
        queryset=Membership.objects.none(),
        label="Member or partner to invite",
        empty_label="Choose a person",
        error_messages={
            "required": "Choose a person to invite.",
            "invalid_choice": "Choose a person from the list.",
        },
    )

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "membership").queryset = members


class ConsensusForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=LEVEL_CHOICES,
        coerce=int,
        label="Consensus level",
        error_messages={
            "required": "Choose the level the group agreed on.",
            "invalid_choice": "Choose a level from 1 to 5.",
        },
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=CONSENSUS_REASON_MAX_LENGTH,
        label="Why this level",
        error_messages={"required": "Say why the group chose this level."},
    )

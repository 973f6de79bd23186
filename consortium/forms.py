"""Forms of the consortium staff's pages; the services validate what needs the database."""

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet

from assessments.models import Assessment, Cycle
from commitments.models import Commitment, Rubric
from lhs_assess.forms import choice_field, model_choice_field
from organizations.models import Organization

from .dashboard import NOT_STARTED, DashboardFilters
from .selectors import rubrics_for_new_cycle


class DateInput(forms.DateInput):
    input_type = "date"


class RubricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Rubric) -> str:
        return f"{obj.name} {obj.version}"


class CycleDatesForm(forms.Form):
    """A cycle's name and dates; the service checks their order and names the field to fix."""

    name = forms.CharField(
        label="Name", max_length=100, help_text="For example 2026, shown to every organization."
    )
    opens_on = forms.DateField(label="Opens on", widget=DateInput)
    due_on = forms.DateField(
        label="Due on",
        widget=DateInput,
        help_text="Submissions after this day are marked late. On or after the opening day.",
    )
    closes_on = forms.DateField(
        label="Closes on",
        widget=DateInput,
        help_text="After this day unsubmitted assessments are read-only, extensions aside. "
        "On or after the due day.",
    )


class CycleForm(CycleDatesForm):
    rubric = RubricChoiceField(
        label="Rubric",
        queryset=Rubric.objects.none(),
        empty_label="Choose a published rubric",
        error_messages={"invalid_choice": "Choose a published rubric."},
    )
    field_order = ["name", "rubric", "opens_on", "due_on", "closes_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Drafts and retired rubrics are never offered (cycle_create refuses them too).
        model_choice_field(self, "rubric").queryset = rubrics_for_new_cycle()


class ExtensionForm(forms.Form):
    """One organization's extension: which, until when, and why (kept in the audit log)."""

    organization = forms.ModelChoiceField(
        label="Organization",
        queryset=Organization.objects.none(),
        empty_label="Choose an organization",
        help_text="Organizations whose assessment of this cycle is a draft or returned.",
        error_messages={"invalid_choice": "Choose an organization with an unsubmitted assessment."},
    )
    until = forms.DateField(
        label="Writable until",
        widget=DateInput,
        help_text="The last day they may change it: on or after the cycle's closing day.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why they get more time; kept with the extension and in the audit log.",
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "organization").queryset = organizations


class CycleStatusForm(forms.Form):
    status = forms.ChoiceField(label="New status", choices=[("open", "Open"), ("closed", "Closed")])


GENERAL = "general"


def _field_name(commitment: Commitment) -> str:
    return f"commitment_{commitment.pk}"


class ReturnForm(forms.Form):
    """Comments for the organization: one per commitment and one on the whole; at least one."""

    def __init__(self, *args: Any, commitments: Iterable[Commitment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commitments = list(commitments)
        textarea = forms.Textarea(attrs={"rows": 2})
        self.fields[GENERAL] = forms.CharField(
            label="General comment", required=False, widget=textarea
        )
        for commitment in self.commitments:
            self.fields[_field_name(commitment)] = forms.CharField(
                label=f"Comment on {commitment.name}", required=False, widget=textarea
            )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any(str(v).strip() for v in data.values() if v):
            raise forms.ValidationError(
                "Say what needs to change: write at least one comment before returning."
            )
        return data

    def comments(self) -> dict[Commitment | None, str]:
        """The comments for assessment_return: {commitment or None (general): text}."""
        found: dict[Commitment | None, str] = {None: self.cleaned_data.get(GENERAL, "")}
        for commitment in self.commitments:
            found[commitment] = self.cleaned_data.get(_field_name(commitment), "")
        return found


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, read from the query string; blank means "all"."""

    cycle = forms.TypedChoiceField(label="Cycle", coerce=int, required=False)
    type = forms.ChoiceField(
        label="Organization type",
        required=False,
        choices=[("", "All types"), *Organization.Type.choices],
    )
    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "All regions"), *Organization.Region.choices]
    )
    size_band = forms.ChoiceField(
        label="Size", required=False, choices=[("", "All sizes"), *Organization.SizeBand.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All statuses"), (NOT_STARTED, "Not started"), *Assessment.Status.choices],
    )

    def __init__(self, *args: Any, cycles: Sequence[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycles = list(cycles)
        choice_field(self, "cycle").choices = [(c.pk, c.name) for c in self.cycles]

    def filters(self) -> DashboardFilters | None:
        """The chosen filters (the newest cycle by default); None when there is no cycle."""
        data = self.cleaned_data if self.is_valid() else {}
        chosen = data.get("cycle")
        cycle = next((c for c in self.cycles if c.pk == chosen), None)
        if cycle is None:
            cycle = self.cycles[0] if self.cycles else None
        if cycle is None:
            return None
        return DashboardFilters(
            cycle=cycle,
            type=data.get("type", ""),
            region=data.get("region", ""),
            size_band=data.get("size_band", ""),
            status=data.get("status", ""),
        )

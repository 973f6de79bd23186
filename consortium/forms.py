"""Forms of the consortium staff's pages; the services validate what needs the database."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet

from assessments.models import COMMENT_MAX_LENGTH, Assessment, Cycle, Extension
from commitments.models import Rubric
from lhs_assess.forms import choice_field, max_length_of, model_choice_field
from organizations.models import Organization, User

from .dashboard import NOT_STARTED, DashboardFilters
from .selectors import QueueFilters, rubrics_for_new_cycle


class DateInput(forms.DateInput):
    input_type = "date"


class RubricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Rubric) -> str:
        return f"{obj.name} {obj.version}"


class CycleDatesForm(forms.Form):
    """A cycle's name and dates; the service checks their order and names the field to fix."""

    name = forms.CharField(
        label="Name",
        max_length=max_length_of(Cycle, "name"),
        help_text="For example 2026, shown to every organization.",
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
        max_length=max_length_of(Extension, "reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why they get more time; kept with the extension and in the audit log.",
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "organization").queryset = organizations


class CycleStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        choices=[("open", "Open"), ("closed", "Closed")],
        error_messages={
            "required": "Choose whether to open or close the cycle.",
            "invalid_choice": "Choose whether to open or close the cycle.",
        },
    )


class ReturnForm(forms.Form):
    """Returning: the open threads say what to change; a message here joins the thread on the
    whole assessment. The service refuses a return with neither."""

    message = forms.CharField(
        label="Message to the organization (optional when criteria have open threads)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EmailChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.email


class ReviewerForm(forms.Form):
    reviewer = EmailChoiceField(
        label="Reviewer",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody yet",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": "Choose a reviewer from the list."},
    )

    def __init__(self, *args: Any, reviewers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "reviewer").queryset = reviewers


class QueueFilterForm(forms.Form):
    """The review queue's filters, from the query string; blank means all."""

    STATUS_CHOICES = [
        (Assessment.Status.SUBMITTED, "Waiting for review"),
        (Assessment.Status.RETURNED, "Returned, waiting for the organization"),
        (Assessment.Status.ACCEPTED, "Accepted"),
        ("all", "Any status"),
    ]

    SELECT = forms.Select(attrs={"class": "form-select"})

    cycle = forms.TypedChoiceField(label="Cycle", coerce=int, required=False, widget=SELECT)
    status = forms.ChoiceField(
        label="Status", required=False, choices=STATUS_CHOICES, widget=SELECT
    )
    type = forms.ChoiceField(
        label="Organization type",
        required=False,
        choices=[("", "All types"), *Organization.Type.choices],
        widget=SELECT,
    )
    region = forms.ChoiceField(
        label="Region",
        required=False,
        choices=[("", "All regions"), *Organization.Region.choices],
        widget=SELECT,
    )
    mine = forms.BooleanField(label="Assigned to me", required=False)

    def __init__(self, *args: Any, cycles: Sequence[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycles = list(cycles)
        choice_field(self, "cycle").choices = [("", "All cycles")] + [
            (c.pk, c.name) for c in self.cycles
        ]

    def filters(self, *, closed: bool) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or Assessment.Status.SUBMITTED
        return QueueFilters(
            cycle=next((c for c in self.cycles if c.pk == data.get("cycle")), None),
            status="" if status == "all" else status,
            type=data.get("type", ""),
            region=data.get("region", ""),
            mine=bool(data.get("mine")),
            closed=closed,
        )


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

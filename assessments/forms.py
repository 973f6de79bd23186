"""Forms of the assessment pages. They parse and validate input; services write."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from commitments.models import Commitment, Criterion
from commitments.rubric_file import CriterionSpec, LevelSpec
from commitments.rubric_text import plain
from lhs_assess.forms import POSITIVE_INTEGER_MAX, choice_field, id_field, max_length_of
from organizations.models import Membership, User

from .evidence import evidence_upload_error
from .models import COMMENT_MAX_LENGTH, ActionItem, Answer
from .selectors import NOBODY, OPEN, CommitmentText, Due, PlanFilters, PreviousAnswer
from .services import (
    EVIDENCE_LINKS_MAX_LENGTH,
    ActionInput,
    AnswerInput,
    link_normalized,
    validate_answer_input,
)
from .workbook import MAX_UPLOAD_BYTES, upload_error

NOT_APPLICABLE = "na"
TEXTAREA = {"rows": 3}


def _link_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


LEVEL_VALUES = [(str(n), str(n)) for n in range(1, 6)] + [(NOT_APPLICABLE, "Not applicable")]


class AnswerFields(forms.Form):
    """The fields of one answer and their checks, without the page around them: what the
    autosave endpoint binds (its JSON, one criterion), and what AnswerForm labels for people."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=POSITIVE_INTEGER_MAX
    )
    level = forms.ChoiceField(required=False, widget=forms.RadioSelect, choices=LEVEL_VALUES)
    na_reason = forms.CharField(
        required=False,
        max_length=max_length_of(Answer, "na_reason"),
        label="Reason it does not apply",
        help_text="Needed when you choose “Not applicable”.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence = forms.CharField(
        required=False,
        max_length=max_length_of(Answer, "evidence"),
        label="Evidence",
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    evidence_links = forms.CharField(
        required=False,
        # Each link is checked on its own (services.validate_answer_input); this bounds the box.
        max_length=EVIDENCE_LINKS_MAX_LENGTH,
        label="Evidence links",
        help_text="One web address per line, for example www.example.org/policy",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        required=False,
        max_length=max_length_of(Answer, "notes"),
        label="Notes",
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    change_reason = forms.CharField(
        required=False,
        max_length=max_length_of(Answer, "change_reason"),
        label="What changed since last cycle, and why",
        help_text="Shown in the report beside the change.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confidence = forms.ChoiceField(
        required=False,
        label="Confidence in this answer",
        choices=[("", "Not said"), *Answer.Confidence.choices],
    )
    file = forms.FileField(
        required=False,
        label="Add an evidence file",
        help_text="PDF, Word, Excel, PowerPoint, CSV, text or image; at most 10 MB.",
    )

    @classmethod
    def from_json(cls, payload: object) -> "AnswerFields":
        """Bind the autosave body: {"version": 3, "level": "2" | "na" | "", "notes": …}."""
        if not isinstance(payload, dict):
            payload = {}
        names = [n for n in cls.base_fields if n != "file"]
        data = QueryDict(mutable=True)
        for name in names:
            value = payload.get(name)
            if isinstance(value, str | int) and not isinstance(value, bool):
                data[name] = str(value)
        return cls(data)

    def clean_evidence_links(self) -> list[str]:
        return [
            link_normalized(line)
            for line in _link_lines(self.cleaned_data.get("evidence_links") or "")
        ]

    def clean_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("file")
        if upload is not None:
            error = evidence_upload_error(upload)
            if error:
                raise forms.ValidationError(error)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        level = cleaned.get("level") or ""
        self.entered = AnswerInput(
            level=int(level) if level.isdigit() else None,
            not_applicable=level == NOT_APPLICABLE,
            na_reason=cleaned.get("na_reason", ""),
            evidence=cleaned.get("evidence", ""),
            evidence_links=cleaned.get("evidence_links", []),
            notes=cleaned.get("notes", ""),
            confidence=cleaned.get("confidence", ""),
            change_reason=cleaned.get("change_reason", ""),
        )
        for name, errors in validate_answer_input(self.entered).items():
            if name not in self.errors:
                self.add_error(name, errors)
        return cleaned


class AnswerForm(AnswerFields):
    """One criterion's answer; its prefix is the criterion code, so many share one <form>."""

    def __init__(
        self,
        data: QueryDict | None = None,
        files: MultiValueDict[str, UploadedFile] | None = None,
        *,
        criterion: CriterionSpec,
        levels: Sequence[LevelSpec],
        answer: Answer,
        previous_cycle: str = "",
    ) -> None:
        super().__init__(data, files, prefix=criterion.code, initial=answer_values(answer))
        self.criterion = criterion
        self.answer = answer
        self.stale_current: Answer | None = None
        self.previous: PreviousAnswer | None = None
        names = {lv.level: lv.name for lv in levels}
        level_field = choice_field(self, "level")
        level_field.label = f"Maturity level for {criterion.code.upper()}"
        level_field.choices = [
            (str(n), f"{n} · {names.get(n, '')} — {plain(criterion.descriptors.get(n, ''))}")
            for n in sorted(criterion.descriptors)
        ] + [(NOT_APPLICABLE, "Not applicable to our organization (say why below)")]
        if answer.notes_carried and previous_cycle:
            self.fields["notes"].label = f"Notes (from {previous_cycle})"
            self.fields[
                "notes"
            ].help_text = f"Copied from {previous_cycle}; change them to make them this cycle's."
        if previous_cycle:
            self.fields["change_reason"].label = f"What changed since {previous_cycle}, and why"
        else:
            del self.fields["change_reason"]


def answer_values(answer: Answer) -> dict[str, Any]:
    """An answer as its fields hold it: the form's initial values and the autosave's reply."""
    level = NOT_APPLICABLE if answer.not_applicable else answer.level
    return {
        "version": answer.version,
        "level": "" if level is None else str(level),
        "na_reason": answer.na_reason,
        "evidence": answer.evidence,
        "evidence_links": "\n".join(answer.evidence_links),
        "notes": answer.notes,
        "change_reason": answer.change_reason,
        "confidence": answer.confidence,
    }


class CommitmentForm:
    """Every criterion of one commitment in one <form>, saved together."""

    def __init__(
        self,
        data: QueryDict | None,
        files: MultiValueDict[str, UploadedFile] | None,
        *,
        text: CommitmentText,
        answers: Sequence[Answer],
        previous: Mapping[str, PreviousAnswer] | None = None,
        previous_cycle: str = "",
    ) -> None:
        by_code = {r.criterion.code: r for r in answers}
        self.previous = previous or {}
        self.previous_cycle = previous_cycle
        self.forms = [
            AnswerForm(
                data,
                files,
                criterion=c,
                levels=text.levels,
                answer=by_code[c.code],
                previous_cycle=previous_cycle,
            )
            for c in text.spec.criteria
            if c.code in by_code
        ]
        for f in self.forms:
            f.previous = self.previous.get(f.criterion.code)

    def __iter__(self) -> Iterator[AnswerForm]:
        return iter(self.forms)

    def is_valid(self) -> bool:
        valid = [f.is_valid() for f in self.forms]  # validate every form, to show all errors
        return all(valid)

    @property
    def invalid(self) -> list[AnswerForm]:
        """The criteria whose input needs correcting, for the summary at the top of the page."""
        return [f for f in self.forms if f.is_bound and f.errors]

    def answers(self) -> dict[int, tuple[int, AnswerInput]]:
        return {f.answer.pk: (f.cleaned_data["version"], f.entered) for f in self.forms}

    def uploads(self) -> dict[int, UploadedFile]:
        return {f.answer.pk: f.cleaned_data["file"] for f in self.forms if f.cleaned_data["file"]}

    def answer_named(self, pk: str) -> Answer | None:
        """The answer of this page whose id the person posted, or None for any other value."""
        return next((f.answer for f in self.forms if str(f.answer.pk) == pk), None)

    def carried_left(self, saved: Sequence[Answer]) -> int:
        """How many carried-forward answers of the page a save left unconfirmed."""
        changed = {a.pk for a in saved}
        return sum(1 for f in self.forms if f.answer.carried_forward and f.answer.pk not in changed)

    def valid_uploads(self) -> dict[int, UploadedFile]:
        """The chosen files that passed their own checks, whatever the other fields say: kept
        even when the page is refused, so correcting a field never means choosing files again."""
        return {
            f.answer.pk: upload
            for f in self.forms
            if "file" not in f.errors and (upload := f.files.get(f.add_prefix("file")))
        }

    @classmethod
    def after_conflict(
        cls,
        data: QueryDict,
        *,
        text: CommitmentText,
        current: Sequence[Answer],
        previous: Mapping[str, PreviousAnswer] | None = None,
        previous_cycle: str = "",
    ) -> "CommitmentForm":
        """The person's input again, but holding the versions now stored, and naming each answer
        someone else changed since the page was opened; a second save then overwrites on purpose.
        """
        posted = data.copy()
        stale: dict[str, Answer] = {}
        for r in current:
            key = f"{r.criterion.code}-version"
            if posted.get(key) != str(r.version):
                stale[r.criterion.code] = r
            posted[key] = str(r.version)
        form = cls(
            posted,
            None,
            text=text,
            answers=current,
            previous=previous,
            previous_cycle=previous_cycle,
        )
        for f in form.forms:
            f.stale_current = stale.get(f.criterion.code)
        return form


class KeepForm(forms.Form):
    """ "Keep all unchanged": how many the person was shown, so a list that changed meanwhile
    is shown again instead of confirming what they did not see."""

    expected = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=POSITIVE_INTEGER_MAX
    )


class StartForm(forms.Form):
    cycle = id_field(widget=forms.HiddenInput)
    carry_forward = forms.BooleanField(
        required=False,
        label="Start from our last submitted assessment",
        help_text="Its answers are copied and marked “Carried forward — confirm”.",
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(
        max_length=max_length_of(ActionItem, "title"), label="What will be done"
    )
    description = forms.CharField(
        required=False,
        max_length=max_length_of(ActionItem, "description"),
        label="Description",
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    criterion = forms.ChoiceField(required=False, label="Criterion it improves")
    target_level = forms.TypedChoiceField(
        required=False,
        label="Target level",
        coerce=int,
        empty_value=None,
        choices=[("", "None"), *((n, str(n)) for n in range(1, 6))],
    )
    owner = forms.ChoiceField(required=False, label="Owner")
    due_date = forms.DateField(
        required=False,
        label="Due date",
        help_text="For example 2026-12-31.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    status = forms.ChoiceField(label="Status", choices=ActionItem.Status.choices)

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        commitment: Commitment,
        members: Sequence[Membership],
        item: ActionItem | None = None,
    ) -> None:
        initial: dict[str, Any] = {"status": ActionItem.Status.PLANNED}
        if item is not None:
            initial = {
                "title": item.title,
                "description": item.description,
                "criterion": item.criterion.code if item.criterion else "",
                "target_level": item.target_level or "",
                "owner": item.owner_id or "",
                "due_date": item.due_date,
                "status": item.status,
            }
        super().__init__(data, initial=initial)
        self._criteria: dict[str, Criterion] = {c.code: c for c in commitment.criteria.all()}
        self._owners: dict[str, User] = {str(m.user_id): m.user for m in members}
        criterion = choice_field(self, "criterion")
        owner = choice_field(self, "owner")
        criterion.choices = [
            ("", "The whole commitment"),
            *((c, c.upper()) for c in self._criteria),
        ]
        owner.choices = [
            ("", "Nobody yet"),
            *((str(m.user_id), f"{m.user.email} ({m.get_role_display()})") for m in members),
        ]

    def to_input(self) -> ActionInput:
        d = self.cleaned_data
        return ActionInput(
            title=d["title"],
            description=d["description"],
            criterion=self._criteria.get(d["criterion"]),
            target_level=d["target_level"],
            owner=self._owners.get(d["owner"]),
            due_date=d["due_date"],
            status=d["status"],
        )


class AssignmentsForm(forms.Form):
    """One choice per commitment: a lead or contributor, or nobody."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        commitments: Sequence[Commitment],
        members: Sequence[Membership],
        current: Mapping[int, Any],
    ) -> None:
        super().__init__(data)
        self._commitments = {c.code: c for c in commitments}
        self._members = {str(m.pk): m for m in members if m.role != Membership.Role.VIEWER}
        choices = [
            ("", "Nobody"),
            *((pk, f"{m.user.email} ({m.get_role_display()})") for pk, m in self._members.items()),
        ]
        for c in commitments:
            assignment = current.get(c.pk)
            self.fields[c.code] = forms.ChoiceField(
                required=False,
                label=c.name,
                choices=choices,
                initial=str(assignment.membership_id) if assignment else "",
            )

    def choices(self) -> dict[Commitment, Membership | None]:
        return {
            c: self._members.get(self.cleaned_data.get(code) or "")
            for code, c in self._commitments.items()
        }


class PlanFilterForm(forms.Form):
    """The improvement plan page's filters, from the query string; blank means "all"."""

    owner = forms.ChoiceField(label="Owner", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), (OPEN, "Planned or in progress"), *ActionItem.Status.choices],
    )
    due = forms.ChoiceField(
        label="Due", required=False, choices=[("", "Any due date"), *Due.choices]
    )

    def __init__(self, *args: Any, members: Sequence[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = choice_field(self, "owner")
        owner.choices = [
            ("", "Anyone"),
            *((str(m.user_id), m.user.email) for m in members),
            (NOBODY, "Nobody"),
        ]

    def filters(self) -> PlanFilters:
        """The valid filters; an invalid one (shown beside its field) filters nothing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return PlanFilters(
            owner=data.get("owner", ""), status=data.get("status", ""), due=data.get("due", "")
        )


class CommentForm(forms.Form):
    """A comment in a thread: on a criterion (its code) or, with none, on the whole."""

    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write a comment first."},
    )
    criterion = forms.CharField(
        required=False, max_length=max_length_of(Criterion, "code"), widget=forms.HiddenInput
    )


class WorkbookUploadForm(forms.Form):
    """A filled-in assessment workbook: an .xlsx file of bounded size, checked as a zip."""

    file = forms.FileField(
        label="Filled-in workbook (.xlsx)",
        help_text="The workbook you downloaded here, at most 5 MB.",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".xlsx"):
            raise forms.ValidationError(
                "This is not an Excel workbook (.xlsx). Upload the workbook you downloaded here."
            )
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        upload.seek(0)
        error = upload_error(upload.read())
        upload.seek(0)
        if error:
            raise forms.ValidationError(error)
        return upload


class WorkbookConfirmForm(forms.Form):
    """The lead's choice for each conflict of a previewed workbook (fields made per conflict)."""

    def __init__(self, *args: Any, conflicts: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code in conflicts:
            self.fields[f"choice-{code}"] = forms.ChoiceField(
                label=code.upper(),
                choices=[("workbook", "The workbook's answer"), ("site", "The site's answer")],
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose which answer to keep for {code.upper()}."},
            )
        self.conflicts = list(conflicts)

    def choices(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"choice-{code}"] for code in self.conflicts}

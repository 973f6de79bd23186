"""Writes of the assessment journey: cycles, starting, answering, planning, submitting, review.

Every service is atomic, validates, and writes its audit row in the same transaction.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from commitments.models import Commitment, Criterion
from commitments.selectors import Crosswalk, crosswalk
from lhs_assess.history import delete_with_author, save_with_author
from notifications.models import Kind
from notifications.services import notify
from organizations.models import Membership, Organization, User
from organizations.selectors import organization_people, reviewers
from organizations.services import audit_log

from .evidence import EVIDENCE_TYPES, evidence_name, evidence_upload_error, not_stored_message
from .models import (
    COMMENT_MAX_LENGTH,
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    Comment,
    CommitmentScore,
    Cycle,
    EvidenceFile,
    Thread,
    day,
)
from .scoring import ScoredAnswer, commitment_scores, overall_score
from .selectors import extension_until

MAX_LINKS = 20
LINK_MAX_LENGTH = 2_000  # what browsers and servers reliably carry in one address
EVIDENCE_LINKS_MAX_LENGTH = MAX_LINKS * (LINK_MAX_LENGTH + 1)
# The bounded texts of an answer: the model's max_length, checked here for callers without a form.
_ANSWER_TEXTS = ("na_reason", "evidence", "notes", "change_reason")
# A bare host such as www.example.org is a web address people type; anything with spaces is not.
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#]\S*)?$")


# What carrying forward copies from last cycle's answers and open plan items.
CARRIED_ANSWER_FIELDS = (
    "level", "not_applicable", "na_reason", "evidence", "evidence_links", "notes", "confidence",
)  # fmt: skip
CARRIED_ACTION_FIELDS = ("target_level", "title", "description", "owner", "due_date", "status")


def _fields_of(row: object, names: Sequence[str]) -> dict[str, object]:
    return {name: getattr(row, name) for name in names}


# --- Starting, with learning carried from the last cycle ----------------------------------------


def last_submitted_assessment(
    *, organization: Organization, before: Cycle | None = None
) -> Assessment | None:
    """The organization's most recently submitted (or accepted) assessment of another cycle."""
    qs = Assessment.objects.filter(
        organization=organization, status__in=Assessment.SUBMITTED_STATES
    )
    if before is not None:
        qs = qs.exclude(cycle=before)
    return qs.order_by("-submitted_at").select_related("cycle").first()


@transaction.atomic
def assessment_start(
    *, organization: Organization, cycle: Cycle, by: User, carry_forward: bool = False
) -> Assessment:
    """Create the organization's assessment for an open cycle, one empty answer per criterion;
    with carry_forward, copy the last submitted answers and open actions where the criterion
    (by code) still exists, flagged to be confirmed."""
    if cycle.status != Cycle.Status.OPEN:
        raise ValidationError("This cycle is not open.")
    if not cycle.accepts_new_assessments(timezone.localdate()):  # open, but past its close
        raise ValidationError(
            f"The {cycle.name} cycle closed on {day(cycle.closes_on)}: "
            "no new assessment can be started in it."
        )
    if Assessment.objects.filter(organization=organization, cycle=cycle).exists():
        raise ValidationError("Your organization has already started this cycle's assessment.")
    source = last_submitted_assessment(organization=organization, before=cycle)
    if carry_forward and source is None:
        raise ValidationError("There is no earlier submitted assessment to start from.")
    assessment = Assessment(
        organization=organization,
        cycle=cycle,
        created_by=by,
        carried_from=source if carry_forward else None,
    )
    save_with_author(assessment, by)
    criteria = list(
        Criterion.objects.filter(commitment__rubric_id=cycle.rubric_id).select_related("commitment")
    )
    walk: Crosswalk | None = None
    previous: dict[str, list[Answer]] = {}
    if carry_forward and source is not None:
        # Only this organization's own earlier answers, through the crosswalk between the two
        # rubric versions (by criterion code within one version).
        walk = crosswalk(source=source.cycle.rubric, target=cycle.rubric)
        old = {
            r.criterion.code: r
            for r in Answer.objects.filter(assessment=source).select_related("criterion")
        }
        previous = {
            code: [old[c] for c in lineage.sources if c in old and old[c].is_answered]
            for code, lineage in walk.lineage.items()
        }
    now = timezone.now()
    answers = []
    for criterion in criteria:
        olds = previous.get(criterion.code)
        if walk is not None and olds:
            lineage = walk.lineage[criterion.code]
            answers.append(
                Answer(
                    assessment=assessment,
                    criterion=criterion,
                    **carried_fields(olds),
                    carried_forward=True,
                    carried_kind=lineage.kind if walk.crosses_versions else "",
                    carried_from_codes=", ".join(a.criterion.code for a in olds)
                    if walk.crosses_versions
                    else "",
                    answered_by=by,
                    updated_at=now,
                )
            )
        else:
            answers.append(Answer(assessment=assessment, criterion=criterion))
    Answer.objects.bulk_create(answers)
    carried_actions = 0
    if walk is not None and source is not None:
        carried_actions = _carry_actions(source=source, to=assessment, criteria=criteria, walk=walk)
    audit_log(
        action="assessment.start",
        actor=by,
        target=assessment,
        organization=organization,
        detail={
            "cycle": cycle.name,
            "carried_from": source.pk if carry_forward and source else None,
            "carried_answers": sum(r.carried_forward for r in answers),
            "carried_actions": carried_actions,
        },
    )
    return assessment


def carried_fields(olds: Sequence[Answer]) -> dict[str, object]:
    """What a new answer copies from the earlier answers it descends from: one answer as it
    was; merged answers as the lower level (the merged criterion asks for both), with the
    evidence and notes of each under its code."""
    if len(olds) == 1:
        fields = _fields_of(olds[0], CARRIED_ANSWER_FIELDS)
        fields["notes_carried"] = bool(olds[0].notes.strip())
        return fields
    levels = [a.level for a in olds if a.level is not None]
    confidences = [a.confidence for a in olds if a.confidence]
    order = ["low", "medium", "high"]

    def joined(name: str) -> str:
        parts = [f"{a.criterion.code.upper()}: {getattr(a, name).strip()}" for a in olds]
        return "\n\n".join(p for p, a in zip(parts, olds, strict=True) if getattr(a, name).strip())

    links: list[str] = []
    for a in olds:
        links += [link for link in a.evidence_links or [] if link not in links]
    notes = joined("notes")
    return {
        "level": min(levels) if levels else None,
        "not_applicable": not levels,
        "na_reason": "" if levels else joined("na_reason"),
        "evidence": joined("evidence"),
        "evidence_links": links,
        "notes": notes,
        "notes_carried": bool(notes),
        "confidence": min(confidences, key=order.index) if confidences else "",
    }


def _carry_actions(
    *, source: Assessment, to: Assessment, criteria: list[Criterion], walk: Crosswalk
) -> int:
    by_code = {c.code: c for c in criteria}
    # An old criterion's plan item follows it to the (first) criterion it became; a retired
    # criterion's item stays with its commitment, naming no criterion.
    became = {old: new for new, ln in walk.lineage.items() for old in ln.sources}
    commitments = {c.commitment.code: c.commitment for c in criteria}
    items = []
    for item in ActionItem.objects.filter(
        assessment=source, status__in=ActionItem.OPEN_STATES
    ).select_related("commitment", "criterion"):
        commitment = commitments.get(item.commitment.code)
        if commitment is None:
            continue  # the commitment left the rubric; its plan stays with the old assessment
        criterion = by_code.get(became.get(item.criterion.code, "")) if item.criterion else None
        items.append(
            ActionItem(
                assessment=to,
                commitment=commitment,
                criterion=criterion,
                **_fields_of(item, CARRIED_ACTION_FIELDS),
                carried_forward=True,
            )
        )
    ActionItem.objects.bulk_create(items)
    return len(items)


# --- Answering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    level: int | None
    not_applicable: bool
    na_reason: str
    evidence: str
    evidence_links: Sequence[str]
    notes: str
    confidence: str
    change_reason: str = ""


def link_normalized(text: str) -> str:
    """A link as people type it, made a web address: `www.example.org/x` becomes
    `https://www.example.org/x`; anything else is left for the validator to judge."""
    link = text.strip()
    if "://" not in link and _BARE_HOST.match(link):
        return f"https://{link}"
    return link


class StaleAnswerError(Exception):
    """Someone saved this answer after the person opened it; their version is in `current`."""

    def __init__(self, current: Answer) -> None:
        super().__init__(f"{current.criterion.code.upper()} was changed by someone else.")
        self.current = current


def _require_editable(assessment: Assessment) -> None:
    """Refuse, saying why, a write that Assessment.write_refusal (the one rule) forbids today."""
    refusal = assessment.write_refusal(
        today=timezone.localdate(), extended_until=extension_until(assessment=assessment)
    )
    if refusal is not None:
        raise ValidationError(refusal)


def validate_answer_input(data: AnswerInput) -> dict[str, list[str]]:
    """Field errors of one answer, keyed by field name (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if data.not_applicable and data.level is not None:
        errors.setdefault("level", []).append("Choose a level or not applicable, not both.")
    if data.not_applicable and not data.na_reason.strip():
        errors.setdefault("na_reason", []).append(
            "Say why this criterion does not apply to your organization."
        )
    if data.level is not None and not 1 <= data.level <= 5:
        errors.setdefault("level", []).append("A level is 1 to 5.")
    for name in _ANSWER_TEXTS:
        limit = getattr(Answer._meta.get_field(name), "max_length", None) or 0
        if len(getattr(data, name)) > limit:
            errors.setdefault(name, []).append(f"At most {limit:,} characters.")
    if len(data.evidence_links) > MAX_LINKS:
        errors.setdefault("evidence_links", []).append(f"At most {MAX_LINKS} links.")
    check = URLValidator(schemes=["http", "https"])
    for link in data.evidence_links:
        if len(link) > LINK_MAX_LENGTH:
            errors.setdefault("evidence_links", []).append(
                f"A link is at most {LINK_MAX_LENGTH:,} characters."
            )
            continue
        try:
            check(link)
        except ValidationError:
            errors.setdefault("evidence_links", []).append(
                f"“{link[:80]}” is not a web address (it should start with https://)."
            )
    if data.confidence not in ("", *Answer.Confidence.values):
        errors.setdefault("confidence", []).append("Choose low, medium or high.")
    return errors


@transaction.atomic
def answers_save(
    *,
    assessment: Assessment,
    answers: Mapping[int, tuple[int, AnswerInput]],
    by: User,
) -> list[Answer]:
    """Save several answers of one assessment at once: {answer id: (version seen, input)}.

    All or nothing: if any answer was changed by someone else since it was read, nothing is
    saved and StaleAnswerError names the first such answer with its current content.
    Answers whose input equals what is stored are left alone (no new version, no history).
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(assessment)
    # Row locks: two people saving the same answers at once are serialized, so the version
    # check below cannot pass for both.
    rows = {
        r.pk: r
        # of=self: answered_by is a nullable join, which PostgreSQL will not lock.
        for r in Answer.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, pk__in=list(answers))
        .select_related("criterion", "answered_by")
    }
    if len(rows) != len(answers):
        raise ValidationError("An answer does not belong to this assessment.")
    for pk, (seen_version, data) in answers.items():
        errors = validate_answer_input(data)
        if errors:
            raise ValidationError(errors)
        if rows[pk].version != seen_version:
            raise StaleAnswerError(rows[pk])
    saved = []
    now = timezone.now()
    for pk, (_, data) in answers.items():
        row = rows[pk]
        values = {
            "level": None if data.not_applicable else data.level,
            "not_applicable": data.not_applicable,
            "na_reason": data.na_reason.strip() if data.not_applicable else "",
            "evidence": data.evidence,
            "evidence_links": list(data.evidence_links),
            "notes": data.notes,
            "confidence": data.confidence,
            "change_reason": data.change_reason.strip(),
        }
        if all(getattr(row, f) == v for f, v in values.items()):
            continue
        if row.notes != data.notes:
            row.notes_carried = False  # the notes are now this cycle's own
        for f, v in values.items():
            setattr(row, f, v)
        row.carried_forward = False  # saving an answer confirms it
        row.answered_by = by
        row.updated_at = now
        row.version += 1
        save_with_author(
            row,
            by,
            update_fields=[
                *values,
                "notes_carried",
                "carried_forward",
                "answered_by",
                "updated_at",
                "version",
            ],
        )
        saved.append(row)
    if saved:
        audit_log(
            action="answer.save",
            actor=by,
            target=assessment,
            organization=assessment.organization,
            detail={"criteria": [r.criterion.code for r in saved]},
        )
    return saved


@transaction.atomic
def answer_confirm(*, answer: Answer, by: User) -> Answer:
    """Confirm an answer carried forward from the last cycle, unchanged."""
    answer = Answer.objects.select_for_update().select_related("assessment").get(pk=answer.pk)
    _require_editable(answer.assessment)
    if answer.carried_forward:
        _confirmed(answer, by, timezone.now())
    return answer


def _confirmed(answer: Answer, by: User, now: datetime) -> None:
    answer.carried_forward = False
    answer.version += 1
    answer.answered_by = by
    answer.updated_at = now
    save_with_author(
        answer, by, update_fields=["carried_forward", "version", "answered_by", "updated_at"]
    )


def _carried(assessment: Assessment, commitment: Commitment | None) -> QuerySet[Answer]:
    """Carried answers that may be kept unchanged together: not those carried across a split
    or a merge, which answered another question and are confirmed one by one."""
    qs = Answer.objects.filter(assessment=assessment, carried_forward=True).exclude(
        carried_kind__in=Answer.LOOK_KINDS
    )
    if commitment is not None:
        qs = qs.filter(criterion__commitment=commitment)
    return qs


def answers_to_keep(
    *, assessment: Assessment, commitment: Commitment | None = None
) -> list[Answer]:
    """The answers carried forward and not yet confirmed, of one commitment or of all."""
    qs = _carried(assessment, commitment)
    return list(
        qs.select_related("criterion__commitment").order_by(
            "criterion__commitment__order", "criterion__order"
        )
    )


@transaction.atomic
def answers_keep_unchanged(
    *, assessment: Assessment, by: User, commitment: Commitment | None = None, expected: int
) -> list[Answer]:
    """Confirm at once every carried-forward answer of one commitment (or of the assessment).

    `expected` is how many the person was shown; if that changed meanwhile (someone else
    confirmed or changed one), nothing is confirmed and the person is shown the list again.
    """
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(assessment)
    qs = _carried(assessment, commitment).select_for_update(of=("self",))
    answers = list(
        qs.select_related("criterion").order_by("criterion__commitment__order", "criterion__order")
    )
    if len(answers) != expected:
        raise ValidationError(
            f"The answers to confirm changed while you looked: {len(answers)} are left now, "
            f"not {expected}. Check the list and confirm again."
        )
    now = timezone.now()
    for answer in answers:
        _confirmed(answer, by, now)
    if answers:
        audit_log(
            action="answer.keep",
            actor=by,
            target=assessment,
            organization=assessment.organization,
            detail={"criteria": [a.criterion.code for a in answers]},
        )
    return answers


@transaction.atomic
def commitment_answers_save(
    *,
    assessment: Assessment,
    answers: Mapping[int, tuple[int, AnswerInput]],
    uploads: Mapping[int, UploadedFile],
    by: User,
) -> tuple[list[Answer], list[EvidenceFile]]:
    """Save a commitment page at once: its answers, then files ({answer id: upload}).

    All or nothing, like answers_save: a refused file undoes the answers saved with it.
    """
    saved = answers_save(assessment=assessment, answers=answers, by=by)
    rows = {
        r.pk: r
        for r in Answer.objects.filter(assessment=assessment, pk__in=list(uploads)).select_related(
            "assessment__organization", "criterion"
        )
    }
    if len(rows) != len(uploads):
        raise ValidationError("A file names an answer of another assessment.")
    files = [
        evidence_file_add(answer=rows[pk], upload=upload, by=by) for pk, upload in uploads.items()
    ]
    return saved, files


@transaction.atomic
def evidence_file_add(*, answer: Answer, upload: UploadedFile, by: User) -> EvidenceFile:
    """Attach a file to an answer, refusing types and sizes we do not keep."""
    _require_editable(answer.assessment)
    error = evidence_upload_error(upload)
    if error:
        raise ValidationError({"file": error})
    name = evidence_name(upload)
    stored = EvidenceFile(
        answer=answer,
        original_name=name,
        content_type=EVIDENCE_TYPES[PurePath(name).suffix.lower()],
        size=upload.size or 0,
        uploaded_by=by,
    )
    try:
        stored.file.save(name, upload, save=False)
    except OSError as exc:  # a full disk: the storage removed what it had written
        raise ValidationError({"file": not_stored_message(name, exc)}) from exc
    stored.save()
    audit_log(
        action="evidence.upload",
        actor=by,
        target=stored,
        organization=answer.assessment.organization,
        detail={"criterion": answer.criterion.code, "name": name, "size": upload.size},
    )
    return stored


@transaction.atomic
def evidence_file_remove(*, stored: EvidenceFile, by: User) -> EvidenceFile:
    """Take a file off its answer. The row and the stored file stay, so the history and the
    audit log still say what was there and who removed it."""
    stored = (
        EvidenceFile.objects.select_for_update(of=("self",))
        .select_related("answer__assessment__organization", "answer__criterion")
        .get(pk=stored.pk)
    )
    _require_editable(stored.answer.assessment)
    if stored.removed_at is None:
        stored.removed_at = timezone.now()
        stored.removed_by = by
        save_with_author(stored, by, update_fields=["removed_at", "removed_by"])
        audit_log(
            action="evidence.remove",
            actor=by,
            target=stored,
            organization=stored.answer.assessment.organization,
            detail={"criterion": stored.answer.criterion.code, "name": stored.original_name},
        )
    return stored


# --- Assignments and the improvement plan --------------------------------------------------------


@transaction.atomic
def assignment_set(
    *, assessment: Assessment, commitment: Commitment, membership: Membership | None, by: User
) -> Assignment | None:
    """Give a commitment to a member of the organization (None removes the assignment)."""
    _require_editable(assessment)
    if commitment.rubric_id != assessment.cycle.rubric_id:
        raise ValidationError("That commitment is not part of this assessment's rubric.")
    current = Assignment.objects.filter(assessment=assessment, commitment=commitment).first()
    if membership is None:
        if current is not None:
            delete_with_author(current, by)
        return None
    if membership.organization_id != assessment.organization_id:
        raise ValidationError({"membership": "Only members of your organization can be assigned."})
    if membership.role in (Membership.Role.VIEWER, Membership.Role.PARTNER):
        raise ValidationError(
            {"membership": "Viewers and partners do not write; assign a contributor or lead."}
        )
    before = current.membership_id if current is not None else None
    assignment = current or Assignment(assessment=assessment, commitment=commitment)
    assignment.membership = membership
    assignment.assigned_by = by
    save_with_author(assignment, by)
    audit_log(
        action="assignment.set",
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail={"commitment": commitment.code, "member": membership.user.email},
    )
    if before != membership.pk:
        name = assessment.cycle.name
        notify(
            kind=Kind.ASSIGNED,
            recipients=[membership.user],
            subject=f"{commitment.name} of the {name} assessment is yours to answer",
            body=(
                f"{by.email} asked you to answer {commitment.name} in the {name} assessment "
                f"of {assessment.organization.name}."
            ),
            path=reverse("assessments:commitment", args=[assessment.pk, commitment.code]),
            exclude=by,
        )
    return assignment


@transaction.atomic
def assignments_set(
    *, assessment: Assessment, choices: Mapping[Commitment, Membership | None], by: User
) -> list[str]:
    """Set several commitments' assignees at once; returns the codes that changed."""
    current = {
        a.commitment_id: a.membership_id
        for a in Assignment.objects.filter(assessment=assessment).only(
            "commitment_id", "membership_id"
        )
    }
    changed = []
    for commitment, membership in choices.items():
        if current.get(commitment.pk) == (membership.pk if membership else None):
            continue
        assignment_set(assessment=assessment, commitment=commitment, membership=membership, by=by)
        changed.append(commitment.code)
    return changed


@dataclass(frozen=True)
class ActionInput:
    title: str
    description: str
    criterion: Criterion | None
    target_level: int | None
    owner: User | None
    due_date: date | None
    status: str


@transaction.atomic
def action_item_save(
    *,
    assessment: Assessment,
    commitment: Commitment,
    data: ActionInput,
    by: User,
    item: ActionItem | None = None,
) -> ActionItem:
    """Create or update one step of a commitment's improvement plan."""
    _require_editable(assessment)
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = ["Give the action a short title."]
    if data.criterion is not None and data.criterion.commitment_id != commitment.pk:
        errors["criterion"] = ["Choose a criterion of this commitment."]
    if data.target_level is not None and not 1 <= data.target_level <= 5:
        errors["target_level"] = ["A target level is 1 to 5."]
    if (
        data.owner is not None
        and not Membership.objects.filter(
            organization_id=assessment.organization_id, user=data.owner
        )
        .exclude(role=Membership.Role.PARTNER)
        .exists()
    ):
        errors["owner"] = ["The owner must be a member of your organization."]
    if data.status not in ActionItem.Status.values:
        errors["status"] = ["Choose a status."]
    if errors:
        raise ValidationError(errors)
    if item is None:
        item = ActionItem(assessment=assessment, commitment=commitment)
    elif item.assessment_id != assessment.pk or item.commitment_id != commitment.pk:
        raise ValidationError("That action belongs to another plan.")
    item.title = data.title.strip()
    item.description = data.description
    item.criterion = data.criterion
    item.target_level = data.target_level
    item.owner = data.owner
    item.due_date = data.due_date
    item.status = data.status
    item.carried_forward = False
    save_with_author(item, by)
    audit_log(
        action="action.save",
        actor=by,
        target=item,
        organization=assessment.organization,
        detail={"commitment": commitment.code, "title": item.title},
    )
    return item


# --- Submitting, scoring, review ----------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A criterion that blocks submission, and why."""

    commitment_code: str
    commitment_name: str
    criterion_code: str
    reason: str


def answers_missing(*, assessment: Assessment) -> list[Missing]:
    """Every criterion still without a level or an N/A reason, or carried but unconfirmed."""
    missing = []
    for r in Answer.objects.filter(assessment=assessment).select_related("criterion__commitment"):
        reason = r.blocker
        if reason is not None:
            commitment = r.criterion.commitment
            missing.append(Missing(commitment.code, commitment.name, r.criterion.code, reason))
    return missing


def commitment_scores_store(*, assessment: Assessment) -> dict[str, Decimal | None]:
    """Compute and store each commitment's score (replacing any from an earlier submission)."""
    answers = list(
        Answer.objects.filter(assessment=assessment).select_related("criterion__commitment")
    )
    scores = commitment_scores(
        ScoredAnswer(r.criterion.commitment.code, r.criterion.weight, r.level) for r in answers
    )
    commitments = {r.criterion.commitment.code: r.criterion.commitment for r in answers}
    CommitmentScore.objects.filter(assessment=assessment).delete()
    CommitmentScore.objects.bulk_create(
        CommitmentScore(
            assessment=assessment,
            commitment=commitments[code],
            score=score,
            answered=sum(
                1 for r in answers if r.criterion.commitment.code == code and r.level is not None
            ),
            not_applicable=sum(
                1 for r in answers if r.criterion.commitment.code == code and r.not_applicable
            ),
        )
        for code, score in scores.items()
    )
    assessment.overall_score = overall_score(scores)
    assessment.save(update_fields=["overall_score"])
    return scores


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User) -> Assessment:
    """Lock the assessment and store its scores; refuses while anything is missing."""
    # Row lock: two leads pressing submit at once must not store scores twice.
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require_editable(assessment)
    missing = answers_missing(assessment=assessment)
    if missing:
        raise ValidationError(
            f"{len(missing)} criteria still need a level or a reason for not applicable."
        )
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = by
    save_with_author(assessment, by, update_fields=["status", "submitted_at", "submitted_by"])
    commitment_scores_store(assessment=assessment)
    audit_log(
        action="assessment.submit",
        actor=by,
        target=assessment,
        organization=assessment.organization,
    )
    return assessment


# --- Review threads ------------------------------------------------------------------------------
# A conversation per criterion (and one on the whole assessment) between the organization's
# editors and the consortium's reviewers; it outlives returns and resubmissions.

MENTION = re.compile(r"(?<![\w.])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")


def mentioned(body: str, people: Sequence[User]) -> list[User]:
    """The people named in the text as @someone (the part of their email before the @) or
    @someone@example.org; a short name two people share names neither."""
    by_email = {u.email.lower(): u for u in people}
    by_local: dict[str, list[User]] = {}
    for u in people:
        by_local.setdefault(u.email.split("@", 1)[0].lower(), []).append(u)
    found: dict[int, User] = {}
    for name in (m.group(1).lower().rstrip(".") for m in MENTION.finditer(body)):
        person = by_email.get(name)
        if person is None and len(by_local.get(name, [])) == 1:
            person = by_local[name][0]
        if person is not None:
            found[person.pk] = person
    return list(found.values())


def discussion_people(assessment: Assessment) -> list[User]:
    """Who can read the assessment's threads: its organization's members and, once it is
    submitted, the consortium's reviewers; the people a mention may name."""
    people = {u.pk: u for u in organization_people(organization=assessment.organization)}
    if assessment.status != Assessment.Status.DRAFT:
        people |= {u.pk: u for u in reviewers()}
    return list(people.values())


def _thread_place(thread: Thread) -> str:
    if thread.criterion is None:
        return f"the {thread.assessment.cycle.name} assessment as a whole"
    return f"{thread.criterion.code.upper()} ({thread.criterion.prompt})"


def thread_path_for(*, assessment: Assessment, criterion: Criterion | None) -> str:
    """The page where the organization reads a criterion's thread (or the whole one's)."""
    if criterion is None:
        return reverse("assessments:overview", args=[assessment.pk]) + "#thread-general"
    return (
        reverse("assessments:commitment", args=[assessment.pk, criterion.commitment.code])
        + f"#thread-{criterion.code}"
    )


def _anchor_of(thread: Thread) -> str:
    return f"#thread-{thread.criterion.code if thread.criterion else 'general'}"


def thread_path(thread: Thread) -> str:
    return thread_path_for(assessment=thread.assessment, criterion=thread.criterion)


@transaction.atomic
def comment_add(
    *,
    assessment: Assessment,
    criterion: Criterion | None,
    body: str,
    by: User,
    quiet: bool = False,
) -> Comment:
    """Write in the criterion's thread (started on first use); a reply to a resolved thread
    reopens it. The thread's earlier writers, the people mentioned and the assessment's
    reviewer are mailed, unless `quiet` (the caller mails about the same event itself)."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": ["Write a comment first."]})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"body": [f"A comment holds at most {COMMENT_MAX_LENGTH:,} characters."]}
        )
    if criterion is not None and criterion.commitment.rubric_id != assessment.cycle.rubric_id:
        raise ValidationError("That criterion is not part of this assessment's rubric.")
    thread, _ = Thread.objects.select_for_update().get_or_create(
        assessment=assessment, criterion=criterion
    )
    reopened = thread.resolved_at is not None
    if reopened:
        thread.resolved_at, thread.resolved_by = None, None
        thread.save(update_fields=["resolved_at", "resolved_by"])
    earlier = list(
        User.objects.filter(
            pk__in=Comment.objects.filter(thread=thread).values("author_id"), is_active=True
        )
    )
    comment = Comment.objects.create(thread=thread, author=by, body=body)
    people = discussion_people(assessment)
    named = mentioned(body, people)
    if named:
        comment.mentions.set(named)
    audit_log(
        action="thread.comment",
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail={
            "criterion": criterion.code if criterion else None,
            "comment": comment.pk,
            "mentions": [u.email for u in named],
            "reopened": reopened,
        },
    )
    if quiet:
        return comment
    place = _thread_place(thread)
    excerpt = body if len(body) <= 600 else body[:600] + "…"
    org = assessment.organization.name
    others = [u for u in earlier if u not in named]
    if assessment.reviewer is not None and assessment.reviewer not in named:
        others.append(assessment.reviewer)
    staff = {u.pk for u in reviewers()}
    review = reverse("consortium:review", args=[assessment.pk]) + _anchor_of(thread)
    for people, subject, said in (
        (named, f"{by.email} mentioned you on {place[:80]} · {org}", "mentioned you in"),
        (others, f"New reply on {place[:80]} · {org}", "wrote in"),
    ):
        for is_staff in (True, False):  # staff read it on the review page
            group = [u for u in people if (u.pk in staff) == is_staff]
            notify(
                kind=Kind.THREAD,
                recipients=group,
                subject=subject,
                body=f"{by.email} {said} the thread on {place}, {org}:\n\n{excerpt}",
                path=review if is_staff else thread_path(thread),
                exclude=by,
            )
    return comment


@transaction.atomic
def thread_resolve(*, thread: Thread, by: User, resolved: bool = True) -> Thread:
    """Mark the thread answered (or open it again); its comments stay."""
    thread = (
        Thread.objects.select_for_update(of=("self",)).select_related("criterion").get(pk=thread.pk)
    )
    if thread.is_resolved == resolved:
        return thread
    thread.resolved_at = timezone.now() if resolved else None
    thread.resolved_by = by if resolved else None
    thread.save(update_fields=["resolved_at", "resolved_by"])
    audit_log(
        action="thread.resolve" if resolved else "thread.reopen",
        actor=by,
        target=thread.assessment,
        organization=thread.assessment.organization,
        detail={"criterion": thread.criterion.code if thread.criterion else None},
    )
    return thread

"""Writes of the consortium staff: opening and closing cycles, accepting or returning an assessment.

Staff never change an organization's answers; every service here is atomic and writes its
audit row in the same transaction.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    CommitmentAcceptance,
    Cycle,
    EvidenceFile,
    Extension,
    day,
)
from assessments.selectors import open_threads
from assessments.services import comment_add
from commitments.models import Commitment, Rubric
from lhs_assess.history import save_with_author
from notifications.models import Kind
from notifications.services import notify
from organizations.models import Membership, Organization, User
from organizations.selectors import organization_people, reviewers
from organizations.services import audit_log
from reports.models import Report
from reports.services import report_enqueue

from .dashboard import DashboardFilters
from .report import PAPER_SIZES, consortium_fingerprint, filter_values

CYCLE_FIELDS = ("name", "opens_on", "due_on", "closes_on")  # what cycle_update may change


def _cycle_dates_errors(*, opens_on: date, due_on: date, closes_on: date) -> dict[str, list[str]]:
    """Dates out of order, each error on the field to correct (the database checks them too)."""
    if closes_on < opens_on:  # the due day cannot be judged until these two are in order
        return {"closes_on": ["A cycle closes on or after the day it opens."]}
    if due_on < opens_on:
        return {"due_on": ["Submissions are due on or after the day the cycle opens."]}
    if due_on > closes_on:
        return {"due_on": ["Submissions are due on or before the day the cycle closes."]}
    return {}


@transaction.atomic
def cycle_create(
    *, name: str, rubric: Rubric, opens_on: date, due_on: date, closes_on: date, by: User
) -> Cycle:
    """A new cycle, not yet open, bound to a published rubric."""
    errors = _cycle_dates_errors(opens_on=opens_on, due_on=due_on, closes_on=closes_on)
    if rubric.status != Rubric.Status.PUBLISHED:
        errors["rubric"] = ["Only a published rubric can be chosen for a cycle."]
    if Cycle.objects.filter(name=name).exists():
        errors["name"] = [f"A cycle named {name} exists already."]
    if errors:
        raise ValidationError(errors)
    cycle = Cycle.objects.create(
        name=name, rubric=rubric, opens_on=opens_on, due_on=due_on, closes_on=closes_on
    )
    audit_log(action="cycle.create", actor=by, target=cycle, detail={"name": name})
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, name: str, opens_on: date, due_on: date, closes_on: date, by: User
) -> Cycle:
    """Rename a cycle or move its dates (its rubric stays: assessments are bound to it).

    Moving the closing day later reopens every unsubmitted assessment until then; moving it
    earlier locks them, extensions aside."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    errors = _cycle_dates_errors(opens_on=opens_on, due_on=due_on, closes_on=closes_on)
    if Cycle.objects.filter(name=name).exclude(pk=cycle.pk).exists():
        errors["name"] = [f"A cycle named {name} exists already."]
    if errors:
        raise ValidationError(errors)
    before = {f: str(getattr(cycle, f)) for f in CYCLE_FIELDS}
    cycle.name, cycle.opens_on, cycle.due_on, cycle.closes_on = name, opens_on, due_on, closes_on
    cycle.save(update_fields=list(CYCLE_FIELDS))
    after = {f: str(getattr(cycle, f)) for f in CYCLE_FIELDS}
    changed = {f: [before[f], after[f]] for f in CYCLE_FIELDS if before[f] != after[f]}
    if changed:
        audit_log(action="cycle.update", actor=by, target=cycle, detail=changed)
    return cycle


@transaction.atomic
def cycle_set_status(*, cycle: Cycle, status: str, by: User) -> Cycle:
    """Open a cycle (organizations may start assessments) or close it."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    allowed = {
        Cycle.Status.DRAFT: {Cycle.Status.OPEN},
        Cycle.Status.OPEN: {Cycle.Status.CLOSED},
        Cycle.Status.CLOSED: {Cycle.Status.OPEN},
    }
    if status == cycle.status:
        raise ValidationError(f"Cycle {cycle.name} is {status} already.")
    if status not in allowed[Cycle.Status(cycle.status)]:
        raise ValidationError(f"Cycle {cycle.name} is a draft: open it before it can be closed.")
    cycle.status = status
    cycle.save(update_fields=["status"])
    audit_log(action=f"cycle.{status}", actor=by, target=cycle)
    return cycle


@transaction.atomic
def extension_grant(
    *, cycle: Cycle, organization: Organization, until: date, reason: str, by: User
) -> Extension:
    """Let an organization keep changing its unsubmitted assessment of `cycle` until `until`
    (a second grant moves the date); the audit row keeps every grant with its reason."""
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = ["Say why this organization gets more time."]
    today = timezone.localdate()
    if until < cycle.closes_on:
        errors["until"] = [
            f"An extension runs to the cycle's closing day ({day(cycle.closes_on)}) or later."
        ]
    elif until < today:
        errors["until"] = ["An extension runs to today or later."]
    if not Assessment.objects.filter(
        cycle=cycle, organization=organization, status__in=Assessment.EDITABLE
    ).exists():
        errors["organization"] = [
            f"{organization.name} has no draft or returned assessment in {cycle.name}."
        ]
    if errors:
        raise ValidationError(errors)
    # Row lock: a second grant for the organization waits for the first to commit (two first
    # grants at once meet the unique constraint instead).
    extension = (
        Extension.objects.select_for_update().filter(cycle=cycle, organization=organization).first()
    )
    previous = extension.until.isoformat() if extension is not None else None
    if extension is None:
        extension = Extension(cycle=cycle, organization=organization)
    extension.until = until
    extension.reason = reason
    extension.granted_by = by
    extension.granted_at = timezone.now()
    save_with_author(extension, by)
    audit_log(
        action="extension.grant",
        actor=by,
        target=extension,
        organization=organization,
        detail={
            "cycle": cycle.name,
            "until": until.isoformat(),
            "previous_until": previous,
            "reason": reason,
        },
    )
    return extension


# --- Review ------------------------------------------------------------------------------------


def _decided(
    assessment: Assessment,
    status: str,
    *,
    by: User,
    action: str,
    detail: dict[str, object] | None = None,
) -> Assessment:
    """Record the reviewer's decision on a locked assessment, with its audit row."""
    assessment.status = status
    assessment.reviewed_at = timezone.now()
    assessment.reviewed_by = by
    save_with_author(assessment, by, update_fields=["status", "reviewed_at", "reviewed_by"])
    audit_log(
        action=action,
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail=detail or {},
    )
    return assessment


def _leads(assessment: Assessment) -> list[User]:
    """Who hears of a decision: the organization's leads and whoever submitted."""
    people = list(
        organization_people(organization=assessment.organization, roles=(Membership.Role.LEAD,))
    )
    if assessment.submitted_by is not None and assessment.submitted_by not in people:
        people.append(assessment.submitted_by)
    return people


@transaction.atomic
def assessment_accept(*, assessment: Assessment, by: User) -> Assessment:
    """Staff accept a submitted assessment: it stays read-only for good."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError("Only a submitted assessment can be accepted.")
    assessment = _decided(assessment, Assessment.Status.ACCEPTED, by=by, action="assessment.accept")
    name = assessment.cycle.name
    notify(
        kind=Kind.ACCEPTED,
        recipients=_leads(assessment),
        subject=f"Your {name} assessment is accepted",
        body=(
            f"The consortium ({by.email}) accepted the {name} assessment of "
            f"{assessment.organization.name}. Its maturity report is ready to build."
        ),
        path=reverse("assessments:overview", args=[assessment.pk]),
        exclude=by,
    )
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, by: User, message: str = "") -> Assessment:
    """Staff return a submitted assessment for changes: the open threads say what to change,
    and `message` (if any) is written in the thread on the whole assessment."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError("Only a submitted assessment can be returned.")
    if message.strip():
        comment_add(assessment=assessment, criterion=None, body=message, by=by, quiet=True)
    threads = open_threads(assessment=assessment)
    if not threads:
        raise ValidationError(
            {
                "message": [
                    "Say what needs to change: write a message here or a comment on a criterion."
                ]
            }
        )
    assessment.returned_at = timezone.now()
    assessment.save(update_fields=["returned_at"])
    assessment = _decided(
        assessment,
        Assessment.Status.RETURNED,
        by=by,
        action="assessment.return",
        detail={"open_threads": len(threads)},
    )
    listed = "\n".join(
        f"- {t.criterion.code.upper() if t.criterion else 'Whole assessment'}: "
        f"{t.last_comment.body[:200] if t.last_comment else ''}"
        for t in threads
    )
    name = assessment.cycle.name
    notify(
        kind=Kind.RETURNED,
        recipients=_leads(assessment),
        subject=f"Your {name} assessment is returned with {len(threads)} thread"
        f"{'s' if len(threads) != 1 else ''} to answer",
        body=(
            f"The consortium ({by.email}) returned the {name} assessment of "
            f"{assessment.organization.name} for changes. Answer these threads, change what "
            f"they ask, then submit again:\n\n{listed}"
        ),
        path=reverse("assessments:overview", args=[assessment.pk]),
        exclude=by,
    )
    return assessment


@transaction.atomic
def reviewer_assign(*, assessment: Assessment, reviewer: User | None, by: User) -> Assessment:
    """Give a submission to a reviewer (None: to nobody); the reviewer is mailed."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if reviewer is not None and not reviewers().filter(pk=reviewer.pk).exists():
        raise ValidationError({"reviewer": ["Only consortium reviewers can review."]})
    if assessment.reviewer_id == (reviewer.pk if reviewer else None):
        return assessment
    assessment.reviewer = reviewer
    assessment.save(update_fields=["reviewer"])
    audit_log(
        action="review.assign",
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail={"reviewer": reviewer.email if reviewer else None},
    )
    if reviewer is not None:
        org, name = assessment.organization.name, assessment.cycle.name
        notify(
            kind=Kind.ASSIGNED,
            recipients=[reviewer],
            subject=f"Review {org}, {name}",
            body=f"{by.email} asked you to review the {name} assessment of {org}.",
            path=reverse("consortium:review", args=[assessment.pk]),
            exclude=by,
        )
    return assessment


@transaction.atomic
def commitment_accept(
    *, assessment: Assessment, commitment: Commitment, by: User, accepted: bool = True
) -> None:
    """Mark one commitment of a submitted assessment as reviewed and fine (or undo it)."""
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError("Only a submitted assessment is being reviewed.")
    if commitment.rubric_id != assessment.cycle.rubric_id:
        raise ValidationError("That commitment is not part of this assessment's rubric.")
    if accepted:
        CommitmentAcceptance.objects.get_or_create(
            assessment=assessment, commitment=commitment, defaults={"accepted_by": by}
        )
    else:
        CommitmentAcceptance.objects.filter(assessment=assessment, commitment=commitment).delete()
    audit_log(
        action="review.commitment_accept" if accepted else "review.commitment_unaccept",
        actor=by,
        target=assessment,
        organization=assessment.organization,
        detail={"commitment": commitment.code},
    )


# --- The consortium report ----------------------------------------------------------------------


def consortium_report_request(
    *, filters: DashboardFilters, by: User, paper_size: str = "letter"
) -> Report:
    """The consortium report for the dashboard's filters, on US Letter or A4 pages (PDF and
    DOCX): a live one if it exists, else queued."""
    paper_size = paper_size if paper_size in PAPER_SIZES else "letter"
    return report_enqueue(
        kind=Report.Kind.CONSORTIUM,
        fingerprint=consortium_fingerprint(filters=filters, paper_size=paper_size),
        cycle=filters.cycle,
        params={"filters": filter_values(filters), "paper_size": paper_size},
        by=by,
    )


# --- Deleting an organization after its retention period -----------------------------------------


def organization_deletable_from(organization: Organization) -> date | None:
    """The first day an administrator may delete the organization; None while it is active."""
    if organization.is_active or organization.deactivated_at is None:
        return None
    until = organization.deactivated_at + timedelta(days=settings.ORGANIZATION_RETENTION_DAYS)
    return timezone.localdate(until)


def organization_data_counts(organization: Organization) -> dict[str, int]:
    """What deleting the organization would remove, for the confirmation and the audit row."""
    return {
        "members": Membership.objects.filter(organization=organization).count(),
        "assessments": Assessment.objects.filter(organization=organization).count(),
        "answers": Answer.objects.filter(assessment__organization=organization).count(),
        "evidence_files": EvidenceFile.objects.filter(
            answer__assessment__organization=organization
        ).count(),
        "reports": Report.objects.filter(assessment__organization=organization).count(),
    }


@transaction.atomic
def organization_delete(
    *, organization: Organization, by: User, request: HttpRequest | None = None
) -> dict[str, int]:
    """Delete an inactive organization and everything it entered once its retention period is
    over. Kept: the audit trail (its rows keep the organization's id, and this one its name) and
    the consortium reports already built, whose figures were published with it."""
    # Row lock: a reactivation at the same moment must not lose to the deletion.
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    deletable_from = organization_deletable_from(organization)
    if deletable_from is None:
        raise ValidationError(
            f"{organization.name} is active. Make it inactive first; its data may be deleted "
            f"{settings.ORGANIZATION_RETENTION_DAYS} days later."
        )
    if timezone.localdate() < deletable_from:
        raise ValidationError(
            f"{organization.name}'s data is kept until {day(deletable_from)} "
            f"({settings.ORGANIZATION_RETENTION_DAYS} days after it was made inactive)."
        )
    counts = organization_data_counts(organization)
    assessment_ids = list(
        Assessment.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    answer_ids = list(
        Answer.objects.filter(assessment_id__in=assessment_ids).values_list("pk", flat=True)
    )
    files = [
        name
        for name in EvidenceFile.objects.filter(answer_id__in=answer_ids).values_list(
            "file", flat=True
        )
        if name
    ]
    for report in Report.objects.filter(assessment_id__in=assessment_ids):
        files += [
            f.name
            for f in (report.html_file, report.pdf_file, report.xlsx_file, report.docx_file)
            if f
        ]
    audit_log(
        action="organization.delete",
        actor=by,
        target=organization,
        organization=organization,
        request=request,
        detail={
            "name": organization.name,
            "slug": organization.slug,
            "type": organization.type,
            "region": organization.region,
            "size_band": organization.size_band,
            "deactivated_at": organization.deactivated_at.isoformat()
            if organization.deactivated_at
            else None,
            **counts,
        },
    )
    # Cascades to memberships, invitations, extensions, assessments and all inside them, and
    # the maturity reports; consortium reports belong to cycles and stay.
    organization.delete()
    # History rows are copies of what was entered (deleting wrote one more of each): they go too.
    Answer.history.model.objects.filter(assessment_id__in=assessment_ids).delete()
    EvidenceFile.history.model.objects.filter(answer_id__in=answer_ids).delete()
    Assignment.history.model.objects.filter(assessment_id__in=assessment_ids).delete()
    ActionItem.history.model.objects.filter(assessment_id__in=assessment_ids).delete()
    Extension.history.model.objects.filter(organization_id=organization.pk).delete()
    transaction.on_commit(lambda: _delete_files(files))
    return counts


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)

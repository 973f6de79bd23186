"""Opening a round, inviting raters, rating, submitting, and recording the consensus."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Assessment, day
from assessments.services import AnswerInput, answers_save
from commitments.models import Commitment, Criterion
from notifications.models import Kind
from notifications.services import notify
from organizations.models import User
from organizations.services import audit_log

from .agreement import ordinal_alpha
from .models import (
    CONSENSUS_REASON_MAX_LENGTH,
    RATIONALE_MAX_LENGTH,
    Consensus,
    Rater,
    Rating,
    Round,
)
from .selectors import round_criteria


@transaction.atomic
def round_open(
    *,
    assessment: Assessment,
    commitments: Sequence[Commitment],
    closes_on: date,
    named: bool,
    by: User,
) -> Round:
    """Open a rating round on some of the assessment's commitments."""
    if assessment.status not in (Assessment.Status.DRAFT, Assessment.Status.RETURNED):
        raise ValidationError("Only an assessment being written can have a rating round.")
    if not commitments:
        raise ValidationError({"commitments": ["Choose at least one commitment to rate."]})
    if any(c.rubric_id != assessment.cycle.rubric_id for c in commitments):
        raise ValidationError({"commitments": ["Choose commitments of this assessment's rubric."]})
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": ["Choose today or a later day."]})
    rnd = Round.objects.create(
        assessment=assessment, closes_on=closes_on, named=named, opened_by=by
    )
    rnd.commitments.set(commitments)
    audit_log(
        action="round.open",
        actor=by,
        target=rnd,
        organization=assessment.organization,
        detail={"commitments": [c.code for c in commitments]},
    )
    return rnd


@transaction.atomic
def rater_invite(*, rnd: Round, user: User, is_partner: bool, by: User) -> Rater:
    if rnd.status != Round.Status.OPEN:
        raise ValidationError("This round is closed.")
    if Rater.objects.filter(round=rnd, user=user).exists():
        raise ValidationError({"email": [f"{user.email} is already invited to this round."]})
    rater = Rater.objects.create(round=rnd, user=user, is_partner=is_partner)
    organization = rnd.assessment.organization
    names = ", ".join(c.name for c in rnd.commitments.order_by("order"))
    notify(
        kind=Kind.RATING,
        recipients=[user],
        subject=f"{organization.name} asks for your ratings",
        body=(
            f"{by.get_full_name() or by.email} invites you to rate {organization.name} on "
            f"{names}, on your own: nobody sees your ratings before you submit them. You may "
            f"rate until {day(rnd.closes_on)}."
        ),
        path=reverse("ratings:sheet", args=[rnd.pk]),
        exclude=by,
    )
    audit_log(
        action="round.invite",
        actor=by,
        target=rnd,
        organization=rnd.assessment.organization,
        detail={"rater": user.email, "partner": is_partner},
    )
    return rater


def rating_closed(rnd: Round) -> str:
    """Why the round takes no more ratings, or "" while it does."""
    if rnd.status != Round.Status.OPEN or rnd.closes_on < timezone.localdate():
        return "This round is closed for ratings."
    if rnd.assessment.status not in Assessment.EDITABLE:
        # The report of a submitted assessment shows its ratings: they no longer change.
        return "The assessment is submitted: this round is closed for ratings."
    return ""


def _require_rating_open(rater: Rater) -> None:
    closed = rating_closed(rater.round)
    if closed:
        raise ValidationError(closed)
    if rater.submitted_at is not None:
        raise ValidationError("You have submitted your ratings; they can no longer change.")


@dataclass(frozen=True)
class RatingInput:
    level: int | None
    dont_know: bool
    rationale: str


def _validated(data: RatingInput) -> RatingInput:
    errors: dict[str, list[str]] = {}
    if data.dont_know and data.level is not None:
        errors["level"] = ["Choose a level or \u201cdon't know\u201d, not both."]
    if data.level is not None and not 1 <= data.level <= 5:
        errors["level"] = ["Choose a level from 1 to 5."]
    if len(data.rationale) > RATIONALE_MAX_LENGTH:
        errors["rationale"] = [f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters."]
    elif "\x00" in data.rationale:  # PostgreSQL refuses NUL in text; forms refuse it as well
        errors["rationale"] = ["Remove the null character from the rationale."]
    if errors:
        raise ValidationError(errors)
    return RatingInput(data.level, data.dont_know, data.rationale.strip())


@transaction.atomic
def rating_save(*, rater: Rater, criterion: Criterion, data: RatingInput) -> Rating:
    rater = (
        Rater.objects.select_for_update(of=("self",))
        .select_related("round__assessment")
        .get(pk=rater.pk)
    )
    _require_rating_open(rater)
    if not rater.round.commitments.filter(pk=criterion.commitment_id).exists():
        raise ValidationError("This criterion is not part of the round.")
    clean = _validated(data)
    rating, _ = Rating.objects.update_or_create(
        rater=rater,
        criterion=criterion,
        defaults={"level": clean.level, "dont_know": clean.dont_know, "rationale": clean.rationale},
    )
    return rating


@transaction.atomic
def rater_submit(*, rater: Rater) -> Rater:
    """Submit one's ratings: every criterion needs a level or "don't know"."""
    rater = (
        Rater.objects.select_for_update(of=("self",))
        .select_related("round__assessment")
        .get(pk=rater.pk)
    )
    _require_rating_open(rater)
    rated = set(
        Rating.objects.filter(rater=rater)
        .filter(Q(dont_know=True) | Q(level__isnull=False))
        .values_list("criterion_id", flat=True)
    )
    missing = [c.code.upper() for c in round_criteria(rater.round) if c.pk not in rated]
    if missing:
        raise ValidationError(
            f"Rate every criterion first (a level or \u201cdon't know\u201d): {', '.join(missing)}."
        )
    rater.submitted_at = timezone.now()
    rater.save(update_fields=["submitted_at"])
    _store_alpha(rater.round)
    audit_log(
        action="round.submit",
        actor=rater.user,
        target=rater.round,
        organization=rater.round.assessment.organization,
    )
    return rater


def _store_alpha(rnd: Round) -> None:
    """The round's alpha, without its interval (the bootstrap is for the pages that show it)."""
    criteria = [c.pk for c in round_criteria(rnd)]
    table: dict[int, dict[int, int | None]] = {}
    for rater_id, criterion_id, level in Rating.objects.filter(
        rater__round=rnd, rater__submitted_at__isnull=False
    ).values_list("rater_id", "criterion_id", "level"):
        table.setdefault(rater_id, {})[criterion_id] = level
    rows = [[by.get(c) for c in criteria] for by in table.values()]
    Round.objects.filter(pk=rnd.pk).update(alpha=ordinal_alpha(rows, samples=0).value)


@transaction.atomic
def consensus_record(
    *, rnd: Round, criterion: Criterion, level: int, reason: str, by: User
) -> Consensus:
    """Record the agreed level and why; it becomes the assessment's answer (with history)."""
    errors: dict[str, list[str]] = {}
    if not 1 <= level <= 5:
        errors["level"] = ["Choose a level from 1 to 5."]
    if not reason.strip():
        errors["reason"] = ["Say why the group chose this level."]
    elif len(reason) > CONSENSUS_REASON_MAX_LENGTH:
        errors["reason"] = [f"Keep the reason to {CONSENSUS_REASON_MAX_LENGTH:,} characters."]
    if errors:
        raise ValidationError(errors)
    if not rnd.commitments.filter(pk=criterion.commitment_id).exists():
        raise ValidationError("This criterion is not part of the round.")
    answer = Answer.objects.get(assessment=rnd.assessment_id, criterion=criterion)
    note = f"Consensus of rating round {rnd.pk}: {reason.strip()}"
    data = AnswerInput(
        level=level,
        not_applicable=False,
        na_reason="",
        evidence=answer.evidence,
        evidence_links=answer.evidence_links,
        notes=(answer.notes + "\n\n" + note).strip() if note not in answer.notes else answer.notes,
        confidence=answer.confidence,
        change_reason=answer.change_reason,
    )
    saved = answers_save(
        assessment=rnd.assessment, answers={answer.pk: (answer.version, data)}, by=by
    )
    version = saved[0].version if saved else answer.version
    consensus, _ = Consensus.objects.update_or_create(
        round=rnd,
        criterion=criterion,
        defaults={
            "level": level,
            "reason": reason.strip(),
            "answer_version": version,
            "recorded_by": by,
        },
    )
    audit_log(
        action="round.consensus",
        actor=by,
        target=rnd,
        organization=rnd.assessment.organization,
        detail={"criterion": criterion.code, "level": level},
    )
    return consensus


@transaction.atomic
def round_close(*, rnd: Round, by: User) -> Round:
    rnd.status = Round.Status.CLOSED
    rnd.save(update_fields=["status"])
    audit_log(action="round.close", actor=by, target=rnd, organization=rnd.assessment.organization)
    return rnd


REMIND_DAYS_BEFORE_CLOSE = 3


def rating_reminders_send(*, today: date | None = None) -> int:
    """Remind raters who have not submitted, once, when their round closes within three days.
    Keyed per round and person, so running it again (hourly, by beat) sends nothing twice."""
    today = today or timezone.localdate()
    waiting = Rater.objects.filter(
        submitted_at__isnull=True,
        round__status=Round.Status.OPEN,
        round__closes_on__gte=today,
        round__closes_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE_CLOSE),
    ).select_related("user", "round__assessment__organization")
    sent = 0
    for rater in waiting:
        rnd = rater.round
        left = (rnd.closes_on - today).days
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        sent += len(
            notify(
                kind=Kind.RATING,
                recipients=[rater.user],
                subject=f"Your ratings for {rnd.assessment.organization.name} close {when}",
                body=(
                    f"The rating round of {rnd.assessment.organization.name} closes {when} "
                    f"({day(rnd.closes_on)}) and your ratings are not submitted yet."
                ),
                path=reverse("ratings:sheet", args=[rnd.pk]),
                key=f"rating-due:{rnd.pk}",
            )
        )
    return sent

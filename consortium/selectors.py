"""Reads for the consortium staff's pages: cycles, the review queue and one review.

Callers check access first (organizations/access.py); these read whatever they are given.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    CommitmentScore,
    Cycle,
    Extension,
    ReviewComment,
)
from commitments.models import Commitment, Criterion, MaturityLevel, Rubric
from commitments.selectors import commitments_of
from organizations.models import Organization


def cycles_with_counts() -> QuerySet[Cycle]:
    """Every cycle, newest first, with its rubric and its assessments counted per status."""
    counts = {
        f"{status}_count": Count("assessments", filter=Q(assessments__status=status))
        for status in Assessment.Status.values
    }
    return Cycle.objects.select_related("rubric").annotate(**counts).order_by("-opens_on", "-id")


def cycles_closing(*, from_day: date, to_day: date) -> QuerySet[Cycle]:
    """Open cycles whose closing day falls between the two days, the soonest first."""
    return Cycle.objects.filter(
        status=Cycle.Status.OPEN, closes_on__gte=from_day, closes_on__lte=to_day
    ).order_by("closes_on", "id")


def cycle_with_counts(*, pk: int) -> Cycle:
    """One cycle (already checked by access.cycle_access) with its assessments counted."""
    return cycles_with_counts().get(pk=pk)


def cycle_extensions(*, cycle: Cycle) -> QuerySet[Extension]:
    """The cycle's extensions, by organization, with who granted them."""
    return (
        Extension.objects.filter(cycle=cycle)
        .select_related("organization", "granted_by")
        .order_by("organization__name", "id")
    )


def organizations_to_extend(*, cycle: Cycle) -> QuerySet[Organization]:
    """Organizations whose assessment of the cycle is not submitted: the ones an extension
    lets keep working after the close (no new assessment starts in a closed cycle)."""
    return Organization.objects.filter(
        assessments__cycle=cycle, assessments__status__in=Assessment.EDITABLE
    ).order_by("name", "id")


def rubrics_for_new_cycle() -> QuerySet[Rubric]:
    """Published rubrics, the only ones a cycle may be bound to; newest first."""
    return Rubric.objects.filter(status=Rubric.Status.PUBLISHED).order_by(
        "name", "-published_at", "-id"
    )


def review_queue() -> QuerySet[Assessment]:
    """Submitted assessments waiting for review, the longest-waiting first."""
    return (
        Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
        .select_related("organization", "cycle")
        .order_by("submitted_at", "id")
    )


@dataclass
class CriterionAnswer:
    criterion: Criterion
    answer: Answer | None
    level_name: str = ""


@dataclass
class CommitmentReview:
    """One commitment of an assessment under review: its score, answers and plan."""

    commitment: Commitment
    score: CommitmentScore | None
    answers: list[CriterionAnswer] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)


@dataclass
class ReviewSummary:
    commitments: list[CommitmentReview]
    comments: list[ReviewComment]
    overall_score: Decimal | None

    @property
    def has_actions(self) -> bool:
        return any(c.actions for c in self.commitments)


def review_summary(*, assessment: Assessment) -> ReviewSummary:
    """Everything a reviewer reads about one assessment, in a fixed number of queries."""
    commitments = commitments_of(rubric_id=assessment.cycle.rubric_id)
    criteria = Criterion.objects.filter(commitment__rubric_id=assessment.cycle.rubric_id).order_by(
        "commitment__order", "order"
    )
    answers = {r.criterion_id: r for r in Answer.objects.filter(assessment=assessment)}
    scores = {s.commitment_id: s for s in CommitmentScore.objects.filter(assessment=assessment)}
    levels = dict(
        MaturityLevel.objects.filter(rubric_id=assessment.cycle.rubric_id).values_list(
            "level", "name"
        )
    )
    by_commitment = {
        c.pk: CommitmentReview(commitment=c, score=scores.get(c.pk)) for c in commitments
    }
    for criterion in criteria:
        answer = answers.get(criterion.pk)
        level = answer.level if answer is not None else None
        by_commitment[criterion.commitment_id].answers.append(
            CriterionAnswer(
                criterion=criterion,
                answer=answer,
                level_name=levels.get(level, "") if level is not None else "",
            )
        )
    for item in ActionItem.objects.filter(assessment=assessment).select_related(
        "criterion", "owner"
    ):
        if item.commitment_id in by_commitment:
            by_commitment[item.commitment_id].actions.append(item)
    comments = list(
        ReviewComment.objects.filter(assessment=assessment).select_related("commitment", "author")
    )
    return ReviewSummary(
        commitments=list(by_commitment.values()),
        comments=comments,
        overall_score=assessment.overall_score,
    )

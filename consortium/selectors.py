"""Reads for the consortium staff's pages: cycles, the review queue and one review.

Callers check access first (organizations/access.py); these read whatever they are given.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    CommitmentAcceptance,
    CommitmentScore,
    Cycle,
    EvidenceFile,
    Extension,
    Thread,
)
from assessments.selectors import assessment_threads, previous_assessment
from commitments.models import Commitment, Criterion, MaturityLevel, Rubric
from commitments.selectors import commitments_of
from organizations.models import Organization, User


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


@dataclass
class QueueFilters:
    cycle: Cycle | None = None
    status: str = Assessment.Status.SUBMITTED
    type: str = ""
    region: str = ""
    mine: bool = False
    closed: bool = False  # submissions of closed cycles, kept out of the working queue


def review_queue(*, filters: QueueFilters, user: User, today: date) -> QuerySet[Assessment]:
    """Assessments to review, the longest-waiting first: by default the submitted ones of
    cycles still open, with their organization, cycle and reviewer."""
    qs = Assessment.objects.exclude(status=Assessment.Status.DRAFT).select_related(
        "organization", "cycle", "reviewer"
    )
    closed = Q(cycle__status=Cycle.Status.CLOSED) | Q(
        cycle__status=Cycle.Status.OPEN, cycle__closes_on__lt=today
    )
    qs = qs.filter(closed) if filters.closed else qs.exclude(closed)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.cycle is not None:
        qs = qs.filter(cycle=filters.cycle)
    if filters.type:
        qs = qs.filter(organization__type=filters.type)
    if filters.region:
        qs = qs.filter(organization__region=filters.region)
    if filters.mine:
        qs = qs.filter(reviewer=user)
    return qs.order_by("submitted_at", "id")


def queue_cycles() -> QuerySet[Cycle]:
    return Cycle.objects.exclude(status=Cycle.Status.DRAFT).order_by("-opens_on", "-id")


@dataclass
class CriterionAnswer:
    criterion: Criterion
    answer: Answer | None
    level_name: str = ""
    files: list[EvidenceFile] = field(default_factory=list)
    previous: Answer | None = None  # last cycle's answer to the same criterion
    changed_since_previous: bool = False
    at_return: str | None = None  # the level (or N/A) when it was returned, if it changed since
    edited_since_return: bool = False
    thread: Thread | None = None

    @property
    def open_thread(self) -> bool:
        return self.thread is not None and not self.thread.is_resolved


@dataclass
class CommitmentReview:
    """One commitment of an assessment under review: its score, answers and plan."""

    commitment: Commitment
    score: CommitmentScore | None
    answers: list[CriterionAnswer] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    accepted: CommitmentAcceptance | None = None

    @property
    def open_threads(self) -> int:
        return sum(1 for a in self.answers if a.open_thread)

    @property
    def changed(self) -> int:
        return sum(1 for a in self.answers if a.changed_since_previous)

    @property
    def edited(self) -> int:
        return sum(1 for a in self.answers if a.edited_since_return)


@dataclass
class ReviewSummary:
    commitments: list[CommitmentReview]
    general: Thread | None  # the thread on the whole assessment
    overall_score: Decimal | None
    previous_cycle: str = ""
    returned_at: datetime | None = None

    @property
    def has_actions(self) -> bool:
        return any(c.actions for c in self.commitments)

    @property
    def open_threads(self) -> int:
        general = self.general is not None and not self.general.is_resolved
        return sum(c.open_threads for c in self.commitments) + int(general)

    @property
    def accepted(self) -> int:
        return sum(1 for c in self.commitments if c.accepted is not None)


def _state(level: int | None, not_applicable: bool) -> str:
    if not_applicable:
        return "N/A"
    return str(level) if level is not None else "—"


def _states_at(assessment: Assessment, moment: datetime) -> dict[int, str]:
    """Each answer's level (or N/A) as it stood at `moment`, by answer id (from its history)."""
    rows = (
        Answer.history.filter(assessment_id=assessment.pk, history_date__lte=moment)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "level", "not_applicable")
    )
    return {pk: _state(level, na) for pk, level, na in rows}


def review_summary(*, assessment: Assessment) -> ReviewSummary:
    """Everything a reviewer reads about one assessment, in a fixed number of queries: per
    criterion the answer, its files, last cycle's level, what changed since the return, and
    its thread with every comment."""
    rubric_id = assessment.cycle.rubric_id
    commitments = commitments_of(rubric_id=rubric_id)
    criteria = Criterion.objects.filter(commitment__rubric_id=rubric_id).order_by(
        "commitment__order", "order"
    )
    answers = {
        r.criterion_id: r
        for r in Answer.objects.filter(assessment=assessment).select_related("answered_by")
    }
    files: dict[int, list[EvidenceFile]] = {}
    for f in EvidenceFile.objects.filter(answer__assessment=assessment, removed_at__isnull=True):
        files.setdefault(f.answer_id, []).append(f)
    before = previous_assessment(assessment=assessment)
    previous: dict[str, Answer] = {}
    if before is not None:
        previous = {
            a.criterion.code: a
            for a in Answer.objects.filter(assessment=before).select_related("criterion")
        }
    at_return = _states_at(assessment, assessment.returned_at) if assessment.returned_at else {}
    threads = assessment_threads(assessment=assessment)
    scores = {s.commitment_id: s for s in CommitmentScore.objects.filter(assessment=assessment)}
    accepted = {
        a.commitment_id: a
        for a in CommitmentAcceptance.objects.filter(assessment=assessment).select_related(
            "accepted_by"
        )
    }
    levels = dict(MaturityLevel.objects.filter(rubric_id=rubric_id).values_list("level", "name"))
    by_commitment = {
        c.pk: CommitmentReview(commitment=c, score=scores.get(c.pk), accepted=accepted.get(c.pk))
        for c in commitments
    }
    for criterion in criteria:
        answer = answers.get(criterion.pk)
        thread = threads.get(criterion.code)
        row = CriterionAnswer(criterion=criterion, answer=answer, thread=thread)
        if answer is not None:
            now = _state(answer.level, answer.not_applicable)
            row.level_name = levels.get(answer.level, "") if answer.level is not None else ""
            row.files = files.get(answer.pk, [])
            row.previous = previous.get(criterion.code)
            if row.previous is not None:
                row.changed_since_previous = now != _state(
                    row.previous.level, row.previous.not_applicable
                )
            if assessment.returned_at is not None:
                then = at_return.get(answer.pk)
                row.edited_since_return = bool(
                    answer.updated_at and answer.updated_at > assessment.returned_at
                )
                if then is not None and then != now:
                    row.at_return = then
        by_commitment[criterion.commitment_id].answers.append(row)
    for item in ActionItem.objects.filter(assessment=assessment).select_related(
        "criterion", "owner"
    ):
        if item.commitment_id in by_commitment:
            by_commitment[item.commitment_id].actions.append(item)
    return ReviewSummary(
        commitments=list(by_commitment.values()),
        general=threads.get(None),
        overall_score=assessment.overall_score,
        previous_cycle=before.cycle.name if before is not None else "",
        returned_at=assessment.returned_at,
    )

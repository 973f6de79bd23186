"""Reads of the assessment journey: ready querysets and page data with a fixed number of queries.

Callers pass an assessment that `organizations.access` has already checked; every read here is
filtered by it, so nothing of another organization can come back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from commitments.models import Commitment, Criterion
from commitments.rubric_file import CommitmentSpec, CriterionSpec, LevelSpec
from commitments.selectors import (
    commitment_page,
    commitment_row,
    crosswalk,
    rubric_levels,
    rubric_text_as_of,
)
from organizations.models import Membership, Organization, User

from .models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    Comment,
    CommitmentScore,
    Cycle,
    EvidenceFile,
    Extension,
    Thread,
)
from .scoring import ScoredAnswer, commitment_scores, overall_score

ACTIVITY_LIMIT = 200


# --- Deadlines ---------------------------------------------------------------------------------


def extension_until(*, assessment: Assessment) -> date | None:
    """The last day of the organization's extension for the assessment's cycle, if any."""
    return (
        Extension.objects.filter(
            cycle_id=assessment.cycle_id, organization_id=assessment.organization_id
        )
        .values_list("until", flat=True)
        .first()
    )


def extension_until_subquery() -> Subquery:
    """extension_until for each row of an assessment queryset, as an annotation: lists and
    pages learn whether an assessment may change without a query per row."""
    return Subquery(
        Extension.objects.filter(
            cycle_id=OuterRef("cycle_id"), organization_id=OuterRef("organization_id")
        ).values("until")[:1]
    )


def overdue_action_items(*, today: date) -> QuerySet[ActionItem]:
    """Plan items still planned or in progress after their due day (ActionItem.is_overdue_on,
    as a filter); callers narrow it to what the person may see."""
    return ActionItem.objects.filter(status__in=ActionItem.OPEN_STATES, due_date__lt=today)


# --- The organization's list -----------------------------------------------------------------


def assessments_of_organization(*, organization: Organization) -> QuerySet[Assessment]:
    """The organization's assessments, newest cycle first, with its extension of each."""
    return (
        Assessment.objects.filter(organization=organization)
        .select_related("cycle")
        .annotate(extended_until=extension_until_subquery())
        .order_by("-cycle__opens_on", "-id")
    )


def assessment_of_cycle(*, organization: Organization, cycle: Cycle) -> Assessment | None:
    """The organization's assessment of the cycle, if it has been started."""
    return Assessment.objects.filter(organization=organization, cycle=cycle).first()


def cycles_open_without_assessment(*, organization: Organization) -> QuerySet[Cycle]:
    """Open cycles in which the organization has not started its assessment yet."""
    return (
        Cycle.objects.filter(status=Cycle.Status.OPEN)
        .exclude(assessments__organization=organization)
        .order_by("-opens_on", "-id")
    )


def cycle_open_for_start(*, pk: int) -> Cycle:
    """An open cycle to start an assessment in (not organization data); 404 for any other id."""
    return get_object_or_404(Cycle, pk=pk, status=Cycle.Status.OPEN)


# --- Overview ---------------------------------------------------------------------------------


@dataclass
class CommitmentProgress:
    commitment: Commitment
    total: int = 0
    answered: int = 0
    not_applicable: int = 0
    open: int = 0
    to_confirm: int = 0
    score: Decimal | None = None
    assignee: User | None = None
    overdue_actions: int = 0


@dataclass
class Overview:
    rows: list[CommitmentProgress]
    overall: Decimal | None
    threads: list[Thread] = field(default_factory=list)  # the open ones, to answer
    general: Thread | None = None  # the thread on the whole assessment, open or resolved

    @property
    def to_confirm(self) -> int:
        return sum(r.to_confirm for r in self.rows)

    @property
    def overdue_actions(self) -> int:
        return sum(r.overdue_actions for r in self.rows)

    @property
    def complete(self) -> bool:
        return all(r.open == 0 and r.to_confirm == 0 for r in self.rows)


def _answer_states(assessment: Assessment) -> QuerySet[Answer]:
    """The assessment's answers with what their state, score and place need, in rubric order."""
    return (
        Answer.objects.filter(assessment=assessment)
        .select_related("criterion__commitment")
        .only(
            "level",
            "not_applicable",
            "na_reason",
            "carried_forward",
            "carried_kind",  # the blocker's wording
            "carried_from_codes",
            "criterion__code",
            "criterion__weight",
            "criterion__order",
            "criterion__commitment__code",
            "criterion__commitment__name",
            "criterion__commitment__order",
        )
        .order_by("criterion__commitment__order", "criterion__order")
    )


def _assignees(assessment: Assessment) -> dict[int, User]:
    """Who is assigned each commitment, by commitment id."""
    return {
        a.commitment_id: a.membership.user
        for a in Assignment.objects.filter(assessment=assessment).select_related("membership__user")
    }


def assessment_overview(*, assessment: Assessment) -> Overview:
    """Progress, assignee and score of every commitment (stored scores once submitted)."""
    answers = list(_answer_states(assessment))
    rows: dict[int, CommitmentProgress] = {}
    for r in answers:
        commitment = r.criterion.commitment
        row = rows.setdefault(commitment.pk, CommitmentProgress(commitment))
        row.total += 1
        if r.carried_forward:
            row.to_confirm += 1
        elif r.blocker is not None:
            row.open += 1
        elif r.not_applicable:
            row.not_applicable += 1
        else:
            row.answered += 1
    for commitment_id, user in _assignees(assessment).items():
        if commitment_id in rows:
            rows[commitment_id].assignee = user
    overdue = (
        overdue_action_items(today=timezone.localdate())
        .filter(assessment=assessment)
        .values_list("commitment_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for commitment_id, n in overdue:
        if commitment_id in rows:
            rows[commitment_id].overdue_actions = n
    if assessment.status in Assessment.SUBMITTED_STATES:
        for s in CommitmentScore.objects.filter(assessment=assessment):
            if s.commitment_id in rows:
                rows[s.commitment_id].score = s.score
        overall = assessment.overall_score
    else:
        by_code = {row.commitment.code: row for row in rows.values()}
        scores = commitment_scores(
            ScoredAnswer(r.criterion.commitment.code, r.criterion.weight, r.level) for r in answers
        )
        for code, score in scores.items():
            by_code[code].score = score
        overall = overall_score(scores)
    threads = assessment_threads(assessment=assessment)
    return Overview(list(rows.values()), overall, _open(list(threads.values())), threads.get(None))


# --- Threads -----------------------------------------------------------------------------------


def _threads(assessment: Assessment) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(assessment=assessment)
        .select_related("criterion__commitment", "resolved_by")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=Comment.objects.select_related("author").order_by("created_at", "id"),
            )
        )
        .order_by("criterion__commitment__order", "criterion__order", "id")
    )


def assessment_criterion(*, assessment: Assessment, code: str) -> Criterion:
    """The criterion `code` of the assessment's rubric; 404 for any other."""
    return get_object_or_404(
        Criterion.objects.select_related("commitment"),
        commitment__rubric_id=assessment.cycle.rubric_id,
        code=code,
    )


def assessment_threads(*, assessment: Assessment) -> dict[str | None, Thread]:
    """Every thread of the assessment with its comments, by criterion code (None: the whole
    assessment's), in two queries whatever their number."""
    return {t.criterion.code if t.criterion else None: t for t in _threads(assessment)}


def _open(threads: list[Thread]) -> list[Thread]:
    found = [t for t in threads if not t.is_resolved and t.comments.all()]
    return sorted(found, key=lambda t: t.criterion_id is not None)


def open_threads(*, assessment: Assessment) -> list[Thread]:
    """Threads with comments and not resolved, in rubric order (the whole assessment's first)."""
    return _open(list(_threads(assessment).filter(resolved_at__isnull=True)))


# --- One commitment -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentText:
    """A commitment's text and scale as the person should read it (as of submission once
    submitted), with the live commitment row for its id."""

    commitment: Commitment
    spec: CommitmentSpec
    levels: tuple[LevelSpec, ...]
    as_of: datetime | None

    def criterion(self, code: str) -> CriterionSpec | None:
        return next((c for c in self.spec.criteria if c.code == code), None)


def commitment_text(*, assessment: Assessment, code: str) -> CommitmentText:
    """The commitment `code` of the assessment's rubric (404 if absent), with its text now, or
    as it stood when the assessment was submitted."""
    rubric = assessment.cycle.rubric
    submitted_at = (
        assessment.submitted_at if assessment.status in Assessment.SUBMITTED_STATES else None
    )
    if submitted_at is not None:
        # The text as it stood is read from history: of today's rows only the commitment's own.
        row = commitment_row(rubric=rubric, code=code)
        then = rubric_text_as_of(rubric=rubric, at=submitted_at, commitment=code)
        found = next((c for c in then.commitments if c.code == code), None)
        if found is not None:
            return CommitmentText(row, found, then.levels, submitted_at)
    commitment = commitment_page(rubric=rubric, code=code)
    criteria = tuple(
        CriterionSpec(
            c.code,
            c.prompt,
            c.guidance,
            c.evidence_hint,
            c.weight,
            {d.level: d.text for d in c.descriptors.all()},
        )
        for c in commitment.criteria.all()
    )
    levels = tuple(
        LevelSpec(lv.level, lv.name, lv.description, lv.evidence)
        for lv in rubric_levels(rubric=rubric)
    )
    spec = CommitmentSpec(
        commitment.code, commitment.name, commitment.definition, commitment.guidance, criteria
    )
    return CommitmentText(commitment, spec, levels, None)


# --- Finding one's way: the navigator and last cycle's answers -------------------------------


@dataclass(frozen=True)
class NavCriterion:
    code: str
    answer_pk: int
    state: str  # "empty", "answered", "na", "confirm": the class and the words below
    words: str
    open_thread: bool = False


@dataclass
class NavCommitment:
    code: str
    name: str
    assignee: User | None = None
    criteria: list[NavCriterion] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(c.state in ("answered", "na") for c in self.criteria)

    @property
    def open_threads(self) -> int:
        return sum(c.open_thread for c in self.criteria)


@dataclass
class Navigator:
    """Every commitment and criterion of an assessment with its state, for the side panel."""

    commitments: list[NavCommitment]

    @property
    def total(self) -> int:
        return sum(len(c.criteria) for c in self.commitments)

    @property
    def done(self) -> int:
        return sum(c.done for c in self.commitments)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def neighbours(self, code: str) -> tuple[NavCommitment | None, NavCommitment | None]:
        """The commitments before and after `code`, for previous and next links."""
        codes = [c.code for c in self.commitments]
        if code not in codes:
            return None, None
        i = codes.index(code)
        before = self.commitments[i - 1] if i > 0 else None
        after = self.commitments[i + 1] if i + 1 < len(codes) else None
        return before, after


def nav_state(answer: Answer) -> tuple[str, str]:
    """An answer's state in the navigator: its class and its words (never colour alone)."""
    if answer.carried_forward:
        return "confirm", "to confirm"
    if answer.blocker is not None:
        return "empty", "not answered"
    if answer.not_applicable:
        return "na", "not applicable"
    return "answered", f"level {answer.level}"


def assessment_navigator(*, assessment: Assessment) -> Navigator:
    """The navigator of an assessment, with the criteria whose thread waits for an answer
    (three queries, whatever its size)."""
    answers = _answer_states(assessment)
    waiting = set(
        Thread.objects.filter(
            assessment=assessment, resolved_at__isnull=True, comments__isnull=False
        ).values_list("criterion_id", flat=True)
    )
    commitments: dict[int, NavCommitment] = {}
    for a in answers:
        c = a.criterion.commitment
        nav = commitments.setdefault(c.pk, NavCommitment(c.code, c.name))
        state = nav_state(a)
        nav.criteria.append(
            NavCriterion(a.criterion.code, a.pk, *state, open_thread=a.criterion_id in waiting)
        )
    for commitment_id, user in _assignees(assessment).items():
        if commitment_id in commitments:
            commitments[commitment_id].assignee = user
    return Navigator(list(commitments.values()))


@dataclass(frozen=True)
class PreviousAnswer:
    cycle: str
    level: int | None
    not_applicable: bool
    evidence: str
    evidence_links: list[str]
    via: str = ""  # across rubric versions: "merged from SAFE-4, SECURE-3"
    comparable: bool = True


def previous_assessment(*, assessment: Assessment) -> Assessment | None:
    """The organization's assessment this one follows: the one it was carried from, else the
    latest submitted one of an earlier cycle."""
    if assessment.carried_from_id is not None:
        return (
            Assessment.objects.filter(
                pk=assessment.carried_from_id, organization_id=assessment.organization_id
            )
            .select_related("cycle")
            .first()
        )
    return (
        Assessment.objects.filter(
            organization_id=assessment.organization_id,
            status__in=Assessment.SUBMITTED_STATES,
            cycle__opens_on__lt=assessment.cycle.opens_on,
        )
        .select_related("cycle")
        .order_by("-cycle__opens_on", "-submitted_at")
        .first()
    )


def previous_answers(
    *, assessment: Assessment, commitment: Commitment, before: Assessment | None = None
) -> dict[str, PreviousAnswer]:
    """Last cycle's answers to this commitment's criteria, by criterion code (two queries; one
    when the caller has already found `before`, the assessment this one follows)."""
    if before is None:
        before = previous_assessment(assessment=assessment)
    if before is None:
        return {}
    if before.cycle.rubric_id != assessment.cycle.rubric_id:
        return _previous_across_versions(before, assessment, commitment)
    rows = Answer.objects.filter(
        assessment=before, criterion__commitment__code=commitment.code
    ).select_related("criterion")
    return {
        r.criterion.code: PreviousAnswer(
            before.cycle.name, r.level, r.not_applicable, r.evidence, list(r.evidence_links)
        )
        for r in rows
    }


def _previous_across_versions(
    before: Assessment, assessment: Assessment, commitment: Commitment
) -> dict[str, PreviousAnswer]:
    """Last cycle's answers on an older rubric version, read through the crosswalk: a merged
    criterion shows the lower level of those it joins, as carrying forward does."""
    walk = crosswalk(source=before.cycle.rubric, target=assessment.cycle.rubric)
    codes = set(commitment.criteria.values_list("code", flat=True))
    wanted = {old for code in codes if code in walk.lineage for old in walk.lineage[code].sources}
    rows = {
        r.criterion.code: r
        for r in Answer.objects.filter(
            assessment=before, criterion__code__in=wanted
        ).select_related("criterion")
    }
    result = {}
    for code in codes:
        lineage = walk.lineage.get(code)
        olds = [rows[c] for c in lineage.sources if c in rows] if lineage else []
        if lineage is None or not olds:
            continue
        levels = [a.level for a in olds if a.level is not None]
        result[code] = PreviousAnswer(
            before.cycle.name,
            min(levels) if levels else None,
            all(a.not_applicable for a in olds),
            "\n\n".join(a.evidence for a in olds if a.evidence),
            [link for a in olds for link in a.evidence_links or []],
            via=lineage.label,
            comparable=lineage.comparable,
        )
    return result


def plan_commitment(*, assessment: Assessment, code: str) -> Commitment:
    """The commitment `code` of the assessment's rubric with its criteria; 404 if absent."""
    return commitment_page(rubric=assessment.cycle.rubric, code=code)


def commitment_answers(*, assessment: Assessment, commitment: Commitment) -> list[Answer]:
    """The assessment's answers to the commitment's criteria, in order, with files and author."""
    return list(
        Answer.objects.filter(assessment=assessment, criterion__commitment=commitment)
        .select_related("criterion", "answered_by")
        .prefetch_related(
            Prefetch(
                "files",
                queryset=EvidenceFile.objects.filter(removed_at__isnull=True).order_by(
                    "uploaded_at", "id"
                ),
            )
        )
        .order_by("criterion__order")
    )


def action_items(*, assessment: Assessment, commitment: Commitment) -> QuerySet[ActionItem]:
    """The commitment's improvement plan in this assessment."""
    return (
        ActionItem.objects.filter(assessment=assessment, commitment=commitment)
        .select_related("criterion", "owner")
        .order_by("due_date", "id")
    )


# --- The improvement plan of the whole assessment ---------------------------------------------

DUE_SOON_DAYS = 30


class Due(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    SOON = "soon", f"Due in the next {DUE_SOON_DAYS} days"
    NONE = "none", "No due date"


NOBODY = "nobody"  # the owner filter's value for items without an owner
OPEN = "open"  # the status filter's value for planned or in progress


@dataclass(frozen=True)
class PlanFilters:
    owner: str = ""  # a user id, NOBODY, or "" for anyone
    status: str = ""  # an ActionItem status, OPEN, or "" for any
    due: str = ""  # a Due value, or "" for any


def improvement_plan(
    *, assessment: Assessment, filters: PlanFilters, today: date
) -> QuerySet[ActionItem]:
    """Every commitment's plan items in the assessment, as `filters` narrow them, in rubric
    order then by due date (one query, however many items)."""
    items = ActionItem.objects.filter(assessment=assessment)
    if filters.owner == NOBODY:
        items = items.filter(owner__isnull=True)
    elif filters.owner:
        items = items.filter(owner_id=int(filters.owner))
    if filters.status == OPEN:
        items = items.filter(status__in=ActionItem.OPEN_STATES)
    elif filters.status:
        items = items.filter(status=filters.status)
    if filters.due == Due.OVERDUE:
        items = items & overdue_action_items(today=today)
    elif filters.due == Due.SOON:
        items = items.filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
    elif filters.due == Due.NONE:
        items = items.filter(due_date__isnull=True)
    return items.select_related("commitment", "criterion", "owner").order_by(
        "commitment__order", F("due_date").asc(nulls_last=True), "id"
    )


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    """Members who may own an action or be assigned: everyone but partners."""
    return (
        Membership.objects.filter(organization=organization)
        .exclude(role=Membership.Role.PARTNER)
        .select_related("user")
        .order_by("role", "user__email")
    )


def assignments_by_commitment(*, assessment: Assessment) -> dict[int, Assignment]:
    """Who answers which commitment, keyed by commitment id."""
    return {
        a.commitment_id: a
        for a in Assignment.objects.filter(assessment=assessment).select_related("membership__user")
    }


# --- Activity -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityEntry:
    when: datetime
    who: User | None
    what: str
    change: str


_CHANGE = {"+": "created", "~": "changed", "-": "removed"}


def _answer_summary(h: Any) -> str:
    if h.not_applicable:
        return "not applicable"
    if h.level is not None:
        return f"level {h.level}"
    return "no level"


def _answer_entry(h: Any) -> str:
    what = f"Answer to {h.criterion.code.upper()}: {_answer_summary(h)}"
    return what + " (carried forward, to confirm)" if h.carried_forward else what


def assessment_activity(
    *, assessment: Assessment, limit: int = ACTIVITY_LIMIT
) -> list[ActivityEntry]:
    """Who changed what in the assessment, newest first, from the history tables (4 queries)."""
    # Each history table: its rows of this assessment, what to join, and how to say a change.
    sources: list[tuple[Any, tuple[str, ...], Callable[[Any], str]]] = [
        (Answer.history.filter(assessment_id=assessment.pk), ("criterion",), _answer_entry),
        (
            ActionItem.history.filter(assessment_id=assessment.pk),
            (),
            lambda h: f"Action “{h.title}” ({h.get_status_display().lower()})",
        ),
        (
            Assignment.history.filter(assessment_id=assessment.pk),
            ("commitment", "membership__user"),
            lambda h: f"{h.commitment.name} assigned to {h.membership.user.email}",
        ),
        (
            Assessment.history.filter(id=assessment.pk),
            (),
            lambda h: f"Assessment {h.get_status_display().lower()}",
        ),
    ]
    entries = [
        ActivityEntry(h.history_date, h.history_user, say(h), _CHANGE[h.history_type])
        for rows, joins, say in sources
        for h in rows.select_related("history_user", *joins).order_by("-history_date")[:limit]
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]

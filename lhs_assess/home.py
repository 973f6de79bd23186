"""The home page's to-do list for each kind of person: a selector over every app's reads.

Members see their current organization only (the membership the navigation shows); staff see
the consortium's queue. Every list is a fixed number of queries, whatever the data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import timezone

from assessments.models import ActionItem, Answer, Assessment, Assignment, Comment, Cycle, Thread
from assessments.selectors import (
    cycles_open_without_assessment,
    extension_until_subquery,
    overdue_action_items,
)
from commitments.models import Commitment
from consortium.selectors import QueueFilters, cycles_closing, review_queue
from organizations import access
from organizations.models import Membership, User
from ratings.models import Rater
from ratings.selectors import invitations_waiting
from reports.models import Report
from reports.selectors import latest_report

LIST_LIMIT = 10  # rows per list; the rest is one link away
CLOSING_WITHIN_DAYS = 30


@dataclass(frozen=True)
class CommitmentTodo:
    """A commitment of an assessment the person may change: its progress, what to confirm."""

    assessment: Assessment
    commitment: Commitment
    total: int
    done: int
    to_confirm: int
    first_to_confirm: str  # criterion code to jump to, "" when nothing is to confirm


@dataclass(frozen=True)
class Returned:
    assessment: Assessment
    threads: list[Thread]  # open, each with its comments
    writable: bool


@dataclass
class MemberTodos:
    membership: Membership
    writable: list[Assessment] = field(default_factory=list)  # may change today, with dates
    locked: list[Assessment] = field(default_factory=list)  # unsubmitted, but its cycle closed
    to_start: list[Cycle] = field(default_factory=list)  # leads only
    assigned: list[CommitmentTodo] = field(default_factory=list)
    to_confirm: list[CommitmentTodo] = field(default_factory=list)
    returned: list[Returned] = field(default_factory=list)
    overdue: list[ActionItem] = field(default_factory=list)
    overdue_total: int = 0
    overdue_assessment: Assessment | None = None

    @property
    def is_lead(self) -> bool:
        return self.membership.role == Membership.Role.LEAD

    @property
    def has_todos(self) -> bool:
        return bool(
            self.to_start or self.assigned or self.to_confirm or self.returned or self.overdue
        )


@dataclass
class ViewerHome:
    membership: Membership
    latest_submitted: Assessment | None
    report: Report | None


@dataclass
class StaffHome:
    may_review: bool
    may_manage_cycles: bool
    waiting: list[Assessment] = field(default_factory=list)
    waiting_total: int = 0
    mine_total: int = 0  # of those, assigned to this reviewer
    closing: list[Cycle] = field(default_factory=list)


@dataclass
class HomePage:
    today: date
    member: MemberTodos | None = None
    viewer: ViewerHome | None = None
    staff: StaffHome | None = None
    ratings: list[Rater] = field(default_factory=list)  # rounds waiting for this person's ratings


def home_page(*, user: User, membership: Membership | None) -> HomePage:
    """What the signed-in person has to do, by role (a person may be a member and staff)."""
    today = timezone.localdate()
    page = HomePage(today=today, ratings=invitations_waiting(user=user))
    if membership is not None:
        if membership.role == Membership.Role.VIEWER:
            page.viewer = _viewer_home(membership)
        else:
            page.member = _member_todos(user, membership, today)
    if access.user_may_review(user) or access.user_may_manage_cycles(user):
        page.staff = _staff_home(user, today)
    return page


# --- Leads and contributors ---------------------------------------------------------------------


def _member_todos(user: User, membership: Membership, today: date) -> MemberTodos:
    organization = membership.organization
    todos = MemberTodos(membership=membership)
    unsubmitted = list(
        Assessment.objects.filter(organization=organization, status__in=Assessment.EDITABLE)
        .select_related("cycle", "organization")
        .annotate(extended_until=extension_until_subquery())
        .order_by("cycle__due_on", "id")
    )
    writable: dict[int, Assessment] = {
        a.pk: a
        for a in unsubmitted
        if a.write_refusal(today=today, extended_until=getattr(a, "extended_until", None)) is None
    }
    todos.writable = list(writable.values())
    todos.locked = [a for a in unsubmitted if a.pk not in writable]
    if todos.is_lead:
        todos.to_start = [
            c
            for c in cycles_open_without_assessment(organization=organization)
            if c.accepts_new_assessments(today)
        ]
    _commitment_todos(todos, writable, membership)
    returned = [a for a in unsubmitted if a.status == Assessment.Status.RETURNED]
    threads: dict[int, list[Thread]] = defaultdict(list)
    open_threads = (
        Thread.objects.filter(assessment__in=returned, resolved_at__isnull=True)
        .select_related("criterion__commitment")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.order_by("created_at", "id"))
        )
        .order_by("criterion__commitment__order", "criterion__order", "id")
    )
    for t in open_threads:
        if t.comments.all():
            threads[t.assessment_id].append(t)
    todos.returned = [Returned(a, threads[a.pk], a.pk in writable) for a in returned]
    _overdue_items(todos, user, membership, today)
    return todos


def _commitment_todos(
    todos: MemberTodos, writable: dict[int, Assessment], membership: Membership
) -> None:
    """Commitments assigned to the person, and answers carried forward to confirm (all of them
    for a lead; a contributor's assigned ones only, the only ones they may change)."""
    if not writable:
        return
    mine = {
        (a.assessment_id, a.commitment_id)
        for a in Assignment.objects.filter(assessment__in=list(writable), membership=membership)
    }
    answers = (
        Answer.objects.filter(assessment__in=list(writable))
        .select_related("criterion__commitment")
        .only(
            "assessment_id", "level", "not_applicable", "na_reason", "carried_forward",
            "carried_kind", "carried_from_codes", "criterion__code", "criterion__order",
            "criterion__commitment__code", "criterion__commitment__name",
            "criterion__commitment__order",
        )
        .order_by("assessment_id", "criterion__commitment__order", "criterion__order")
    )  # fmt: skip
    rows: dict[tuple[int, int], list[Answer]] = defaultdict(list)
    for answer in answers:
        rows[(answer.assessment_id, answer.criterion.commitment.pk)].append(answer)
    for (assessment_id, commitment_id), group in rows.items():
        carried = [a for a in group if a.carried_forward]
        todo = CommitmentTodo(
            assessment=writable[assessment_id],
            commitment=group[0].criterion.commitment,
            total=len(group),
            done=sum(1 for a in group if a.blocker is None),
            to_confirm=len(carried),
            first_to_confirm=carried[0].criterion.code if carried else "",
        )
        assigned = (assessment_id, commitment_id) in mine
        if assigned:
            todos.assigned.append(todo)
        if carried and (todos.is_lead or assigned):
            todos.to_confirm.append(todo)
    todos.assigned.sort(key=lambda t: t.done == t.total)  # what is left to do first


def _overdue_items(todos: MemberTodos, user: User, membership: Membership, today: date) -> None:
    """Overdue actions of the organization's newest assessment (the plan being carried out;
    older plans were carried into it or closed with their cycle), the person's own first."""
    newest = (
        Assessment.objects.filter(organization=membership.organization)
        .select_related("cycle")
        .order_by("-cycle__opens_on", "-id")
        .first()
    )
    if newest is None:
        return
    items = overdue_action_items(today=today).filter(assessment=newest)
    todos.overdue_assessment = newest
    todos.overdue_total = items.count()
    mine_first = Case(
        When(owner_id=user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    todos.overdue = list(
        items.select_related("commitment", "owner")
        .annotate(mine=mine_first)
        .order_by("mine", "due_date", "id")[:LIST_LIMIT]
    )


# --- Viewers ---------------------------------------------------------------------------------


def _viewer_home(membership: Membership) -> ViewerHome:
    latest = (
        Assessment.objects.filter(
            organization=membership.organization, status__in=Assessment.SUBMITTED_STATES
        )
        .select_related("cycle")
        .order_by("-submitted_at", "-id")
        .first()
    )
    report = latest_report(assessment=latest) if latest is not None else None
    return ViewerHome(membership=membership, latest_submitted=latest, report=report)


# --- Consortium staff ---------------------------------------------------------------------------


def _staff_home(user: User, today: date) -> StaffHome:
    home = StaffHome(
        may_review=access.user_may_review(user),
        may_manage_cycles=access.user_may_manage_cycles(user),
    )
    if home.may_review:
        queue = review_queue(filters=QueueFilters(), user=user, today=today)
        home.waiting = list(queue[:LIST_LIMIT])
        home.waiting_total = queue.count()
        home.mine_total = queue.filter(reviewer=user).count()
    if home.may_manage_cycles:
        home.closing = list(
            cycles_closing(from_day=today, to_day=today + timedelta(days=CLOSING_WITHIN_DAYS))
        )
    return home

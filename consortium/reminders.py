"""Reminders that Celery beat runs every hour: cycles due soon, plan items due or overdue,
submissions waiting for review. Each is keyed (what, which day, whom), so a second run, or a
second beat, sends nothing twice; a run that was missed catches up on the next."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionItem, Assessment, Cycle, day
from notifications.models import Kind
from notifications.services import keys_sent, notify
from organizations.models import Membership, Organization, User
from organizations.selectors import reviewers
from ratings.services import rating_reminders_send

CYCLE_DUE_DAYS = (14, 3)  # the first reminder up to 14 days before, the second up to 3
PLAN_DUE_DAYS = 7


@dataclass
class Sent:
    cycle_due: int = 0
    plan_due: int = 0
    plan_overdue: int = 0
    review_waiting: int = 0
    rating_due: int = 0


def _leads_by_organization(organization_ids: list[int]) -> dict[int, list[User]]:
    leads: dict[int, list[User]] = defaultdict(list)
    for m in Membership.objects.filter(
        organization_id__in=organization_ids, role=Membership.Role.LEAD, user__is_active=True
    ).select_related("user"):
        leads[m.organization_id].append(m.user)
    return leads


def _bucket(days_left: int) -> int | None:
    """Which reminder a cycle `days_left` from its due day is in: 14, 3 or none."""
    if days_left < 0:
        return None
    fitting = [d for d in CYCLE_DUE_DAYS if days_left <= d]
    return min(fitting) if fitting else None


def _cycle_due(today: date) -> int:
    sent = 0
    for cycle in Cycle.objects.filter(
        status=Cycle.Status.OPEN, due_on__gte=today, due_on__lte=today + timedelta(days=14)
    ):
        bucket = _bucket((cycle.due_on - today).days)
        if bucket is None:
            continue
        prefix = f"cycle-due:{cycle.pk}:{bucket}:"
        done = keys_sent(prefix=prefix)
        submitted = Assessment.objects.filter(
            cycle=cycle, status__in=Assessment.SUBMITTED_STATES
        ).values("organization_id")
        organizations = list(
            Organization.objects.filter(is_active=True)
            .exclude(pk__in=submitted)
            .values_list("pk", "name")
        )
        started = dict(Assessment.objects.filter(cycle=cycle).values_list("organization_id", "pk"))
        leads = _leads_by_organization([pk for pk, _ in organizations])
        days_left = (cycle.due_on - today).days
        when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
        for pk, name in organizations:
            people = [u for u in leads.get(pk, []) if f"{prefix}{pk}:{u.pk}" not in done]
            if not people:
                continue
            assessment = started.get(pk)
            path = (
                reverse("assessments:overview", args=[assessment])
                if assessment
                else reverse("assessments:index")
            )
            with transaction.atomic():
                sent += len(
                    notify(
                        kind=Kind.CYCLE_DUE,
                        recipients=people,
                        subject=f"The {cycle.name} assessment is due {when}",
                        body=(
                            f"The {cycle.name} assessment of {name} is due on "
                            f"{day(cycle.due_on)} ({when}) and is not submitted yet."
                        ),
                        path=path,
                        key=f"{prefix}{pk}",
                    )
                )
    return sent


def _newest_assessments() -> QuerySet[Assessment]:
    newest = Assessment.objects.filter(organization_id=OuterRef("organization_id")).order_by(
        "-cycle__opens_on", "-id"
    )
    return Assessment.objects.filter(
        organization__is_active=True, pk=Subquery(newest.values("pk")[:1])
    )


def _plan(today: date) -> tuple[int, int]:
    """Open plan items of each organization's newest assessment, due within 7 days or past."""
    items = ActionItem.objects.filter(
        assessment__in=_newest_assessments().values("pk"),
        status__in=ActionItem.OPEN_STATES,
        due_date__isnull=False,
        due_date__lte=today + timedelta(days=PLAN_DUE_DAYS),
    ).select_related("assessment__organization", "owner", "commitment")
    done = keys_sent(prefix="plan-")
    leads = _leads_by_organization(list({i.assessment.organization_id for i in items}))
    due, overdue = 0, 0
    for item in items:
        late = item.due_date is not None and item.due_date < today
        kind = "plan-overdue" if late else "plan-due"
        key = f"{kind}:{item.pk}:{item.due_date}"
        owner = item.owner if item.owner is not None and item.owner.is_active else None
        people = [owner] if owner else leads.get(item.assessment.organization_id, [])
        people = [u for u in people if f"{key}:{u.pk}" not in done]
        if not people or item.due_date is None:
            continue
        org = item.assessment.organization.name
        when = f"was due on {day(item.due_date)}" if late else f"is due on {day(item.due_date)}"
        with transaction.atomic():
            made = notify(
                kind=Kind.PLAN_DUE,
                recipients=people,
                subject=f"{'Overdue' if late else 'Due soon'}: {item.title}",
                body=(
                    f"The improvement plan item “{item.title}” ({item.commitment.name}, {org}) "
                    f"{when} and is still {item.get_status_display().lower()}."
                ),
                path=reverse("assessments:improvement_plan", args=[item.assessment_id]),
                key=key,
            )
        if late:
            overdue += len(made)
        else:
            due += len(made)
    return due, overdue


def _review_waiting(today: date) -> int:
    cutoff = timezone.now() - timedelta(days=settings.REVIEW_WAITING_DAYS)
    waiting = Assessment.objects.filter(
        status=Assessment.Status.SUBMITTED, submitted_at__lt=cutoff
    ).select_related("organization", "cycle", "reviewer")
    done = keys_sent(prefix="review-waiting:")
    staff: list[User] | None = None
    sent = 0
    for a in waiting:
        if a.submitted_at is None:  # a submitted assessment has the date; for the type checker
            continue
        key = f"review-waiting:{a.pk}:{a.submitted_at:%Y%m%d%H%M%S}"
        if a.reviewer is not None and a.reviewer.is_active:
            people = [a.reviewer]
        else:
            staff = staff if staff is not None else list(reviewers())
            people = staff
        people = [u for u in people if f"{key}:{u.pk}" not in done]
        if not people:
            continue
        days = (today - timezone.localdate(a.submitted_at)).days
        with transaction.atomic():
            sent += len(
                notify(
                    kind=Kind.REVIEW_WAITING,
                    recipients=people,
                    subject=(
                        f"Waiting {days} days for review: {a.organization.name}, {a.cycle.name}"
                    ),
                    body=(
                        f"The {a.cycle.name} assessment of {a.organization.name} was submitted "
                        f"on {day(timezone.localdate(a.submitted_at))} and waits for review."
                    ),
                    path=reverse("consortium:review", args=[a.pk]),
                    key=key,
                )
            )
    return sent


def reminders_send(*, today: date | None = None) -> Sent:
    """Every reminder due today that has not been sent; returns how many mails were made."""
    today = today or timezone.localdate()
    result = Sent(cycle_due=_cycle_due(today))
    result.plan_due, result.plan_overdue = _plan(today)
    result.review_waiting = _review_waiting(today)
    result.rating_due = rating_reminders_send(today=today)
    return result

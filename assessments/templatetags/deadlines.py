"""How pages speak of dates: a cycle's state, what is due and how long is left, what is late.

Each filter is a plain function of today (settings.TIME_ZONE) so that tests can name the day.
"""

from datetime import date

from django import template
from django.utils import timezone

from assessments.models import Assessment, Cycle, day

register = template.Library()


def days_phrase(days: int) -> str:
    """12 days left, 1 day left, due today, 1 day overdue, 3 days overdue."""
    if days == 0:
        return "due today"
    count = abs(days)
    unit = "day" if count == 1 else "days"
    return f"{count} {unit} left" if days > 0 else f"{count} {unit} overdue"


def due_text(cycle: Cycle, today: date) -> str:
    """Due 15 Nov 2026 — 12 days left."""
    return f"Due {day(cycle.due_on)} — {days_phrase((cycle.due_on - today).days)}"


def deadline_text(assessment: Assessment, today: date) -> str:
    """Where an assessment stands against its dates, for lists and its overview.

    Reads the organization's extension from the row's `extended_until` annotation (selectors
    and access add it); a row without it is taken to have none."""
    cycle = assessment.cycle
    if assessment.status in Assessment.SUBMITTED_STATES and assessment.submitted_at:
        return f"Submitted {day(timezone.localdate(assessment.submitted_at))}"
    extended_until: date | None = getattr(assessment, "extended_until", None)
    if cycle.is_closed(today):
        if extended_until is not None and today <= extended_until:
            left = days_phrase((extended_until - today).days)
            return f"Extended to {day(extended_until)} — {left}"
        return cycle.state(today)
    return due_text(cycle, today)


@register.filter
def cycle_state(cycle: Cycle) -> str:
    """Open, Closed on 31 Oct 2026 (open, but past its closing day), Closed, Not yet open."""
    return cycle.state(timezone.localdate())


@register.filter
def cycle_due(cycle: Cycle) -> str:
    return due_text(cycle, timezone.localdate())


@register.filter
def days_to_due(cycle: Cycle) -> str:
    """12 days left, due today, 3 days overdue: for a line that already shows the due day."""
    return days_phrase((cycle.due_on - timezone.localdate()).days)


@register.filter
def deadline(assessment: Assessment) -> str:
    return deadline_text(assessment, timezone.localdate())


@register.filter
def is_closed(cycle: Cycle) -> bool:
    """Closed by staff or past its closing day: no new assessment starts in it."""
    return cycle.is_closed(timezone.localdate())

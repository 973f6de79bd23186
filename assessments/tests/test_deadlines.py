"""Dates mean something: a cycle past its closing day is closed, an unsubmitted assessment of it
is read-only unless the organization has an extension, and late submissions are marked."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from assessments.models import ActionItem, Answer, Assessment, Cycle, EvidenceFile
from assessments.services import (
    ActionInput,
    action_item_save,
    answer_confirm,
    answers_save,
    assessment_start,
    assessment_submit,
    assignment_set,
)
from assessments.templatetags.deadlines import days_phrase, deadline_text, due_text
from assessments.tests.factories import (
    answer,
    answer_all,
    days_from_today,
    evidence,
    move_dates,
    open_cycle,
    started,
)
from consortium.services import assessment_return, extension_grant
from organizations import access
from tests.cast import Cast

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 3)
CLOSED = "closed on"


def _day(d: date) -> str:
    """As pages write a date: 2 Dec 2026."""
    return f"{d.day} {d:%b %Y}"


def _cycle(status: str = Cycle.Status.OPEN) -> Cycle:
    """A cycle (not saved) due on 15 Nov 2026 and closing on 30 Nov 2026."""
    return Cycle(
        name="2026",
        opens_on=date(2026, 3, 1),
        due_on=date(2026, 11, 15),
        closes_on=date(2026, 11, 30),
        status=status,
    )


# --- The rule, on given days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "today", "closed", "accepts", "state"),
    [
        ("open", date(2026, 11, 30), False, True, "Open"),
        ("open", date(2026, 12, 1), True, False, "Closed on 30 Nov 2026"),
        ("closed", date(2026, 11, 3), True, False, "Closed"),
        ("closed", date(2026, 12, 1), True, False, "Closed on 30 Nov 2026"),
        ("draft", date(2026, 12, 1), False, False, "Not yet open"),
    ],
)
def test_a_cycle_is_closed_by_staff_or_by_its_closing_day(
    status: str, today: date, closed: bool, accepts: bool, state: str
) -> None:
    cycle = _cycle(status)
    assert cycle.is_closed(today) is closed
    assert cycle.accepts_new_assessments(today) is accepts
    assert cycle.state(today) == state


@pytest.mark.parametrize(
    ("status", "today", "extended_until", "refused"),
    [
        ("draft", date(2026, 11, 30), None, None),  # the closing day itself is still open
        ("draft", date(2026, 12, 1), None, "The 2026 cycle closed on 30 Nov 2026"),
        ("returned", date(2026, 12, 1), None, "The 2026 cycle closed on 30 Nov 2026"),
        ("draft", date(2026, 12, 1), date(2026, 12, 10), None),
        ("draft", date(2026, 12, 10), date(2026, 12, 10), None),
        ("draft", date(2026, 12, 11), date(2026, 12, 10), "extension ended on 10 Dec 2026"),
        ("submitted", date(2026, 11, 3), None, "only if the consortium returns it"),
        ("accepted", date(2026, 12, 1), date(2026, 12, 10), "only if the consortium returns it"),
    ],
)
def test_write_refusal_is_the_one_rule(
    status: str, today: date, extended_until: date | None, refused: str | None
) -> None:
    assessment = Assessment(cycle=_cycle(), status=status)
    reason = assessment.write_refusal(today=today, extended_until=extended_until)
    if refused is None:
        assert reason is None
    else:
        assert reason is not None
        assert refused in reason


def test_a_cycle_closed_by_staff_locks_its_drafts_before_the_closing_day() -> None:
    assessment = Assessment(cycle=_cycle(Cycle.Status.CLOSED), status="draft")
    reason = assessment.write_refusal(today=TODAY, extended_until=None)
    assert reason is not None
    assert "The 2026 cycle was closed" in reason


@pytest.mark.parametrize(
    ("days", "said"),
    [(12, "12 days left"), (1, "1 day left"), (0, "due today"), (-1, "1 day overdue"),
     (-3, "3 days overdue")],
)  # fmt: skip
def test_days_are_counted_in_words(days: int, said: str) -> None:
    assert days_phrase(days) == said


def test_the_due_date_is_said_with_the_days_left() -> None:
    assert due_text(_cycle(), TODAY) == "Due 15 Nov 2026 — 12 days left"
    assert due_text(_cycle(), date(2026, 11, 18)) == "Due 15 Nov 2026 — 3 days overdue"


def test_an_assessment_says_where_it_stands_against_the_dates() -> None:
    draft = Assessment(cycle=_cycle(), status="draft")
    assert deadline_text(draft, TODAY) == "Due 15 Nov 2026 — 12 days left"
    assert deadline_text(draft, date(2026, 12, 1)) == "Closed on 30 Nov 2026"
    draft.extended_until = date(2026, 12, 10)  # as selectors annotate it
    assert deadline_text(draft, date(2026, 12, 1)) == "Extended to 10 Dec 2026 — 9 days left"


def test_a_plan_item_is_overdue_only_while_planned_or_in_progress() -> None:
    due = date(2026, 11, 2)
    for status, overdue in (("planned", True), ("in_progress", True), ("done", False),
                            ("dropped", False)):  # fmt: skip
        assert ActionItem(due_date=due, status=status).is_overdue_on(TODAY) is overdue
    assert not ActionItem(due_date=TODAY, status="planned").is_overdue_on(TODAY)
    assert not ActionItem(due_date=None, status="planned").is_overdue_on(TODAY)


# --- The services refuse every write after the close -----------------------------------------


@pytest.fixture
def draft(cast: Cast) -> Assessment:
    """A's draft, carried answers aside, in a cycle that closed yesterday."""
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    move_dates(assessment.cycle, by=cast.staff, closes_in=-1)
    assessment.refresh_from_db()
    return assessment


def _first_answer(a: Assessment) -> Answer:
    return a.answers.select_related("criterion", "assessment").order_by("id").first()


WRITES: dict[str, Callable[[Assessment, Cast], object]] = {
    "answers_save": lambda a, c: answers_save(
        assessment=a, answers={_first_answer(a).pk: (0, answer(2))}, by=c.lead_a
    ),
    "answer_confirm": lambda a, c: answer_confirm(answer=_first_answer(a), by=c.lead_a),
    "evidence_file_add": lambda a, c: evidence(answer=_first_answer(a), by=c.lead_a),
    "assignment_set": lambda a, c: assignment_set(
        assessment=a,
        commitment=a.cycle.rubric.commitments.get(code="c1"),
        membership=c.contributor_a_membership,
        by=c.lead_a,
    ),
    "action_item_save": lambda a, c: action_item_save(
        assessment=a,
        commitment=a.cycle.rubric.commitments.get(code="c1"),
        data=ActionInput("Write the charter", "", None, None, None, None, "planned"),
        by=c.lead_a,
    ),
    "assessment_submit": lambda a, c: assessment_submit(assessment=a, by=c.lead_a),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_is_refused_after_the_close_saying_why(
    cast: Cast, draft: Assessment, write: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        WRITES[write](draft, cast)
    said = f"The {draft.cycle.name} cycle {CLOSED} {_day(draft.cycle.closes_on)}"
    assert said in " ".join(excinfo.value.messages)


# What each write leaves behind once it is let through.
WRITTEN: dict[str, Callable[[Assessment], bool]] = {
    "answers_save": lambda a: _first_answer(a).level == 2,
    "evidence_file_add": lambda a: EvidenceFile.objects.filter(answer__assessment=a).exists(),
    "assignment_set": lambda a: a.assignments.filter(commitment__code="c1").exists(),
    "action_item_save": lambda a: a.action_items.filter(title="Write the charter").exists(),
    "assessment_submit": lambda a: Assessment.objects.get(pk=a.pk).status == "submitted",
}


@pytest.mark.parametrize("write", sorted(WRITTEN))
def test_an_extension_lets_every_write_through_again(
    cast: Cast, draft: Assessment, write: str
) -> None:
    extension_grant(
        cycle=draft.cycle,
        organization=cast.org_a,
        until=days_from_today(7),
        reason="Lead on leave",
        by=cast.staff,
    )
    if write == "assessment_submit":
        answer_all(assessment=draft, by=cast.lead_a)
    assert not WRITTEN[write](draft)
    WRITES[write](draft, cast)
    assert WRITTEN[write](draft)


def test_a_returned_assessment_is_locked_after_the_close_too(cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a)
    assessment_submit(assessment=a, by=cast.lead_a)
    move_dates(a.cycle, by=cast.staff, closes_in=-1)
    assessment_return(assessment=a, by=cast.staff, message="Add evidence.")
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="closed on"):
        WRITES["answers_save"](a, cast)


def test_no_new_assessment_starts_in_a_cycle_past_its_closing_day(cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff, closes_in=-1, due_in=-1)
    with pytest.raises(ValidationError, match="no new assessment can be started"):
        assessment_start(organization=cast.org_a, cycle=cycle, by=cast.lead_a)


def test_a_lead_gets_a_message_not_an_assessment_when_starting_a_closed_cycle(
    client: Client, cast: Cast
) -> None:
    cycle = open_cycle(by=cast.staff, closes_in=-1, due_in=-1)
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:start"), {"cycle": cycle.pk}, follow=True)
    assert "no new assessment can be started" in response.content.decode()
    assert not Assessment.objects.filter(cycle=cycle).exists()


# --- Access agrees with the services ---------------------------------------------------------


@pytest.mark.parametrize("case", ["open", "closed", "extended"])
def test_access_and_the_services_agree_on_who_may_write(cast: Cast, case: str) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    cycle = a.cycle
    if case != "open":
        cycle = move_dates(cycle, by=cast.staff, closes_in=-1)
    if case == "extended":
        extension_grant(
            cycle=cycle, organization=cast.org_a, until=days_from_today(3), reason="Flood",
            by=cast.staff,
        )  # fmt: skip
    acc = access.assessment_access(user=cast.lead_a, pk=a.pk)
    c1 = a.cycle.rubric.commitments.get(code="c1")
    try:
        WRITES["answers_save"](acc.assessment, cast)
        accepted = True
    except ValidationError:
        accepted = False
    assert acc.may_write(c1.pk) is accepted is acc.may_lead is (case != "closed")
    assert acc.locked_by_date is (case == "closed")
    if case == "closed":
        with pytest.raises(PermissionDenied, match="closed on"):
            acc.require_write(c1.pk)


# --- Pages show it --------------------------------------------------------------------------


def test_after_the_close_every_page_shows_the_assessment_read_only(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    pages = {
        "overview": [draft.pk],
        "assignments": [draft.pk],
        "activity": [draft.pk],
        "improvement_plan": [draft.pk],
        "commitment": [draft.pk, "c1"],
        "plan": [draft.pk, "c1"],
    }
    for name, args in pages.items():
        html = client.get(reverse(f"assessments:{name}", args=args)).content.decode()
        assert "Read-only." in html, name
        assert f"cycle {CLOSED}" in html, name
        assert "You can read these answers; you cannot change them." not in html  # said once
        assert "Submit to the consortium" not in html
        assert "Save the action" not in html
        assert "Save assignments" not in html


@pytest.mark.parametrize(
    ("view", "args", "data"),
    [
        ("plan", ["c1"], {"title": "Late idea", "status": "planned"}),
        ("submit", [], {}),
        ("assignments", [], {"c1": "", "c2": ""}),
    ],
)
def test_a_form_opened_before_the_close_is_refused_with_the_reason(
    client: Client, cast: Cast, draft: Assessment, view: str, args: list, data: dict
) -> None:
    client.force_login(cast.lead_a)
    response = client.post(reverse(f"assessments:{view}", args=[draft.pk, *args]), data)
    assert response.status_code == 403
    assert f"cycle {CLOSED}" in response.content.decode()
    assert not ActionItem.objects.filter(assessment=draft).exists()
    assert Assessment.objects.get(pk=draft.pk).status == Assessment.Status.DRAFT


def test_a_viewer_is_refused_without_a_reason_about_dates(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.viewer_a)
    response = client.post(reverse("assessments:submit", args=[draft.pk]))
    assert response.status_code == 403
    assert "Your role does not allow it" in response.content.decode()


def test_the_overview_says_the_due_date_with_the_days_left(client: Client, cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.viewer_a)
    html = client.get(reverse("assessments:overview", args=[a.pk])).content.decode()
    assert f"Due {_day(a.cycle.due_on)} — 14 days left" in html


def test_the_assessment_list_shows_a_closed_cycle_as_closed_and_offers_no_start(
    client: Client, cast: Cast
) -> None:
    cycle = open_cycle(by=cast.staff, name="2026", opens_in=-90, due_in=-40, closes_in=-33)
    client.force_login(cast.lead_a)
    html = client.get(reverse("assessments:index")).content.decode()
    assert f"2026: Closed on {_day(cycle.closes_on)}" in html
    assert "2026 is open" not in html
    assert "Start the 2026 assessment" not in html


# --- Late ------------------------------------------------------------------------------------


def _submitted_late(cast: Cast) -> Assessment:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a)
    move_dates(a.cycle, by=cast.staff, due_in=-2, closes_in=5)
    return assessment_submit(assessment=Assessment.objects.get(pk=a.pk), by=cast.lead_a)


def test_a_submission_after_the_due_day_is_late_and_one_before_is_not(cast: Cast) -> None:
    late = _submitted_late(cast)
    assert late.is_late
    on_time = started(organization=cast.org_b, by=cast.lead_b)
    answer_all(assessment=on_time, by=cast.lead_b)
    assert not assessment_submit(assessment=on_time, by=cast.lead_b).is_late


def test_a_late_submission_is_marked_on_every_list_of_it(client: Client, cast: Cast) -> None:
    late = _submitted_late(cast)
    badge = '<span class="badge text-bg-warning">Late</span>'
    client.force_login(cast.lead_a)
    for url in (reverse("assessments:index"), reverse("assessments:overview", args=[late.pk])):
        assert badge in client.get(url).content.decode(), url
    client.force_login(cast.staff)
    for url in (reverse("consortium:review_queue"), reverse("consortium:review", args=[late.pk])):
        assert badge in client.get(url).content.decode(), url


def test_a_submission_on_time_is_not_marked_late(client: Client, cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a)
    assessment_submit(assessment=a, by=cast.lead_a)
    client.force_login(cast.staff)
    assert ">Late<" not in client.get(reverse("consortium:review_queue")).content.decode()


def test_a_due_day_after_a_close_is_refused_as_out_of_order(cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff)
    with pytest.raises(ValidationError) as excinfo:
        move_dates(cycle, by=cast.staff, due_in=40, closes_in=30)
    assert list(excinfo.value.message_dict) == ["due_on"]
    cycle.refresh_from_db()
    assert cycle.closes_on - cycle.due_on == timedelta(days=16)

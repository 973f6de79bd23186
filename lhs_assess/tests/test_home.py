"""The home page is each person's to-do list, with a link to where each thing is done."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment
from assessments.services import (
    ActionInput,
    action_item_save,
    assessment_start,
    assessment_submit,
    assignment_set,
    comment_add,
)
from assessments.tests.factories import (
    answer_all,
    days_from_today,
    move_dates,
    open_cycle,
    started,
)
from consortium.services import assessment_return
from organizations.models import Organization, User
from organizations.tests.factories import UserFactory, organization_with_lead
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _day(d: Any) -> str:
    return f"{d.day} {d:%b %Y}"


def _action(a: Assessment, by: User, title: str, *, owner: User | None, due_in: int) -> int:
    item = action_item_save(
        assessment=a,
        commitment=a.cycle.rubric.commitments.get(code="c2"),
        data=ActionInput(title, "", None, None, owner, days_from_today(due_in), "planned"),
        by=by,
    )
    return item.pk


@pytest.fixture
def current(cast: Cast) -> Assessment:
    """A's assessment of this cycle, carried forward from last cycle's: every answer to
    confirm, c1 assigned to the contributor, c2 to the lead, two overdue actions."""
    last = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=last, by=cast.lead_a)
    assessment_submit(assessment=last, by=cast.lead_a)
    cycle = open_cycle(by=cast.staff, rubric=last.cycle.rubric, name="This year", due_in=12)
    a = assessment_start(organization=cast.org_a, cycle=cycle, by=cast.lead_a, carry_forward=True)
    c1, c2 = a.cycle.rubric.commitments.order_by("order")
    for commitment, membership in ((c1, cast.contributor_a_membership),
                                   (c2, cast.lead_a_membership)):  # fmt: skip
        assignment_set(assessment=a, commitment=commitment, membership=membership, by=cast.lead_a)
    _action(a, cast.lead_a, "Contributor's late survey", owner=cast.contributor_a, due_in=-9)
    _action(a, cast.lead_a, "Lead's late charter", owner=cast.lead_a, due_in=-2)
    _action(a, cast.lead_a, "Not yet due", owner=cast.lead_a, due_in=5)
    return a


def _home(client: Client, who: User) -> str:
    client.force_login(who)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(0)


def test_a_lead_sees_their_commitments_what_to_confirm_the_due_date_and_overdue_actions(
    client: Client, cast: Cast, current: Assessment
) -> None:
    html = _home(client, cast.lead_a)
    c2 = reverse("assessments:commitment", args=[current.pk, "c2"])
    c1 = reverse("assessments:commitment", args=[current.pk, "c1"])
    assigned = _section(html, "assigned-heading")
    assert f'href="{c2}"' in assigned
    assert "0 of 3 criteria done" in assigned
    assert f'href="{c1}"' not in assigned  # the contributor's
    confirm = _section(html, "confirm-heading")  # a lead confirms every commitment
    assert f'href="{c1}#criterion-c1-1"' in confirm
    assert f'href="{c2}#criterion-c2-1"' in confirm
    assert confirm.count("3 answers to confirm or change") == 2
    due = _section(html, "due-heading")
    assert f"Due {_day(current.cycle.due_on)} — 12 days left" in due
    assert reverse("assessments:overview", args=[current.pk]) in due
    overdue = _section(html, "overdue-heading")
    mine, theirs = overdue.index("Lead&#x27;s late charter"), overdue.index("late survey")
    assert mine < theirs  # the lead's own first, though the other is older
    assert "Not yet due" not in overdue
    assert overdue.count("Overdue</span>") == 2
    for item in current.action_items.filter(due_date__lt=days_from_today(0)):
        assert reverse("assessments:plan_item", args=[current.pk, "c2", item.pk]) in overdue


def test_a_contributor_sees_only_their_commitments_to_confirm(
    client: Client, cast: Cast, current: Assessment
) -> None:
    html = _home(client, cast.contributor_a)
    c1 = reverse("assessments:commitment", args=[current.pk, "c1"])
    c2 = reverse("assessments:commitment", args=[current.pk, "c2"])
    assert f'href="{c1}"' in _section(html, "assigned-heading")
    confirm = _section(html, "confirm-heading")
    assert f'href="{c1}#criterion-c1-1"' in confirm
    assert c2 not in confirm
    overdue = _section(html, "overdue-heading")
    assert overdue.index("late survey") < overdue.index("Lead&#x27;s late charter")


def test_a_returned_assessment_shows_its_open_threads_linking_to_each_criterion(
    client: Client, cast: Cast
) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a)
    assessment_submit(assessment=a, by=cast.lead_a)
    criterion = a.cycle.rubric.commitments.get(code="c1").criteria.order_by("order").first()
    assert criterion is not None
    comment_add(assessment=a, criterion=criterion, body="Name the board minutes.", by=cast.staff)
    assessment_return(assessment=a, by=cast.staff, message="Thanks.")
    returned = _section(_home(client, cast.lead_a), "returned-heading")
    assert "2 open threads to answer" in returned
    assert reverse("assessments:overview", args=[a.pk]) in returned
    url = reverse("assessments:commitment", args=[a.pk, "c1"])
    assert f'href="{url}#thread-{criterion.code}"' in returned
    assert "Name the board minutes." in returned


def test_a_lead_is_told_to_start_an_open_cycle(client: Client, cast: Cast) -> None:
    open_cycle(by=cast.staff, name="2027")
    start = _section(_home(client, cast.lead_a), "start-heading")
    assert "Start the 2027 assessment" in start
    assert reverse("assessments:index") in start


def test_a_viewer_sees_the_latest_report_and_submitted_assessment(
    client: Client, cast: Cast
) -> None:
    older = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=older, by=cast.lead_a)
    assessment_submit(assessment=older, by=cast.lead_a)
    newer = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=newer, by=cast.lead_a)
    assessment_submit(assessment=newer, by=cast.lead_a)
    Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=newer, fingerprint="f", status="ready"
    )
    report = _section(_home(client, cast.viewer_a), "report-heading")
    assert f'href="{reverse("reports:for_assessment", args=[newer.pk])}"' in report
    assert f'href="{reverse("assessments:overview", args=[newer.pk])}"' in report
    assert "(ready)" in report
    assert str(older.pk) not in re.findall(r'href="[^"]*"', report)[0]


def test_staff_see_the_oldest_submissions_first_and_cycles_closing_soon(
    client: Client, cast: Cast
) -> None:
    soon = open_cycle(by=cast.staff, name="Closing soon", due_in=5, closes_in=20)
    open_cycle(by=cast.staff, name="Closing later", due_in=20, closes_in=40)
    first = started(organization=cast.org_a, by=cast.lead_a, cycle=soon)
    second = started(organization=cast.org_b, by=cast.lead_b, cycle=soon)
    for a, lead in ((first, cast.lead_a), (second, cast.lead_b)):
        answer_all(assessment=a, by=lead)
        assessment_submit(assessment=a, by=lead)
    html = _home(client, cast.staff)
    queue = _section(html, "queue-heading")
    a_url = reverse("consortium:review", args=[first.pk])
    b_url = reverse("consortium:review", args=[second.pk])
    assert queue.index(a_url) < queue.index(b_url)
    closing = _section(html, "closing-heading")
    assert f'href="{reverse("consortium:cycle", args=[soon.pk])}"' in closing
    assert "Closing later" not in closing


def test_the_home_page_shows_only_the_persons_own_organization(
    client: Client, cast: Cast, current: Assessment
) -> None:
    html = _home(client, cast.lead_b)
    assert str(current.pk) not in " ".join(re.findall(r'href="/assessments/[^"]*"', html))
    assert "late charter" not in html
    assert "Alpha Health" not in html
    staff_html = _home(client, cast.staff)
    assert "late charter" not in staff_html  # staff get the queue, not an organization's plan


def test_an_assessment_locked_by_its_closing_day_is_not_a_to_do(
    client: Client, cast: Cast, current: Assessment
) -> None:
    move_dates(current.cycle, by=cast.staff, closes_in=-1)
    html = _home(client, cast.lead_a)
    assert "criteria done" not in html
    assert "to confirm or change" not in html
    due = _section(html, "due-heading")
    assert f"Closed on {_day(days_from_today(-1))}. It is read-only, not submitted" in due


def test_following_a_to_do_opens_the_page_to_act_on_it(
    client: Client, cast: Cast, current: Assessment
) -> None:
    html = _home(client, cast.lead_a)
    links = set(re.findall(r'href="(/assessments/[^"#]*)', html))
    assert len(links) >= 5
    for url in links:
        assert client.get(url).status_code == 200, url


def _more_organizations(n: int, cast: Cast) -> None:
    """Other organizations with their own plans and submissions, which A's home never reads."""
    for _ in range(n):
        organization, lead = organization_with_lead()
        a = started(organization=organization, by=lead)
        _action(a, lead, "Someone else's", owner=lead, due_in=-1)
        answer_all(assessment=a, by=lead)
        assessment_submit(assessment=a, by=lead)


# Every page's session, user, permissions (2), current membership and rating rounds waiting
# for the person, then per person:
HOME_QUERIES = {
    # unsubmitted assessments, cycles to start, assignments, answers, review comments, the
    # newest assessment, its overdue actions counted and listed
    "lead_a": 13,
    "contributor_a": 12,  # no cycles to start: only a lead starts one
    "viewer_a": 8,  # the latest submitted assessment, its latest report
    "staff": 11,  # the two-factor check, the review queue, its count and mine, cycles closing
}


@pytest.mark.parametrize("who", sorted(HOME_QUERIES))
def test_home_queries_do_not_grow_with_the_data(
    client: Client, cast: Cast, current: Assessment, who: str, django_assert_num_queries: Any
) -> None:
    client.force_login(getattr(cast, who))
    client.get(reverse("home"))  # the session's first touch is not the page's cost
    with django_assert_num_queries(HOME_QUERIES[who]):
        client.get(reverse("home"))
    _more_organizations(8, cast)
    for n in range(12):
        _action(current, cast.lead_a, f"More late work {n}", owner=cast.lead_a, due_in=-1 - n)
    with django_assert_num_queries(HOME_QUERIES[who]):
        html = client.get(reverse("home")).content.decode()
    if who in ("lead_a", "contributor_a"):
        assert "All 14 overdue actions" in html
    if who == "staff":
        assert "9 submitted assessments" in html


def test_a_person_without_an_organization_is_told_how_to_join(client: Client) -> None:
    _, _ = organization_with_lead()
    loner = UserFactory(email="loner@example.org")
    html = _home(client, loner)
    assert "not a member of an organization" in html
    assert Organization.objects.count() == 1

"""Every kind of mail reaches the right people once, through a real SMTP server, and nobody
else; digests group; unsubscribing needs no session; reminders never repeat."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionItem, Assessment
from assessments.services import assignment_set, comment_add
from assessments.tests.factories import open_cycle, started, submitted
from consortium.reminders import reminders_send
from consortium.services import assessment_accept, assessment_return, reviewer_assign
from notifications.delivery import digests_send, mails_sweep, unsubscribe_token
from notifications.models import Delivery, Kind, Mail, Preference
from notifications.tests.conftest import Inbox
from tests.cast import Cast

pytestmark = pytest.mark.django_db

Commit = Callable[..., Any]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Commit) -> Callable[[], Any]:
    """Run the block's on-commit callbacks (the mail hand-over) as a real commit would."""

    @contextmanager
    def block() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


@pytest.fixture
def a_submitted(cast: Cast) -> Assessment:
    return submitted(organization=cast.org_a, by=cast.lead_a, cycle=open_cycle(by=cast.staff))


def _first_criterion(a: Assessment) -> Any:
    return a.cycle.rubric.commitments.get(code="c1").criteria.order_by("order").first()


def test_assigning_a_reviewer_mails_that_reviewer_only(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    with committed():
        reviewer_assign(assessment=a_submitted, reviewer=cast.admin, by=cast.staff)
    assert smtp.recipients() == ["admin@consortium.test"]
    message = smtp.messages[0]
    assert message["Subject"] == f"Review Alpha Health, {a_submitted.cycle.name}"
    body = smtp.text(message)
    assert "staff@consortium.test asked you to review" in body
    assert f"https://lhs.example.org/consortium/reviews/{a_submitted.pk}/" in body
    assert "https://lhs.example.org/mail/unsubscribe/" in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Open it here" in smtp.html(message)


def test_assigning_a_commitment_mails_the_contributor(
    cast: Cast, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    c1 = a.cycle.rubric.commitments.get(code="c1")
    with committed():
        assignment_set(
            assessment=a, commitment=c1, membership=cast.contributor_a_membership, by=cast.lead_a
        )
        assignment_set(  # the same again changes nothing and mails nobody
            assessment=a, commitment=c1, membership=cast.contributor_a_membership, by=cast.lead_a
        )
    assert smtp.recipients() == ["contributor@alpha.test"]


def test_returning_mails_the_lead_with_the_threads_to_answer_and_nobody_else(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    with committed():
        comment_add(
            assessment=a_submitted,
            criterion=_first_criterion(a_submitted),
            body="Which committee minutes?",
            by=cast.staff,
        )
        assessment_return(assessment=a_submitted, by=cast.staff, message="Nearly there.")
    assert smtp.recipients() == ["lead@alpha.test"]  # not lead@beta, not the viewer
    body = smtp.text(smtp.messages[0])
    assert "returned with 2 threads to answer" in str(smtp.messages[0]["Subject"])
    assert "- C1-1: Which committee minutes?" in body
    assert "- Whole assessment: Nearly there." in body


def test_accepting_mails_the_lead(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    with committed():
        assessment_accept(assessment=a_submitted, by=cast.staff)
    assert smtp.recipients() == ["lead@alpha.test"]
    assert "is accepted" in str(smtp.messages[0]["Subject"])


def test_a_reply_mails_the_thread_and_a_mention_mails_the_person_named(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    criterion = _first_criterion(a_submitted)
    with committed():
        comment_add(assessment=a_submitted, criterion=criterion, body="Which?", by=cast.staff)
    assert smtp.messages == []  # nobody had written in the thread yet, and nobody was named
    with committed():
        comment_add(
            assessment=a_submitted,
            criterion=criterion,
            body="The board's. @contributor can attach them.",
            by=cast.lead_a,
        )
    assert smtp.recipients() == ["contributor@alpha.test", "staff@consortium.test"]
    mention = smtp.to("contributor@alpha.test")[0]
    assert "mentioned you" in str(mention["Subject"])
    assert f"/assessments/{a_submitted.pk}/commitments/c1/#thread-c1-1" in smtp.text(mention)
    reply = smtp.to("staff@consortium.test")[0]
    assert "New reply" in str(reply["Subject"])
    assert f"/consortium/reviews/{a_submitted.pk}/#thread-c1-1" in smtp.text(reply)


def test_a_mention_of_someone_outside_the_organization_mails_nobody(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    with committed():
        comment = comment_add(
            assessment=a_submitted,
            criterion=None,
            body="Ask @lead@beta.test how they did it.",
            by=cast.lead_a,
        )
    assert list(comment.mentions.all()) == []
    assert smtp.messages == []


def test_reminders_reach_the_right_people_once_however_often_beat_runs(
    cast: Cast, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    cycle = open_cycle(by=cast.staff, due_in=3)
    draft = started(organization=cast.org_a, by=cast.lead_a, cycle=cycle)
    waiting = submitted(organization=cast.org_b, by=cast.lead_b, cycle=cycle)  # B: no reminder
    today = timezone.localdate()
    c1 = cycle.rubric.commitments.get(code="c1")
    soon = ActionItem.objects.create(
        assessment=draft, commitment=c1, title="Publish minutes", owner=cast.contributor_a,
        due_date=today + timedelta(days=5),
    )  # fmt: skip
    ActionItem.objects.create(
        assessment=draft, commitment=c1, title="Train the board", due_date=today - timedelta(days=2)
    )
    ActionItem.objects.create(
        assessment=draft, commitment=c1, title="Later", owner=cast.contributor_a,
        due_date=today + timedelta(days=30),
    )  # fmt: skip
    Assessment.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    reviewer_assign(assessment=waiting, reviewer=cast.admin, by=cast.admin)
    with committed():
        first = reminders_send()
    assert (first.cycle_due, first.plan_due, first.plan_overdue, first.review_waiting) == (
        1, 1, 1, 1,
    )  # fmt: skip
    subjects = {str(m["To"]): str(m["Subject"]) for m in smtp.messages}
    assert subjects == {
        "lead@alpha.test": "Overdue: Train the board",  # no owner: the lead
        "contributor@alpha.test": "Due soon: Publish minutes",
        "admin@consortium.test": (f"Waiting 9 days for review: Beta Clinics, {waiting.cycle.name}"),
    } | {"lead@alpha.test": "Overdue: Train the board"}
    assert [str(m["Subject"]) for m in smtp.to("lead@alpha.test")] == [
        f"The {cycle.name} assessment is due in 3 days",
        "Overdue: Train the board",  # no owner: the lead
    ]
    assert smtp.to("lead@beta.test") == []
    with committed():
        again = reminders_send()
        reminders_send()
    assert (again.cycle_due, again.plan_due, again.plan_overdue, again.review_waiting) == (
        0, 0, 0, 0,
    )  # fmt: skip
    assert len(smtp.messages) == 4
    # Moving the item's due day is a new reminder; the 14-day one was never due here.
    ActionItem.objects.filter(pk=soon.pk).update(due_date=today + timedelta(days=6))
    with committed():
        assert reminders_send().plan_due == 1
    assert len(smtp.messages) == 5


def test_digests_group_a_day_of_mail_into_one_message(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    for kind in (Kind.RETURNED, Kind.THREAD):
        Preference.objects.create(user=cast.lead_a, kind=kind, delivery=Delivery.DIGEST)
    criterion = _first_criterion(a_submitted)
    with committed():
        comment_add(assessment=a_submitted, criterion=criterion, body="Which?", by=cast.staff)
        comment_add(assessment=a_submitted, criterion=criterion, body="These.", by=cast.lead_a)
        comment_add(assessment=a_submitted, criterion=criterion, body="Thanks.", by=cast.staff)
        assessment_return(assessment=a_submitted, by=cast.staff)
    assert smtp.to("lead@alpha.test") == []  # waiting for the digest
    assert digests_send() == 1
    assert digests_send() == 0  # nothing twice
    [digest] = smtp.to("lead@alpha.test")
    assert str(digest["Subject"]) == "Your daily digest: 2 updates"
    text = smtp.text(digest)
    assert "== An assessment is returned with comments ==" in text
    assert "== Replies and mentions in comment threads ==" in text
    assert "Thanks." in text


def test_unsubscribing_works_without_a_session_and_stops_that_kind(
    client: Client, cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any]
) -> None:
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user=cast.lead_a, kind=Kind.ACCEPTED)]
    )
    page = client.get(url)
    assert page.status_code == 200
    assert "Stop these mails?" in page.content.decode()
    assert Preference.objects.count() == 0  # opening the link (a mail scanner) changes nothing
    done = client.post(url)
    assert "no more of these mails" in done.content.decode()
    assert Preference.objects.get(user=cast.lead_a, kind=Kind.ACCEPTED).delivery == Delivery.NEVER
    with committed():
        assessment_accept(assessment=a_submitted, by=cast.staff)
    assert smtp.messages == []
    assert client.get(url[:-3] + "xx/").status_code == 404  # a forged token changes nothing


def test_the_mail_page_saves_each_choice(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    choices = dict.fromkeys(Kind.values, "now") | {Kind.PLAN_DUE: "digest"}
    response = client.post(reverse("notifications:preferences"), choices, follow=True)
    assert "Saved your choices for 1 kind of mail." in response.content.decode()
    assert list(Preference.objects.values_list("user__email", "kind", "delivery")) == [
        ("lead@alpha.test", "plan_due", "digest")
    ]
    bad = client.post(reverse("notifications:preferences"), {Kind.PLAN_DUE: "hourly"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_a_mail_the_smtp_server_refused_is_sent_by_the_sweep(
    cast: Cast, a_submitted: Assessment, smtp: Inbox, committed: Callable[[], Any], settings: Any
) -> None:
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens: the send fails and the row stays
    with committed():
        assessment_accept(assessment=a_submitted, by=cast.staff)
    mail = Mail.objects.get()
    assert (mail.sent_at, mail.attempts) == (None, 1)
    assert mail.last_error
    settings.EMAIL_PORT = good_port
    assert mails_sweep(older_than=timedelta(0)) == 1
    assert mails_sweep(older_than=timedelta(0)) == 0
    assert smtp.recipients() == ["lead@alpha.test"]

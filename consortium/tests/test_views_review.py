"""Consortium staff review submitted assessments: the queue, the summary, accept and return."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionItem, Assessment, Cycle, ReviewComment
from assessments.tests import factories
from commitments.models import Commitment
from organizations.models import Organization
from organizations.tests.factories import OrganizationFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(cast: Cast) -> Cycle:
    return factories.open_cycle(by=cast.staff, name="2026")


@pytest.fixture
def submitted(cast: Cast, cycle: Cycle) -> Assessment:
    return _submitted(cast.org_a, cycle, cast)


def _submitted(organization: Organization, cycle: Cycle, cast: Cast) -> Assessment:
    """Every criterion at level 3, with the evidence and notes the review page shows."""
    return factories.submitted(
        organization=organization,
        cycle=cycle,
        by=cast.lead_a,
        evidence="Quarterly minutes.",
        notes="Checked by the board.",
    )


def _submitted_days_ago(organization: Organization, cycle: Cycle, days: int, cast: Cast) -> None:
    assessment = _submitted(organization, cycle, cast)
    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )


def test_the_queue_lists_only_submitted_assessments_the_oldest_first(
    client: Client, cast: Cast, cycle: Cycle
) -> None:
    for name, days in (("Recent", 1), ("Oldest", 9), ("Middle", 4)):
        _submitted_days_ago(OrganizationFactory(name=name), cycle, days, cast)
    factories.started(
        organization=OrganizationFactory(name="Drafting"), by=cast.lead_a, cycle=cycle
    )
    for name, status in (("Returned", "returned"), ("Accepted", "accepted")):
        _submitted_days_ago(OrganizationFactory(name=name), cycle, 20, cast)
        Assessment.objects.filter(organization__name=name).update(status=status)
    client.force_login(cast.staff)
    page = client.get(reverse("consortium:review_queue")).context["page"]
    assert [a.organization.name for a in page.object_list] == ["Oldest", "Middle", "Recent"]


def test_the_queue_shows_what_a_reviewer_needs_and_links_to_the_review(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review_queue")).content.decode()
    for text in ("Alpha Health", "Community hospital", "Midwest", "2026"):
        assert text in html
    assert reverse("consortium:review", args=[submitted.pk]) in html


# session, user, the user's and their groups' permissions, the two-factor check, the nav's
# membership, the count of the queue, one page of it with organizations and cycles
QUERIES_QUEUE = 8


def test_the_queue_makes_the_same_queries_for_3_or_30_submitted_assessments(
    client: Client, cast: Cast, cycle: Cycle, django_assert_num_queries: object
) -> None:
    client.force_login(cast.staff)
    client.get(reverse("home"))  # the session's first save is behind us
    for _ in range(3):
        _submitted(OrganizationFactory(), cycle, cast)
    with django_assert_num_queries(QUERIES_QUEUE):
        response = client.get(reverse("consortium:review_queue"))
    assert len(response.context["page"].object_list) == 3
    for _ in range(27):
        _submitted(OrganizationFactory(), cycle, cast)
    with django_assert_num_queries(QUERIES_QUEUE):
        response = client.get(reverse("consortium:review_queue"))
    assert len(response.context["page"].object_list) == 30


def test_the_review_page_shows_scores_answers_and_the_plan(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    first = Commitment.objects.filter(rubric=submitted.cycle.rubric).order_by("order").first()
    assert first is not None
    ActionItem.objects.create(
        assessment=submitted, commitment=first, title="Publish the minutes", target_level=4
    )
    client.force_login(cast.staff)
    response = client.get(reverse("consortium:review", args=[submitted.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Alpha Health",
        "lead@alpha.test",
        '<span class="fw-semibold">C1-1</span> Practice 1.1 is in place.',
        "3 (Defined)",
        "Quarterly minutes.",
        "Checked by the board.",
        "Publish the minutes",
        "3.00",
    ):
        assert text in html, text
    summary = response.context["summary"]
    assert [c.score.score for c in summary.commitments] == [3, 3]


def test_a_not_applicable_answer_shows_its_reason(client: Client, cast: Cast, cycle: Cycle) -> None:
    levels = {"c1-1": None, "c1-2": 2, "c1-3": 2, "c2-1": 2, "c2-2": 2, "c2-3": 2}
    assessment = factories.submitted(
        organization=cast.org_a, cycle=cycle, by=cast.lead_a, levels=levels,
        na_reason="We run no wards.",
    )  # fmt: skip
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[assessment.pk])).content.decode()
    assert "Not applicable: We run no wards." in html


def test_a_draft_assessment_is_404_on_the_review_page(
    client: Client, cast: Cast, cycle: Cycle
) -> None:
    draft = factories.started(organization=cast.org_a, by=cast.lead_a, cycle=cycle)
    client.force_login(cast.staff)
    assert client.get(reverse("consortium:review", args=[draft.pk])).status_code == 404
    assert client.post(reverse("consortium:review_accept", args=[draft.pk])).status_code == 404


def test_accepting_marks_the_assessment_accepted_and_returns_to_the_queue(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:review_accept", args=[submitted.pk]), follow=True)
    assert response.redirect_chain == [(reverse("consortium:review_queue"), 302)]
    assert "Accepted the assessment of Alpha Health." in response.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reviewed_by) == (Assessment.Status.ACCEPTED, cast.staff)


def test_an_accepted_assessment_cannot_be_accepted_or_returned_again(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    client.post(reverse("consortium:review_accept", args=[submitted.pk]))
    response = client.post(reverse("consortium:review_accept", args=[submitted.pk]), follow=True)
    assert "Only a submitted assessment can be accepted." in response.content.decode()
    page = client.get(reverse("consortium:review", args=[submitted.pk]))
    assert "nothing to decide" in page.content.decode()
    response = client.post(
        reverse("consortium:review_return", args=[submitted.pk]), {"general": "Late thought."}
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.ACCEPTED


def test_returning_needs_at_least_one_comment_shown_with_the_form(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:review_return", args=[submitted.pk]), {"general": "   "}
    )
    assert response.status_code == 400
    assert "write at least one comment before returning" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.SUBMITTED
    assert not ReviewComment.objects.exists()


def test_returning_stores_each_commitments_comment_and_the_general_one(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    first, second = Commitment.objects.filter(rubric=submitted.cycle.rubric).order_by("order")
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:review_return", args=[submitted.pk]),
        {
            "general": "Good work overall.",
            f"commitment_{first.pk}": "Attach the minutes.",
            f"commitment_{second.pk}": "",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("consortium:review_queue"), 302)]
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.RETURNED
    stored = {(c.commitment_id, c.body, c.author_id) for c in submitted.review_comments.all()}
    assert stored == {
        (None, "Good work overall.", cast.staff.pk),
        (first.pk, "Attach the minutes.", cast.staff.pk),
    }


def test_earlier_comments_are_listed_on_the_review_page(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    client.post(
        reverse("consortium:review_return", args=[submitted.pk]), {"general": "Add evidence."}
    )
    html = client.get(reverse("consortium:review", args=[submitted.pk])).content.decode()
    assert "Add evidence." in html


def test_the_review_page_changes_no_answer(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    """Staff read the answers; the page has no form that writes them."""
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[submitted.pk])).content.decode()
    actions = {
        reverse("consortium:review_accept", args=[submitted.pk]),
        reverse("consortium:review_return", args=[submitted.pk]),
        reverse("account_logout"),
    }
    assert set(re.findall(r'<form[^>]*action="([^"]+)"', html)) == actions


# session, user, the user's and their groups' permissions, the two-factor check, the nav's
# membership, the assessment, who submitted it, commitments, criteria, answers, scores,
# the plan, earlier comments, the levels' names
QUERIES_REVIEW = 15


def test_the_review_page_queries_do_not_grow_with_organizations_or_assessments(
    client: Client,
    cast: Cast,
    cycle: Cycle,
    submitted: Assessment,
    django_assert_num_queries: object,
) -> None:
    client.force_login(cast.staff)
    client.get(reverse("home"))  # the session's first save is behind us
    url = reverse("consortium:review", args=[submitted.pk])
    with django_assert_num_queries(QUERIES_REVIEW):
        client.get(url)
    for _ in range(10):
        _submitted(OrganizationFactory(), cycle, cast)
    first = Commitment.objects.filter(rubric=cycle.rubric).first()
    assert first is not None
    for i in range(5):
        ActionItem.objects.create(assessment=submitted, commitment=first, title=f"Step {i}")
        ReviewComment.objects.create(assessment=submitted, commitment=first, body=f"Note {i}")
    with django_assert_num_queries(QUERIES_REVIEW):
        client.get(url)

"""Consortium staff review submitted assessments: the queue, the summary, accept and return."""

import re
from datetime import timedelta
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import ActionItem, Answer, Assessment, Comment, Cycle
from assessments.services import (
    AnswerInput,
    answers_save,
    assessment_submit,
    comment_add,
)
from assessments.tests import factories
from commitments.models import Commitment, Criterion
from consortium.services import assessment_return
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
# membership, the cycles of the filter, the count of the queue, one page of it with
# organizations, cycles and reviewers
QUERIES_QUEUE = 9


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
        "C1-1</span>Practice 1.1 is in place.",
        "Level 3 (Defined)",
        "Quarterly minutes.",
        "Checked by the board.",
        "Publish the minutes",
        "3.00",
    ):
        assert text in html, text
    summary = response.context["summary"]
    assert [c.score.score for c in summary.commitments] == [3, 3]


def test_the_review_page_headings_never_skip_a_level(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    """The whole assessment's thread comes before the first commitment's h2: its heading is an
    h2 too (an h3 there was Lighthouse's one accessibility finding on this page)."""
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[submitted.pk])).content.decode()
    main = html[html.index("<main") :]
    levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", main)]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    assert '<h2 class="h6 mb-2 visually-hidden"\n            id="thread-general-heading">' in html


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


def _input(*, level: int, evidence: str) -> AnswerInput:
    return AnswerInput(
        level=level,
        not_applicable=False,
        na_reason="",
        evidence=evidence,
        evidence_links=[],
        notes="",
        confidence="",
    )


def _criterion(assessment: Assessment, code: str = "c1-1") -> Criterion:
    return Criterion.objects.get(commitment__rubric=assessment.cycle.rubric, code=code)


def test_returning_needs_an_open_thread_or_a_message_shown_with_the_form(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:review_return", args=[submitted.pk]), {"message": "   "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what needs to change: write a message here or a comment on a criterion." in html
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.SUBMITTED
    assert not Comment.objects.exists()


def test_returning_keeps_the_criterion_threads_and_adds_the_message_to_the_whole(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    url = reverse("assessments:comment", args=[submitted.pk])
    review = reverse("consortium:review", args=[submitted.pk])
    response = client.post(
        url, {"criterion": "c1-1", "body": "Attach the minutes.", "next": review}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{review}#thread-c1-1"
    response = client.post(
        reverse("consortium:review_return", args=[submitted.pk]),
        {"message": "Good work overall."},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("consortium:review_queue"), 302)]
    submitted.refresh_from_db()
    assert submitted.status == Assessment.Status.RETURNED
    stored = {
        (c.thread.criterion.code if c.thread.criterion else None, c.body, c.author_id)
        for c in Comment.objects.filter(thread__assessment=submitted).select_related(
            "thread__criterion"
        )
    }
    assert stored == {
        (None, "Good work overall.", cast.staff.pk),
        ("c1-1", "Attach the minutes.", cast.staff.pk),
    }


def test_threads_are_shown_on_the_review_page_and_the_scoring_page(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    comment_add(
        assessment=submitted, criterion=_criterion(submitted), body="Add evidence.", by=cast.staff
    )
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[submitted.pk])).content.decode()
    assert "Add evidence." in html
    assert 'id="thread-c1-1"' in html
    client.force_login(cast.viewer_a)
    html = client.get(reverse("assessments:commitment", args=[submitted.pk, "c1"])).content.decode()
    assert "Add evidence." in html
    assert 'id="comment-c1-1"' not in html  # a viewer reads, never writes


def test_the_review_page_changes_no_answer(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    """Staff read the answers; no form of the page writes them: it only decides, assigns,
    marks commitments reviewed and writes in threads."""
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[submitted.pk])).content.decode()
    allowed = {
        reverse("consortium:review_accept", args=[submitted.pk]),
        reverse("consortium:review_return", args=[submitted.pk]),
        reverse("consortium:reviewer_assign", args=[submitted.pk]),
        reverse("assessments:comment", args=[submitted.pk]),
        reverse("account_logout"),
    } | {
        reverse("consortium:commitment_accept", args=[submitted.pk, code]) for code in ("c1", "c2")
    }
    assert set(re.findall(r'<form[^>]*action="([^"]+)"', html)) == allowed


def test_the_review_page_marks_changes_since_last_cycle_and_since_the_return(
    client: Client, cast: Cast, cycle: Cycle
) -> None:
    earlier = factories.open_cycle(by=cast.staff, name="2025")
    factories.submitted(organization=cast.org_a, cycle=earlier, by=cast.lead_a)  # all at 3
    Cycle.objects.filter(pk=earlier.pk).update(opens_on=cycle.opens_on - timedelta(days=365))
    levels = {"c1-1": 4, "c1-2": 3, "c1-3": 3, "c2-1": 3, "c2-2": 3, "c2-3": 3}
    a = factories.submitted(organization=cast.org_a, cycle=cycle, by=cast.lead_a, levels=levels)
    comment_add(assessment=a, criterion=_criterion(a, "c1-2"), body="Really 3?", by=cast.staff)
    assessment_return(assessment=a, by=cast.staff)
    answer = Answer.objects.get(assessment=a, criterion__code="c1-2")
    answers_save(
        assessment=a,
        answers={answer.pk: (answer.version, _input(level=2, evidence="Only one ward."))},
        by=cast.lead_a,
    )
    assessment_submit(assessment=a, by=cast.lead_a)
    client.force_login(cast.staff)
    response = client.get(reverse("consortium:review", args=[a.pk]))
    rows = {r.criterion.code: r for c in response.context["summary"].commitments for r in c.answers}
    assert rows["c1-1"].changed_since_previous
    assert rows["c1-1"].at_return is None
    assert rows["c1-2"].changed_since_previous
    assert rows["c1-2"].at_return == "3"
    assert not rows["c1-3"].changed_since_previous
    assert not rows["c1-3"].edited_since_return
    html = response.content.decode()
    assert "Changed since 2025: was" in html
    assert "Changed since the return: was 3" in html


def test_staff_assign_a_reviewer_or_take_it_and_filter_the_queue_by_it(
    client: Client, cast: Cast, submitted: Assessment, cycle: Cycle
) -> None:
    other = _submitted(OrganizationFactory(name="Other Care"), cycle, cast)
    client.force_login(cast.staff)
    url = reverse("consortium:reviewer_assign", args=[submitted.pk])
    assert client.post(url, {"take": "1"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.reviewer == cast.staff
    page = client.get(reverse("consortium:review_queue"), {"mine": "on"}).context["page"]
    assert [a.pk for a in page.object_list] == [submitted.pk]
    assert client.post(url, {"reviewer": cast.lead_a.pk}).status_code == 400  # not a reviewer
    submitted.refresh_from_db()
    assert submitted.reviewer == cast.staff
    page = client.get(reverse("consortium:review_queue")).context["page"]
    assert {a.pk for a in page.object_list} == {submitted.pk, other.pk}


def test_the_queue_keeps_closed_cycles_apart(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    old = factories.open_cycle(by=cast.staff, name="2024")
    late = _submitted(OrganizationFactory(name="Old Times"), old, cast)
    Cycle.objects.filter(pk=old.pk).update(status=Cycle.Status.CLOSED)
    client.force_login(cast.staff)
    page = client.get(reverse("consortium:review_queue")).context["page"]
    assert [a.pk for a in page.object_list] == [submitted.pk]
    page = client.get(reverse("consortium:review_queue_closed")).context["page"]
    assert [a.pk for a in page.object_list] == [late.pk]


def test_the_queue_filters_by_type_region_status_and_cycle(
    client: Client, cast: Cast, submitted: Assessment, cycle: Cycle
) -> None:
    returned = _submitted(OrganizationFactory(name="Back Again"), cycle, cast)
    Assessment.objects.filter(pk=returned.pk).update(status=Assessment.Status.RETURNED)
    client.force_login(cast.staff)
    queue = reverse("consortium:review_queue")

    def names(**params: str) -> set[str]:
        return {a.organization.name for a in client.get(queue, params).context["page"].object_list}

    assert names() == {"Alpha Health"}
    assert names(status="returned") == {"Back Again"}
    assert names(status="all") == {"Alpha Health", "Back Again"}
    org = submitted.organization
    assert names(type=org.type, region=org.region) == {"Alpha Health"}
    other_region = next(r for r in Organization.Region.values if r != org.region)
    assert names(region=other_region) == set()
    assert names(cycle=str(cycle.pk)) == {"Alpha Health"}
    assert client.get(queue, {"cycle": "99999999999999999999"}).status_code == 200


def test_marking_a_commitment_reviewed_shows_in_the_navigator(
    client: Client, cast: Cast, submitted: Assessment
) -> None:
    client.force_login(cast.staff)
    url = reverse("consortium:commitment_accept", args=[submitted.pk, "c1"])
    assert client.post(url).status_code == 302
    response = client.get(reverse("consortium:review", args=[submitted.pk]))
    assert response.context["summary"].accepted == 1
    assert "1 of 2 reviewed" in response.content.decode()
    client.post(url, {"accepted": "0"})
    response = client.get(reverse("consortium:review", args=[submitted.pk]))
    assert response.context["summary"].accepted == 0
    assert (
        client.post(reverse("consortium:commitment_accept", args=[submitted.pk, "zz"])).status_code
        == 404
    )


# session, user, the user's and their groups' permissions, the two-factor check, the nav's
# membership, the assessment, who submitted it, reviewers for the form, commitments, criteria,
# answers, files, the previous assessment, threads and their comments, scores, acceptances,
# the plan, the levels' names
QUERIES_REVIEW = 20


def test_the_review_page_queries_do_not_grow_with_organizations_comments_or_files(
    client: Client,
    cast: Cast,
    cycle: Cycle,
    submitted: Assessment,
    django_assert_num_queries: object,
) -> None:
    client.force_login(cast.staff)
    client.get(reverse("home"))  # the session's first save is behind us
    url = reverse("consortium:review", args=[submitted.pk])
    comment_add(assessment=submitted, criterion=None, body="First", by=cast.staff)
    with django_assert_num_queries(QUERIES_REVIEW):
        client.get(url)
    for _ in range(10):
        _submitted(OrganizationFactory(), cycle, cast)
    first = Commitment.objects.filter(rubric=cycle.rubric).first()
    assert first is not None
    for i, criterion in enumerate(Criterion.objects.filter(commitment__rubric=cycle.rubric)):
        ActionItem.objects.create(assessment=submitted, commitment=first, title=f"Step {i}")
        for j in range(3):
            comment_add(assessment=submitted, criterion=criterion, body=f"Note {j}", by=cast.staff)
    comment_add(assessment=submitted, criterion=None, body="Overall", by=cast.lead_a)
    with django_assert_num_queries(QUERIES_REVIEW):
        client.get(url)

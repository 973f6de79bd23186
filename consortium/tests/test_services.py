"""The consortium's services: cycles on published rubrics, and the review (accept, return)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Assessment, Comment
from assessments.services import assessment_submit, comment_add, thread_resolve
from assessments.tests.factories import answer_all, started
from commitments.models import Criterion, Rubric
from commitments.tests.factories import make_rubric
from consortium.services import assessment_accept, assessment_return, cycle_create
from organizations.models import User
from organizations.tests.factories import UserFactory, organization_with_lead

pytestmark = pytest.mark.django_db

ALL = {"c1-1": 2, "c1-2": 3, "c1-3": 4, "c2-1": 5, "c2-2": None, "c2-3": 1}


@pytest.fixture
def lead() -> User:
    return UserFactory(email="lead@alpha.test")


@pytest.fixture
def rubric() -> Rubric:
    return make_rubric()  # 2 commitments x 3 criteria; weights 1.5, 1, 1


@pytest.fixture
def assessment() -> Assessment:
    """A draft of a fresh cycle by its organization's lead, every criterion answered."""
    organization, lead = organization_with_lead()
    draft = started(organization=organization, by=lead)
    answer_all(assessment=draft, by=lead, levels=ALL)
    return draft


def test_a_cycle_takes_only_a_published_rubric(lead: User) -> None:
    draft = make_rubric(publish=False, version="d")
    with pytest.raises(ValidationError) as excinfo:
        cycle_create(
            name="X", rubric=draft, opens_on=datetime.date(2026, 1, 1),
            due_on=datetime.date(2026, 1, 15), closes_on=datetime.date(2026, 2, 1), by=lead,
        )  # fmt: skip
    assert excinfo.value.message_dict == {
        "rubric": ["Only a published rubric can be chosen for a cycle."]
    }


def test_a_cycle_cannot_close_before_it_opens(lead: User, rubric: Rubric) -> None:
    with pytest.raises(ValidationError) as excinfo:
        cycle_create(
            name="X", rubric=rubric, opens_on=datetime.date(2026, 2, 1),
            due_on=datetime.date(2026, 1, 1), closes_on=datetime.date(2026, 1, 1), by=lead,
        )  # fmt: skip
    assert "closes_on" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("start", "service"),
    [
        ("draft", "accept"),
        ("draft", "return"),
        ("accepted", "accept"),
        ("accepted", "return"),
        ("returned", "accept"),
        ("accepted", "submit"),
        ("submitted", "submit"),
    ],
)
def test_the_state_machine_refuses_every_illegal_transition(
    assessment: Assessment, start: str, service: str
) -> None:
    lead = assessment.created_by
    staff = UserFactory()
    if start != "draft":
        assessment_submit(assessment=assessment, by=lead)
    if start == "accepted":
        assessment_accept(assessment=assessment, by=staff)
    if start == "returned":
        assessment_return(assessment=assessment, by=staff, message="More.")
    calls = {
        "accept": lambda: assessment_accept(assessment=assessment, by=staff),
        "return": lambda: assessment_return(assessment=assessment, by=staff, message="x"),
        "submit": lambda: assessment_submit(assessment=assessment, by=lead),
    }
    with pytest.raises(ValidationError):
        calls[service]()
    assessment.refresh_from_db()
    assert assessment.status == start


def test_return_needs_an_open_thread_or_a_message_and_keeps_the_threads(
    assessment: Assessment,
) -> None:
    assessment_submit(assessment=assessment, by=assessment.created_by)
    staff = UserFactory()
    with pytest.raises(ValidationError, match="Say what needs to change"):
        assessment_return(assessment=assessment, by=staff, message="  ")
    assert not Comment.objects.exists()
    criterion = Criterion.objects.filter(commitment__rubric=assessment.cycle.rubric).first()
    assert criterion is not None
    comment_add(assessment=assessment, criterion=criterion, body="Cite the minutes.", by=staff)
    assessment_return(assessment=assessment, by=staff)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.RETURNED
    assert assessment.returned_at is not None
    assert list(
        Comment.objects.filter(thread__assessment=assessment).values_list(
            "thread__criterion__code", "body"
        )
    ) == [(criterion.code, "Cite the minutes.")]


def test_a_resolved_thread_does_not_count_as_a_reason_to_return(assessment: Assessment) -> None:
    assessment_submit(assessment=assessment, by=assessment.created_by)
    staff = UserFactory()
    criterion = Criterion.objects.filter(commitment__rubric=assessment.cycle.rubric).first()
    assert criterion is not None
    comment = comment_add(assessment=assessment, criterion=criterion, body="Fine now.", by=staff)
    thread_resolve(thread=comment.thread, by=staff)
    with pytest.raises(ValidationError, match="Say what needs to change"):
        assessment_return(assessment=assessment, by=staff)

"""Rating rounds: blind ratings, submission, and a consensus that becomes the answer."""

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Answer, Assessment
from assessments.tests import factories
from organizations.tests.factories import UserFactory
from ratings.models import Consensus, Rating, Round
from ratings.services import (
    RatingInput,
    consensus_record,
    rater_invite,
    rater_submit,
    rating_save,
    round_criteria,
    round_open,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _round(cast: Cast) -> tuple[Assessment, Round]:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    c1 = assessment.cycle.rubric.commitments.get(code="c1")
    rnd = round_open(
        assessment=assessment,
        commitments=[c1],
        closes_on=factories.days_from_today(7),
        named=False,
        by=cast.lead_a,
    )
    return assessment, rnd


def test_a_round_covers_only_the_chosen_commitments(cast: Cast) -> None:
    _, rnd = _round(cast)
    assert [c.code for c in round_criteria(rnd)] == ["c1-1", "c1-2", "c1-3"]


def test_a_round_needs_a_commitment_and_a_day_not_past(cast: Cast) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    with pytest.raises(ValidationError) as e:
        round_open(
            assessment=assessment,
            commitments=[],
            closes_on=factories.days_from_today(-1),
            named=False,
            by=cast.lead_a,
        )
    assert "commitments" in e.value.message_dict


def test_submitting_needs_every_criterion_rated_then_freezes_the_ratings(cast: Cast) -> None:
    _, rnd = _round(cast)
    rater = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    criteria = round_criteria(rnd)
    rating_save(rater=rater, criterion=criteria[0], data=RatingInput(2, False, "Some"))
    rating_save(rater=rater, criterion=criteria[1], data=RatingInput(None, True, ""))
    with pytest.raises(ValidationError, match="C1-3"):
        rater_submit(rater=rater)
    rating_save(rater=rater, criterion=criteria[2], data=RatingInput(4, False, ""))
    rater_submit(rater=rater)
    with pytest.raises(ValidationError, match="submitted"):
        rating_save(rater=rater, criterion=criteria[0], data=RatingInput(5, False, ""))
    assert Rating.objects.get(rater=rater, criterion=criteria[0]).level == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (RatingInput(3, True, ""), "level"),
        (RatingInput(6, False, ""), "level"),
        (RatingInput(0, False, ""), "level"),
        (RatingInput(3, False, "x" * 2001), "rationale"),
        (RatingInput(3, False, "pasted\x00text"), "rationale"),
    ],
)
def test_a_bad_rating_is_refused_and_names_its_field(
    cast: Cast, data: RatingInput, field: str
) -> None:
    _, rnd = _round(cast)
    rater = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    with pytest.raises(ValidationError) as e:
        rating_save(rater=rater, criterion=round_criteria(rnd)[0], data=data)
    assert field in e.value.message_dict
    assert not Rating.objects.exists()


def test_a_criterion_outside_the_round_cannot_be_rated(cast: Cast) -> None:
    assessment, rnd = _round(cast)
    rater = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    other = assessment.cycle.rubric.commitments.get(code="c2").criteria.first()
    assert other is not None
    with pytest.raises(ValidationError, match="not part of the round"):
        rating_save(rater=rater, criterion=other, data=RatingInput(3, False, ""))


def test_one_invitation_per_person(cast: Cast) -> None:
    _, rnd = _round(cast)
    partner = UserFactory(email="partner@community.test")
    rater_invite(rnd=rnd, user=partner, is_partner=True, by=cast.lead_a)
    with pytest.raises(ValidationError, match="already invited"):
        rater_invite(rnd=rnd, user=partner, is_partner=True, by=cast.lead_a)


def test_the_consensus_becomes_the_answer_with_history_and_a_link_back(cast: Cast) -> None:
    assessment, rnd = _round(cast)
    criterion = round_criteria(rnd)[1]
    before = Answer.objects.get(assessment=assessment, criterion=criterion)
    consensus = consensus_record(
        rnd=rnd, criterion=criterion, level=3, reason="Partners saw it work.", by=cast.lead_a
    )
    answer = Answer.objects.get(assessment=assessment, criterion=criterion)
    assert answer.level == 3
    assert answer.version == before.version + 1 == consensus.answer_version
    assert f"Consensus of rating round {rnd.pk}: Partners saw it work." in answer.notes
    newest = answer.history.order_by("-history_id").first()
    assert newest is not None
    assert newest.level == 3
    assert newest.history_user == cast.lead_a
    assert Consensus.objects.get(round=rnd, criterion=criterion).level == 3


@pytest.mark.parametrize(("level", "reason", "field"), [(0, "ok", "level"), (3, "  ", "reason")])
def test_a_consensus_needs_a_level_and_a_reason(
    cast: Cast, level: int, reason: str, field: str
) -> None:
    assessment, rnd = _round(cast)
    criterion = round_criteria(rnd)[0]
    with pytest.raises(ValidationError) as e:
        consensus_record(rnd=rnd, criterion=criterion, level=level, reason=reason, by=cast.lead_a)
    assert field in e.value.message_dict
    assert Answer.objects.get(assessment=assessment, criterion=criterion).level is None


def test_an_invited_rater_is_mailed_and_reminded_once_before_the_round_closes(
    cast: Cast,
) -> None:
    from datetime import timedelta

    from notifications.models import Kind, Mail
    from ratings.services import rating_reminders_send

    _, rnd = _round(cast)
    waiting = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    done = rater_invite(rnd=rnd, user=cast.viewer_a, is_partner=False, by=cast.lead_a)
    for criterion in round_criteria(rnd):
        rating_save(rater=done, criterion=criterion, data=RatingInput(3, False, ""))
    rater_submit(rater=done)
    invitations = Mail.objects.filter(kind=Kind.RATING)
    assert sorted(m.recipient.email for m in invitations) == [
        "contributor@alpha.test", "viewer@alpha.test",
    ]  # fmt: skip
    assert all(m.path == f"/ratings/rounds/{rnd.pk}/rate/" for m in invitations)
    early = rnd.closes_on - timedelta(days=4)
    assert rating_reminders_send(today=early) == 0  # more than three days left
    close = rnd.closes_on - timedelta(days=2)
    assert rating_reminders_send(today=close) == 1
    assert rating_reminders_send(today=close + timedelta(days=1)) == 0  # once, not daily
    reminder = Mail.objects.get(key__startswith="rating-due:")
    assert reminder.recipient == waiting.user
    assert "close in 2 days" in reminder.subject

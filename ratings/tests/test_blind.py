"""The blind rule and the round's figures: who reads which ratings, and what the view shows."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from assessments.tests import factories
from organizations import access
from organizations.tests.factories import UserFactory
from ratings.models import Rater, Round
from ratings.selectors import round_view
from ratings.services import (
    RatingInput,
    rater_invite,
    rater_submit,
    rating_save,
    round_criteria,
    round_open,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _round(cast: Cast, named: bool = False) -> Round:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    return round_open(
        assessment=assessment,
        commitments=list(assessment.cycle.rubric.commitments.all()),
        closes_on=factories.days_from_today(7),
        named=named,
        by=cast.lead_a,
    )


def _rate(rnd: Round, rater: Rater, levels: list[int | None], submit: bool = True) -> None:
    for criterion, level in zip(round_criteria(rnd), levels, strict=True):
        rating_save(
            rater=rater,
            criterion=criterion,
            data=RatingInput(level, level is None, f"{rater.user.email} on {criterion.code}"),
        )
    if submit:
        rater_submit(rater=rater)


def test_a_rater_reads_nothing_of_the_round_before_submitting(cast: Cast) -> None:
    rnd = _round(cast)
    first = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    second = rater_invite(rnd=rnd, user=cast.viewer_a, is_partner=False, by=cast.lead_a)
    _rate(rnd, first, [1, 2, 3, 4, 5, 3])
    _rate(rnd, second, [1, 2, 3, 4, 5, 3], submit=False)
    with pytest.raises(Http404):
        access.round_results_access(user=cast.viewer_a, pk=rnd.pk)
    # After submitting, the spread: the first rater's too, never the names.
    rater_submit(rater=second)
    reading = access.round_results_access(user=cast.viewer_a, pk=rnd.pk)
    assert reading.may_lead is False
    shown = round_view(rnd=reading.round, viewer=cast.viewer_a).criteria[0].ratings
    assert [r.label for r in shown] == ["Rater 1", "Rater 2"]


@pytest.mark.parametrize("who", ["lead_b", "staff", "admin", "viewer_a"])
def test_people_not_invited_get_404_for_the_round_and_its_sheet(cast: Cast, who: str) -> None:
    rnd = _round(cast)
    with pytest.raises(Http404):
        access.round_results_access(user=getattr(cast, who), pk=rnd.pk)
    with pytest.raises(Http404):
        access.rater_access(user=getattr(cast, who), round_pk=rnd.pk)
    with pytest.raises(Http404):
        access.round_lead_access(user=getattr(cast, who), pk=rnd.pk)


def test_ratings_not_submitted_are_never_shown_even_to_the_lead(cast: Cast) -> None:
    rnd = _round(cast)
    done = rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    drafting = rater_invite(rnd=rnd, user=cast.viewer_a, is_partner=False, by=cast.lead_a)
    _rate(rnd, done, [2, 2, 2, 2, 2, 2])
    _rate(rnd, drafting, [5, 5, 5, 5, 5, 5], submit=False)
    led = access.round_lead_access(user=cast.lead_a, pk=rnd.pk)
    view = round_view(rnd=led, viewer=cast.lead_a)
    assert (view.raters, view.submitted) == (2, 1)
    assert {r.level for row in view.criteria for r in row.ratings} == {2}


def test_a_named_round_shows_names_and_partners_are_marked(cast: Cast) -> None:
    rnd = _round(cast, named=True)
    partner = UserFactory(email="partner@community.test", first_name="Pat", last_name="Rivers")
    rater = rater_invite(rnd=rnd, user=partner, is_partner=True, by=cast.lead_a)
    _rate(rnd, rater, [3, 3, 3, 3, 3, None])
    row = round_view(rnd=rnd, viewer=cast.lead_a).criteria[0]
    assert [(r.label, r.is_partner) for r in row.ratings] == [("Pat Rivers", True)]


def test_spread_flags_and_partners_voice_match_the_ratings(cast: Cast) -> None:
    rnd = _round(cast)
    people = [cast.contributor_a, cast.viewer_a, UserFactory(), UserFactory()]
    levels = [
        [1, 3, 3, 3, 3, 3],  # staff
        [2, 3, 3, 3, 3, 3],  # staff
        [4, 3, 3, 3, 4, None],  # partner
        [5, 3, 4, 3, 4, None],  # partner
    ]
    for i, (person, row) in enumerate(zip(people, levels, strict=True)):
        rater = rater_invite(rnd=rnd, user=person, is_partner=i >= 2, by=cast.lead_a)
        _rate(rnd, rater, row)
    view = round_view(rnd=rnd, viewer=cast.lead_a)
    first, second, _, _, fifth, sixth = view.criteria
    # Criterion 1: 1 2 4 5 -> range 4, median 3, flagged; partners 4.5 against staff 1.5.
    assert (first.spread.range, first.spread.median, first.spread.disagreement) == (4, 3.0, True)
    assert (first.partner_median, first.staff_median, first.partners_differ) == (4.5, 1.5, True)
    assert (second.spread.range, second.spread.disagreement, second.partners_differ) == (
        0, False, False,
    )  # fmt: skip
    # Criterion 5: 3 3 4 4 -> partners a level above staff, kept visible.
    assert fifth.partners_differ
    assert (sixth.spread.count, sixth.spread.dont_know) == (2, 2)
    assert view.alpha.raters == 4
    assert view.alpha.value is not None


def test_the_round_view_makes_the_same_queries_for_3_or_12_raters(cast: Cast) -> None:
    counts = []
    for n in (3, 12):
        rnd = _round(cast)
        for _ in range(n):
            rater = rater_invite(rnd=rnd, user=UserFactory(), is_partner=False, by=cast.lead_a)
            _rate(rnd, rater, [1, 2, 3, 4, 5, 3])
        with CaptureQueriesContext(connection) as queries:
            round_view(rnd=rnd, viewer=cast.lead_a)
        counts.append(len(queries))
    assert counts[0] == counts[1]

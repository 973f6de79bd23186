"""The rating pages as people use them: rate, save, submit, read the spread, record consensus."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Answer
from assessments.tests import factories
from organizations.models import Membership
from organizations.tests.factories import MembershipFactory, UserFactory
from ratings.models import Consensus, Rater, Rating, Round
from ratings.services import rater_invite, round_criteria, round_open
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _round(cast: Cast) -> Round:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    return round_open(
        assessment=assessment,
        commitments=[assessment.cycle.rubric.commitments.get(code="c1")],
        closes_on=factories.days_from_today(7),
        named=False,
        by=cast.lead_a,
    )


def _partner(cast: Cast) -> Membership:
    return MembershipFactory(
        organization=cast.org_a, role=Membership.Role.PARTNER, user=UserFactory()
    )


def test_the_lead_opens_a_round_and_invites_a_partner(client: Client, cast: Cast) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    fair = assessment.cycle.rubric.commitments.get(code="c2")
    partner = _partner(cast)
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("ratings:rounds", args=[assessment.pk]),
        {"commitments": [fair.pk], "closes_on": factories.days_from_today(10).isoformat()},
    )
    rnd = Round.objects.get(assessment=assessment)
    assert response.url == reverse("ratings:round", args=[rnd.pk])
    response = client.post(reverse("ratings:invite", args=[rnd.pk]), {"membership": partner.pk})
    assert response.status_code == 302
    assert Rater.objects.get(round=rnd).is_partner


def test_a_round_without_commitments_is_refused_beside_the_field(
    client: Client, cast: Cast
) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("ratings:rounds", args=[assessment.pk]), {"closes_on": "2999-01-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at least one commitment to rate." in html
    assert 'value="2999-01-01"' in html  # the day typed is kept
    assert not Round.objects.exists()


def test_a_partner_rates_saves_and_submits_then_sees_the_spread(client: Client, cast: Cast) -> None:
    rnd = _round(cast)
    partner = _partner(cast).user
    rater_invite(rnd=rnd, user=partner, is_partner=True, by=cast.lead_a)
    one, two, three = round_criteria(rnd)
    client.force_login(partner)
    url = reverse("ratings:sheet", args=[rnd.pk])
    assert f"{rnd.assessment.organization.name}" in client.get(reverse("home")).content.decode()
    # Save two; the third left for later.
    response = client.post(
        url,
        {f"level-{one.pk}": "2", f"rationale-{one.pk}": "Rarely asked.",
         f"level-{two.pk}": "dont_know", "action": "save"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Rating.objects.filter(rater__user=partner).count() == 2
    # Submitting with one missing: 400, the missing one marked, what was typed kept.
    response = client.post(
        url,
        {f"level-{one.pk}": "2", f"rationale-{one.pk}": "Rarely asked.",
         f"level-{two.pk}": "dont_know", f"rationale-{three.pk}": "Half typed",
         "action": "submit"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'id="c-{three.code}-error"[^>]*>Choose a level', html)
    assert "Half typed" in html
    assert Rater.objects.get(user=partner).submitted_at is None
    # Complete and submit: on to the spread, with no names.
    response = client.post(
        url,
        {f"level-{one.pk}": "2", f"level-{two.pk}": "dont_know", f"level-{three.pk}": "4",
         "action": "submit"},
    )  # fmt: skip
    assert response.url == reverse("ratings:results", args=[rnd.pk])
    html = client.get(response.url).content.decode()
    assert "<strong>Partner 1</strong>" in html
    assert f"<strong>{partner.email}" not in html


def test_a_forged_level_is_refused_beside_its_criterion(client: Client, cast: Cast) -> None:
    rnd = _round(cast)
    rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    one = round_criteria(rnd)[0]
    client.force_login(cast.contributor_a)
    response = client.post(
        reverse("ratings:sheet", args=[rnd.pk]),
        {f"level-{one.pk}": "9", f"rationale-{one.pk}": "kept", "action": "save"},
    )
    assert response.status_code == 400
    assert re.search(
        rf'id="c-{one.code}-error"[^>]*>Choose a level from 1 to 5', response.content.decode()
    )
    assert not Rating.objects.exists()


def test_a_partner_sees_nothing_else_of_the_organization(client: Client, cast: Cast) -> None:
    rnd = _round(cast)
    partner = _partner(cast).user
    rater_invite(rnd=rnd, user=partner, is_partner=True, by=cast.lead_a)
    client.force_login(partner)
    for url in (
        reverse("assessments:overview", args=[rnd.assessment_id]),
        reverse("ratings:rounds", args=[rnd.assessment_id]),
        reverse("ratings:results", args=[rnd.pk]),
        reverse("organizations:members", args=[cast.org_a.slug]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("assessments:index")).status_code in (200, 302)
    assert "lead@alpha.test" not in client.get(reverse("home")).content.decode()


def test_the_lead_records_the_consensus_and_the_answer_follows(client: Client, cast: Cast) -> None:
    rnd = _round(cast)
    one = round_criteria(rnd)[0]
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("ratings:consensus", args=[rnd.pk, one.code]),
        {"level": "4", "reason": "Partners convinced us."},
    )
    assert response.status_code == 302
    assert Answer.objects.get(assessment=rnd.assessment, criterion=one).level == 4
    assert Consensus.objects.get(round=rnd, criterion=one).reason == "Partners convinced us."


def test_a_consensus_without_a_reason_comes_back_beside_the_field(
    client: Client, cast: Cast
) -> None:
    rnd = _round(cast)
    one = round_criteria(rnd)[0]
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("ratings:consensus", args=[rnd.pk, one.code]), {"level": "4", "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the group chose this level." in response.content.decode()
    assert Answer.objects.get(assessment=rnd.assessment, criterion=one).level is None


def test_the_consensus_view_makes_the_same_queries_for_2_or_8_raters(
    client: Client, cast: Cast
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ratings.services import RatingInput, rater_submit, rating_save

    counts = []
    client.force_login(cast.lead_a)
    client.get(reverse("home"))  # the session's first request stores what later ones read
    for n in (2, 8):
        rnd = _round(cast)
        for _ in range(n):
            rater = rater_invite(rnd=rnd, user=UserFactory(), is_partner=False, by=cast.lead_a)
            for c in round_criteria(rnd):
                rating_save(rater=rater, criterion=c, data=RatingInput(3, False, "r"))
            rater_submit(rater=rater)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("ratings:results", args=[rnd.pk])).status_code == 200
        counts.append([q["sql"][:90] for q in queries.captured_queries])
    assert len(counts[0]) == len(counts[1]), "\n".join(counts[1])


def test_a_thread_on_a_criterion_works_from_the_consensus_view(client: Client, cast: Cast) -> None:
    from assessments.models import Comment

    rnd = _round(cast)
    one = round_criteria(rnd)[0]
    client.force_login(cast.lead_a)
    results = reverse("ratings:results", args=[rnd.pk])
    html = client.get(results).content.decode()
    assert f'id="thread-form-{one.code}"' in html
    response = client.post(
        reverse("assessments:comment", args=[rnd.assessment_id]),
        {"criterion": one.code, "next": results, "body": "Ask the partners in March?"},
    )
    assert response.url == f"{results}#thread-{one.code}"
    assert Comment.objects.get().body == "Ask the partners in March?"
    assert "Ask the partners in March?" in client.get(results).content.decode()


def test_a_closed_round_shows_the_sheet_read_only_and_saves_nothing(
    client: Client, cast: Cast
) -> None:
    from ratings.services import round_close

    rnd = _round(cast)
    rater_invite(rnd=rnd, user=cast.contributor_a, is_partner=False, by=cast.lead_a)
    round_close(rnd=rnd, by=cast.lead_a)
    one = round_criteria(rnd)[0]
    client.force_login(cast.contributor_a)
    url = reverse("ratings:sheet", args=[rnd.pk])
    html = client.get(url).content.decode()
    assert "This round is closed for ratings." in html
    assert "Submit my ratings" not in html
    response = client.post(url, {f"level-{one.pk}": "3", "action": "save"}, follow=True)
    assert "Nothing was saved." in response.content.decode()
    assert not Rating.objects.exists()

"""Consortium staff create cycles on published rubrics, and open and close them."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Cycle
from assessments.tests.factories import open_cycle, submitted
from commitments.models import Rubric
from commitments.tests.factories import make_rubric
from organizations.tests.factories import OrganizationFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _fields(rubric: Rubric, **overrides: object) -> dict[str, object]:
    return {
        "name": "2027",
        "rubric": rubric.pk,
        "opens_on": "2027-01-01",
        "due_on": "2027-11-30",
        "closes_on": "2027-12-31",
        **overrides,
    }


def test_staff_create_a_cycle_that_is_not_yet_open(client: Client, cast: Cast) -> None:
    rubric = make_rubric()
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_create"), _fields(rubric))
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="2027")
    assert (cycle.rubric, cycle.status) == (rubric, Cycle.Status.DRAFT)
    assert (cycle.opens_on, cycle.due_on, cycle.closes_on) == (
        date(2027, 1, 1),
        date(2027, 11, 30),
        date(2027, 12, 31),
    )


def test_the_form_offers_only_published_rubrics(client: Client, cast: Cast) -> None:
    published = make_rubric(version="2026.1")
    draft = make_rubric(version="2027.1", publish=False)
    client.force_login(cast.staff)
    form = client.get(reverse("consortium:cycle_create")).context["form"]
    assert list(form.fields["rubric"].queryset) == [published]
    assert draft not in form.fields["rubric"].queryset


def test_a_draft_rubric_is_refused_beside_the_rubric_field(client: Client, cast: Cast) -> None:
    draft = make_rubric(publish=False)
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_create"), _fields(draft))
    assert response.status_code == 400
    assert response.context["form"].errors == {"rubric": ["Choose a published rubric."]}
    assert 'id="error_1_id_rubric"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_rubric_retired_after_the_form_was_shown_is_refused_by_the_service(
    client: Client, cast: Cast
) -> None:
    rubric = make_rubric()
    client.force_login(cast.staff)
    client.get(reverse("consortium:cycle_create"))
    Rubric.objects.filter(pk=rubric.pk).update(status=Rubric.Status.RETIRED)
    response = client.post(reverse("consortium:cycle_create"), _fields(rubric))
    assert response.status_code == 400
    assert "rubric" in response.context["form"].errors
    assert not Cycle.objects.exists()


def test_closing_before_opening_is_refused_beside_the_closing_date(
    client: Client, cast: Cast
) -> None:
    rubric = make_rubric()
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:cycle_create"), _fields(rubric, closes_on="2026-12-31")
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "closes_on": ["A cycle closes on or after the day it opens."]
    }
    assert 'id="error_1_id_closes_on"' in response.content.decode()
    assert not Cycle.objects.exists()


def test_a_duplicate_name_is_refused_beside_the_name(client: Client, cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff, name="2027")
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_create"), _fields(cycle.rubric))
    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["A cycle named 2027 exists already."]}
    assert Cycle.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "to", "end"),
    [("draft", "open", "open"), ("open", "closed", "closed"), ("closed", "open", "open")],
)
def test_staff_open_close_and_reopen_a_cycle(
    client: Client, cast: Cast, start: str, to: str, end: str
) -> None:
    cycle = open_cycle(by=cast.staff, opened=False)
    Cycle.objects.filter(pk=cycle.pk).update(status=start)
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_status", args=[cycle.pk]), {"status": to})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == end


def test_a_cycle_not_yet_open_cannot_be_closed_and_staff_are_told(
    client: Client, cast: Cast
) -> None:
    cycle = open_cycle(by=cast.staff, opened=False)
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:cycle_status", args=[cycle.pk]), {"status": "closed"}
    )
    assert response.status_code == 400
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT
    assert "is a draft: open it before it can be closed" in response.content.decode()


def test_an_unknown_status_is_refused_with_a_message(client: Client, cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff)
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_status", args=[cycle.pk]), {"status": "draft"})
    assert response.status_code == 400
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert "Choose whether to open or close the cycle." in response.content.decode()


def test_a_missing_cycle_is_404_for_staff(client: Client, cast: Cast) -> None:
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_status", args=[999]), {"status": "open"})
    assert response.status_code == 404


def test_the_list_counts_each_cycles_assessments_by_status(client: Client, cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff, name="2026")
    submitted(organization=cast.org_a, cycle=cycle, by=cast.lead_a)
    submitted(organization=cast.org_b, cycle=cycle, by=cast.lead_b)
    client.force_login(cast.staff)
    listed = list(client.get(reverse("consortium:cycles")).context["cycles"])
    assert [(c.name, c.draft_count, c.submitted_count, c.accepted_count) for c in listed] == [
        ("2026", 0, 2, 0)
    ]


def _cycles_with_assessments(cast: Cast, n: int, version: str) -> None:
    rubric = make_rubric(version=version)
    for i in range(n):
        cycle = open_cycle(by=cast.staff, name=f"Cycle {version}.{i}", rubric=rubric)
        for _ in range(2):
            submitted(organization=OrganizationFactory(), cycle=cycle, by=cast.lead_a)


def test_the_cycle_list_makes_the_same_queries_for_1_or_10_cycles(
    client: Client, cast: Cast, django_assert_num_queries: object
) -> None:
    client.force_login(cast.staff)
    client.get(reverse("home"))  # the session's first save is behind us
    _cycles_with_assessments(cast, 1, "2026.1")
    with django_assert_num_queries(QUERIES_CYCLE_LIST):
        assert client.get(reverse("consortium:cycles")).status_code == 200
    _cycles_with_assessments(cast, 9, "2027.1")
    with django_assert_num_queries(QUERIES_CYCLE_LIST):
        assert client.get(reverse("consortium:cycles")).status_code == 200


# session, user, the user's and their groups' permissions, the two-factor check, the nav's
# membership, the cycles with their counts
QUERIES_CYCLE_LIST = 7


def test_the_nav_offers_cycles_and_the_review_queue_to_staff_only(
    client: Client, cast: Cast
) -> None:
    for person, shown in ((cast.staff, True), (cast.admin, True), (cast.lead_a, False)):
        client.force_login(person)
        labels = [item.label for item in client.get(reverse("home")).context["nav_items"]]
        assert ("Cycles" in labels, "Review queue" in labels) == (shown, shown)

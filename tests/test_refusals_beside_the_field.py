"""The small forms refuse input as the big ones do: 400, the reason beside the field it concerns,
and nothing saved or typed is lost (the role select, a cycle's status buttons, the reviewer
select, starting an assessment, and a comment)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Comment, Cycle
from assessments.tests import factories
from organizations.models import Membership
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _beside(html: str, field_id: str) -> str:
    """The error text the page ties to `field_id` through aria-describedby."""
    tag = re.search(rf'<[^>]*id="{re.escape(field_id)}"[^>]*>', html)
    assert tag, f"no element {field_id}"
    described = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
    assert described, f"{field_id} names no description"
    assert 'aria-invalid="true"' in tag.group(0)
    error = re.search(rf'id="{described.group(1)}"[^>]*>(.*?)</div>', html, re.S)
    assert error, f"no element {described.group(1)}"
    return " ".join(error.group(1).split())


def test_an_unknown_role_is_refused_beside_that_members_select(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    pk = cast.viewer_a_membership.pk
    url = reverse("organizations:member_role", args=["alpha", pk])
    response = client.post(url, {"role": "owner"})
    assert response.status_code == 400
    assert (
        _beside(response.content.decode(), f"role-{pk}") == "Choose one of the roles in the list."
    )
    cast.viewer_a_membership.refresh_from_db()
    assert cast.viewer_a_membership.role == Membership.Role.VIEWER


def test_the_only_lead_stepping_down_is_refused_beside_their_select(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)
    pk = cast.lead_a_membership.pk
    url = reverse("organizations:member_role", args=["alpha", pk])
    response = client.post(url, {"role": "viewer"})
    assert response.status_code == 400
    assert "only lead" in _beside(response.content.decode(), f"role-{pk}")
    cast.lead_a_membership.refresh_from_db()
    assert cast.lead_a_membership.role == Membership.Role.LEAD


def test_a_good_role_change_still_redirects(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    url = reverse("organizations:member_role", args=["alpha", cast.viewer_a_membership.pk])
    assert client.post(url, {"role": "contributor"}).status_code == 302
    cast.viewer_a_membership.refresh_from_db()
    assert cast.viewer_a_membership.role == Membership.Role.CONTRIBUTOR


@pytest.mark.parametrize(
    ("posted", "said"),
    [
        ({"status": "archived"}, "Choose whether to open or close the cycle."),
        ({}, "Choose whether to open or close the cycle."),
        ({"status": "open"}, "Cycle 2026 is open already."),
    ],
)
def test_a_cycle_status_that_cannot_be_is_refused_beside_its_button(
    client: Client, cast: Cast, posted: dict[str, str], said: str
) -> None:
    cycle = factories.open_cycle(by=cast.staff, name="2026")
    client.force_login(cast.staff)
    response = client.post(reverse("consortium:cycle_status", args=[cycle.pk]), posted)
    assert response.status_code == 400
    html = response.content.decode()
    error_id = f"cycle-{cycle.pk}-status-error"
    assert f'aria-describedby="{error_id}"' in html
    error = re.search(rf'id="{error_id}"[^>]*>(.*?)</div>', html, re.S)
    assert error
    assert " ".join(error.group(1).split()) == said
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN


def test_a_reviewer_who_may_not_review_is_refused_beside_the_select(
    client: Client, cast: Cast
) -> None:
    cycle = factories.open_cycle(by=cast.staff, name="2026")
    submitted = factories.submitted(organization=cast.org_a, cycle=cycle, by=cast.lead_a)
    client.force_login(cast.staff)
    url = reverse("consortium:reviewer_assign", args=[submitted.pk])
    response = client.post(url, {"reviewer": cast.lead_a.pk})
    assert response.status_code == 400
    assert _beside(response.content.decode(), "id_reviewer") == "Choose a reviewer from the list."
    submitted.refresh_from_db()
    assert submitted.reviewer is None


def test_starting_from_nothing_earlier_is_refused_beside_the_cycles_start_button(
    client: Client, cast: Cast
) -> None:
    cycle = factories.open_cycle(by=cast.staff, name="2026")
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:start"), {"cycle": cycle.pk, "carry_forward": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'id="start-{cycle.pk}-error"[^>]*>(.*?)</div>', html, re.S)
    assert error
    assert "no earlier submitted assessment" in error.group(1)
    assert f'aria-describedby="start-{cycle.pk}-error"' in html
    assert not Assessment.objects.filter(organization=cast.org_a).exists()


def test_a_second_start_of_the_same_cycle_goes_to_the_assessment_already_started(
    client: Client, cast: Cast
) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("assessments:start"), {"cycle": assessment.cycle_id}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("assessments:overview", args=[assessment.pk])
    assert "already started" in response.content.decode()
    assert Assessment.objects.filter(organization=cast.org_a).count() == 1


@pytest.mark.parametrize("cycle_value", ["", "abc", "99999999999999999999"])
def test_a_start_without_a_real_cycle_is_404(client: Client, cast: Cast, cycle_value: str) -> None:
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:start"), {"cycle": cycle_value})
    assert response.status_code == 404


def test_a_refused_comment_comes_back_in_its_box_with_the_reason(
    client: Client, cast: Cast
) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.contributor_a)
    typed = "A long thought about the minutes. " * 200  # past the comment's limit
    response = client.post(
        reverse("assessments:comment", args=[assessment.pk]),
        {"body": typed, "criterion": "", "next": "/evil.example/"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most" in _beside(html, "comment-body")
    assert typed.strip()[:200] in html  # what was typed is still in the box
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused_beside_its_box(client: Client, cast: Cast) -> None:
    assessment = factories.started(organization=cast.org_a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("assessments:comment", args=[assessment.pk]), {"body": "   ", "criterion": ""}
    )
    assert response.status_code == 400
    assert _beside(response.content.decode(), "comment-body") == "Write a comment first."
    assert not Comment.objects.exists()

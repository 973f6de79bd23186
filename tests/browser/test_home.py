"""The home page as each kind of person: every to-do leads to the page where it is done."""

from typing import Any

import pytest

from assessments.services import assessment_start
from assessments.tests.factories import open_cycle, submitted
from organizations.models import Membership
from organizations.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

from .conftest import assert_accessible
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to
from .test_deadlines import _staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _alpha() -> tuple[Any, Any, Any, Any]:
    """Alpha with a lead and a viewer; its "2025" submitted; its "2026" (opened later) carried
    forward from it, in a cycle closing in 20 days."""
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    lead = UserFactory(email="lead@alpha.test")
    viewer = UserFactory(email="viewer@alpha.test")
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    MembershipFactory(organization=organization, user=viewer, role=Membership.Role.VIEWER)
    first = open_cycle(by=lead, name="2025")
    earlier = submitted(organization=organization, cycle=first, by=lead)
    second = open_cycle(
        by=lead, rubric=first.rubric, name="2026", opens_in=-10, due_in=10, closes_in=20
    )
    draft = assessment_start(organization=organization, cycle=second, by=lead, carry_forward=True)
    return lead, earlier, draft, second


def test_a_lead_follows_the_to_confirm_to_do_to_the_first_answer_to_confirm(
    page: Any, live_server: Any
) -> None:
    lead, _, draft, _ = _alpha()
    base = live_server.url
    sign_in(page, base, lead.email)
    assert "Answers carried forward, to confirm" in page.inner_text("main")
    assert_accessible(page)
    tab_to(page, "#confirm-heading + ul a")
    press_enter_and_wait(page)
    assert page.url == f"{base}/assessments/{draft.pk}/commitments/c1/#criterion-c1-1"
    assert page.is_visible("text=Keep all 3 unchanged…")
    assert page.console_errors == []


def test_a_viewer_finds_the_latest_report_and_assessment(page: Any, live_server: Any) -> None:
    _, earlier, _, _ = _alpha()
    base = live_server.url
    sign_in(page, base, "viewer@alpha.test")
    main = page.inner_text("main")
    assert "Latest maturity report" in main
    assert "Maturity report, 2025" in main
    assert "Commitments assigned to you" not in main
    assert_accessible(page)
    tab_to(page, f"a[href='/reports/assessments/{earlier.pk}/']")
    press_enter_and_wait(page)
    assert page.url == f"{base}/reports/assessments/{earlier.pk}/"
    assert page.console_errors == []


def test_staff_follow_the_oldest_submission_and_the_closing_cycle(
    page: Any, live_server: Any
) -> None:
    _, _, _, closing = _alpha()
    base = live_server.url
    other = OrganizationFactory(name="Beta Clinic", slug="beta")
    beta_lead = UserFactory(email="lead@beta.test")
    MembershipFactory(organization=other, user=beta_lead, role=Membership.Role.LEAD)
    waiting = submitted(organization=other, cycle=closing, by=beta_lead)
    _staff_sign_in(page, base)
    page.goto(f"{base}/")
    main = page.inner_text("main")
    assert "Waiting for review" in main
    assert "Beta Clinic, 2026" in main
    assert "Cycles closing in the next 30 days" in main
    assert_accessible(page)
    tab_to(page, f"a[href='/consortium/reviews/{waiting.pk}/']")
    press_enter_and_wait(page)
    assert page.url == f"{base}/consortium/reviews/{waiting.pk}/"
    page.goto(f"{base}/")
    tab_to(page, f"a[href='/consortium/cycles/{closing.pk}/']")
    press_enter_and_wait(page)
    assert page.url == f"{base}/consortium/cycles/{closing.pk}/"
    assert_accessible(page)
    assert page.console_errors == []

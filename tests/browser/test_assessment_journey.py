"""A quality lead completes and submits an assessment with the keyboard only."""

from typing import Any

import pytest

from assessments.models import Assessment
from assessments.tests.factories import started
from organizations.models import Membership
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 200


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user does."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} was not reached with {MAX_TABS} presses of Tab")


def choose_level(page: Any, code: str, level: int) -> None:
    """Tab into the criterion's radio group, select level 1, then arrow down to `level`."""
    tab_to(page, f"#id_{code}-level_0")
    page.keyboard.press("Space")
    for _ in range(level - 1):
        page.keyboard.press("ArrowDown")
    assert page.is_checked(f"#id_{code}-level_{level - 1}")


def press_enter_and_wait(page: Any) -> None:
    """Enter on a focused link or submit button, then wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")


def test_a_lead_completes_and_submits_an_assessment_without_a_mouse(
    page: Any, live_server: Any
) -> None:
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    lead = UserFactory(email="lead@alpha.test")
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    assessment = started(organization=organization, by=lead)  # two commitments, 3 criteria each
    base = live_server.url

    sign_in(page, base, "lead@alpha.test")
    page.goto(f"{base}/assessments/{assessment.pk}/")
    assert_accessible(page)

    # Commitment 1: two levels, then N/A without a reason -> the error is beside the field.
    tab_to(page, f"a[href='/assessments/{assessment.pk}/commitments/c1/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/commitments/c1/")
    assert_accessible(page)
    choose_level(page, "c1-1", 3)
    tab_to(page, "#id_c1-1-evidence")
    page.keyboard.type("Board minutes, 3 May 2026.")
    choose_level(page, "c1-2", 4)
    choose_level(page, "c1-3", 6)  # the sixth choice: not applicable
    tab_to(page, "button[type=submit].btn-primary")
    press_enter_and_wait(page)
    assert "Say why this criterion does not apply" in page.inner_text("main")
    assert page.input_value("#id_c1-1-evidence") == "Board minutes, 3 May 2026."  # kept
    assert_accessible(page)
    tab_to(page, "#id_c1-3-na_reason")
    page.keyboard.type("We run no emergency department.")
    tab_to(page, "button[type=submit].btn-primary")
    press_enter_and_wait(page)
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/commitments/c1/")
    assert "Saved C1-1, C1-2, C1-3" in page.inner_text("#messages")

    # Commitment 2, then submit from the overview.
    page.goto(f"{base}/assessments/{assessment.pk}/commitments/c2/")
    for code, level in (("c2-1", 2), ("c2-2", 5), ("c2-3", 1)):
        choose_level(page, code, level)
    tab_to(page, "button[type=submit].btn-primary")
    press_enter_and_wait(page)
    page.wait_for_url(f"{base}/assessments/{assessment.pk}/commitments/c2/")
    page.goto(f"{base}/assessments/{assessment.pk}/")
    tab_to(page, f"form[action='/assessments/{assessment.pk}/submit/'] button")
    press_enter_and_wait(page)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    # c1: (1.5*3 + 4) / 2.5 = 3.40 (c1-3 N/A); c2: (1.5*2 + 5 + 1) / 3.5 = 2.57
    assert str(assessment.overall_score) == "2.99"
    assert_accessible(page)
    assert page.console_errors == []

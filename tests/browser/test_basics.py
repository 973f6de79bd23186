"""Sign-in, the layout and the rubric in a real browser: keyboard only, axe-checked."""

from typing import Any

import pytest

from commitments.tests.factories import make_rubric
from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import assert_accessible, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_in_with_the_keyboard_only_and_every_page_passes_axe(
    page: Any, live_server: Any
) -> None:
    make_rubric()
    UserFactory(email="lead@alpha.test")
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Tab")  # first focusable of the page: the brand link
    # Move to the email field by tabbing, as a keyboard user would.
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "id_login":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_login"
    page.keyboard.type("lead@alpha.test")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert "Signed in as lead@alpha.test" in page.content()
    assert_accessible(page)
    for path in ("/rubric/", "/rubric/c1/"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    assert page.console_errors == []


def test_the_skip_link_moves_focus_to_the_main_content(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_axe_check_fails_on_an_unlabelled_input(page: Any, live_server: Any) -> None:
    """The check can fail: an input without a label is a serious WCAG violation."""
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(page) == []
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=\"text\">')"
    )
    assert [v["id"] for v in axe_violations(page)] == ["label"]


def test_the_accessibility_statement_is_reachable_from_every_page_and_passes_axe(
    page: Any, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("footer a[href='/accessibility/']")
    page.wait_for_url(f"{live_server.url}/accessibility/")
    assert "Known limits" in page.inner_text("main")
    assert_accessible(page)

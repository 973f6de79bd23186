"""The API's documentation page and the Security page's tokens, in a real browser: Swagger UI
runs from our own static files under the site's CSP (no console error, so no CSP violation),
every page passes axe, and a token made on the page works against the API once."""

from typing import Any

import pytest

from organizations.tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory
from tests.browser.test_assessment_journey import sign_in

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_draws_every_operation_under_our_csp(
    page: Any, live_server: Any
) -> None:
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    operations = page.locator(".opblock").count()
    assert operations >= 12
    assert "no-store" in (
        page.request.get(f"{live_server.url}/api/v1/schema/").headers.get("cache-control", "")
    )
    csp = page.request.get(f"{live_server.url}/api/v1/docs/").headers["content-security-policy"]
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert_accessible(page)
    # An operation opened shows its example answer, scrollable and reached by keyboard.
    page.locator(".opblock-summary-control").nth(4).click()
    page.wait_for_selector(".microlight[tabindex='0']")
    assert_accessible(page)
    assert page.console_errors == []


def test_a_lead_makes_a_token_on_the_security_page_and_uses_it(page: Any, live_server: Any) -> None:
    MembershipFactory(user=UserFactory(email="lead@alpha.test"), role="lead")
    sign_in(page, live_server.url, "lead@alpha.test")
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert_accessible(page)
    page.get_by_role("link", name="Make a token").click()
    assert_accessible(page)
    page.get_by_label("What will use it").fill("Quality dashboard")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make token").click()
    # A token outlives the session: the password is asked again, then allauth carries on with
    # the form as it was sent.
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert_accessible(page)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.get_by_role("heading", name="Your new API token").wait_for()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("lhs_")
    assert_accessible(page)
    answer = page.request.get(
        f"{live_server.url}/api/v1/assessments/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200
    assert answer.json()["count"] == 0
    page.goto(f"{live_server.url}/accounts/2fa/")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Quality dashboard").click()
    assert "Revoked" in page.content()
    refused = page.request.get(
        f"{live_server.url}/api/v1/assessments/", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 401
    assert page.console_errors == []

"""Single sign-on in Chromium: the sign-in page's "Continue with your organization's sign-in"
by keyboard, through the real test provider (tests/oidc) and back, and the refusal page; axe at
a desktop and a phone width, with screenshots where LHS_SCREENSHOTS names a folder."""

from collections.abc import Iterator
from typing import Any

import pytest

from organizations.models import Membership
from tests.oidc import make_alpha, make_beta, running_provider

from .test_assessment_journey import tab_to
from .test_trust import _check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def oidc(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_provider(live_server.url, tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


def _continue_with(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_sso_email")
    page.keyboard.type(email)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_a_person_signs_in_through_their_organization_by_keyboard(
    page: Any, live_server: Any, oidc: dict[str, Any]
) -> None:
    alpha = make_alpha(oidc["issuer"])
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    _check(page, "sign-in-sso")
    # An address no organization signs in: said beside the field, the address kept.
    _continue_with(page, base, "someone@elsewhere.test")
    assert "No organization has its own sign-in" in page.inner_text(
        "#id_sso_email + .invalid-feedback, main"
    )
    assert page.input_value("#id_sso_email") == "someone@elsewhere.test"
    assert (
        page.evaluate("document.getElementById('id_sso_email').getAttribute('aria-invalid')")
        == "true"
    )
    _check(page, "sign-in-sso-unknown-domain")
    # Alice of alpha.test: to the provider and back, signed in as a new contributor.
    _continue_with(page, base, "alice@alpha.test")
    page.wait_for_url(f"{base}/")
    assert Membership.objects.get(user__email="alice@alpha.test").organization == alpha.organization
    assert page.console_errors == []


def test_a_person_not_invited_sees_why_they_were_refused(
    page: Any, live_server: Any, oidc: dict[str, Any]
) -> None:
    make_beta(oidc["issuer"])
    _continue_with(page, live_server.url, "bob@beta.test")
    # The "Continuing to Beta Care sign-in" page forwards to the provider and back: on a loaded
    # machine the first load state is that page's, so wait for where the journey ends.
    page.wait_for_selector("text=admits new members only by invitation")
    assert "admits new members only by invitation" in page.inner_text("main")
    assert page.get_by_role("link", name="Back to sign in").is_visible()
    _check(page, "sso-refused")

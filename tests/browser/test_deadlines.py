"""Past its cycle's close an assessment is read-only until staff extend it; the home page leads a
lead to what they have to do. Keyboard only where a person types, axe-checked."""

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from assessments.models import Answer, Extension
from assessments.services import assignment_set
from assessments.tests.factories import days_from_today, move_dates, started
from organizations.models import Membership
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    staff_user,
)

from .conftest import assert_accessible
from .test_assessment_journey import choose_level, press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lead_and_draft() -> tuple[Any, Any]:
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    lead = UserFactory(email="lead@alpha.test")
    membership = MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    draft = started(organization=organization, by=lead)
    c1 = draft.cycle.rubric.commitments.get(code="c1")
    assignment_set(assessment=draft, commitment=c1, membership=membership, by=lead)
    return lead, draft


def _staff_sign_in(page: Any, base: str) -> None:
    staff = staff_user(email="staff@consortium.test")
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type("staff@consortium.test")
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    press_enter_and_wait(page)
    tab_to(page, "input[name=code]")
    page.keyboard.type(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    press_enter_and_wait(page)


# The scoring page's save buttons: in the navigator and at the end of the answers' form.
SAVE = "button[form=answers-form], #answers-form button[type=submit].btn-primary:not([form])"


def test_after_the_close_the_assessment_is_read_only_until_staff_extend_it(
    browser: Any, page: Any, live_server: Any
) -> None:
    _, draft = _lead_and_draft()
    cycle = move_dates(draft.cycle, by=staff_user(email="mover@consortium.test"), closes_in=-1)
    base = live_server.url
    commitment_url = f"{base}/assessments/{draft.pk}/commitments/c1/"

    # The lead: the page says why it is read-only and offers nothing to save (its threads stay
    # open to write in, to ask for more time, say: they outlive the close).
    sign_in(page, base, "lead@alpha.test")
    page.goto(commitment_url)
    main = page.inner_text("main")
    assert "Read-only." in main
    assert f"The {cycle.name} cycle closed on" in main
    assert page.locator(SAVE).count() == 0
    assert page.locator("main button[type=submit]:has-text('Save')").count() == 0
    assert page.is_disabled("#id_c1-1-level_0")
    assert_accessible(page)

    # Staff grant Alpha Health an extension from the cycle's page, with the keyboard.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    staff_page = staff_context.new_page()
    staff_errors: list[str] = []
    staff_page.on("console", lambda m: staff_errors.append(m.text) if m.type == "error" else None)
    _staff_sign_in(staff_page, base)
    staff_page.goto(f"{base}/consortium/cycles/{cycle.pk}/")
    assert_accessible(staff_page)
    tab_to(staff_page, "#id_organization")
    staff_page.select_option("#id_organization", label="Alpha Health")
    tab_to(staff_page, "#id_until")
    until = days_from_today(7)
    staff_page.keyboard.type(until.strftime("%m%d%Y"))  # Chromium's date field, en-US order
    tab_to(staff_page, "#id_reason")
    staff_page.keyboard.type("Their quality lead was on leave.")
    tab_to(staff_page, "form[action$='/extensions/'] button[type=submit]")
    press_enter_and_wait(staff_page)
    assert "may change its" in staff_page.inner_text("#messages")
    assert Extension.objects.get(organization__slug="alpha").until == until
    assert_accessible(staff_page)
    assert staff_errors == []
    staff_context.close()

    # The lead again: writable until the extension's day, and a save goes through.
    page.goto(commitment_url)
    assert "Read-only." not in page.inner_text("main")
    assert f"may change until {until.day} {until:%b %Y}" in page.inner_text("main")
    choose_level(page, "c1-1", 4)  # the criterion saves itself
    page.locator("section[data-code='c1-1'] [data-status]", has_text="Saved").wait_for()
    tab_to(page, SAVE)
    press_enter_and_wait(page)
    assert "Everything on this page was already saved." in page.inner_text("#messages")
    assert Answer.objects.get(assessment=draft, criterion__code="c1-1").level == 4
    assert_accessible(page)
    assert page.console_errors == []


def test_a_lead_opens_the_home_page_and_follows_a_to_do(page: Any, live_server: Any) -> None:
    _, draft = _lead_and_draft()
    base = live_server.url
    sign_in(page, base, "lead@alpha.test")  # lands on the home page
    main = page.inner_text("main")
    assert "Commitments assigned to you" in main
    assert "0 of 3 criteria done" in main
    assert "14 days left" in main
    assert_accessible(page)
    assert page.locator("main h1").count() == 1
    assert page.locator("main section h2").count() >= 2
    tab_to(page, f"#assigned-heading + ul a[href='/assessments/{draft.pk}/commitments/c1/']")
    press_enter_and_wait(page)
    assert page.url == f"{base}/assessments/{draft.pk}/commitments/c1/"
    assert page.locator("main button[type=submit].btn-primary").count() >= 1  # may act on it
    assert page.console_errors == []

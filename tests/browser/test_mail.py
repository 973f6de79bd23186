"""A person chooses what we mail them, and stops a kind from the mail's link without signing
in. Keyboard only, axe-checked."""

from typing import Any

import pytest

from notifications.delivery import unsubscribe_token
from notifications.models import Delivery, Kind, Preference
from organizations.tests.factories import organization_with_lead

from .conftest import assert_accessible
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_chooses_a_digest_and_stops_a_kind_from_the_link(
    browser: Any, page: Any, live_server: Any
) -> None:
    _, lead = organization_with_lead()
    base = live_server.url
    sign_in(page, base, lead.email)
    tab_to(page, "a[href='/mail/']")
    press_enter_and_wait(page)
    assert_accessible(page)
    tab_to(page, "#id_plan_due_0")  # Tab enters the row at its chosen radio, Right away
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#id_plan_due_1")
    tab_to(page, "main button[type=submit]")
    press_enter_and_wait(page)
    assert "Saved your choices for 1 kind of mail." in page.inner_text("main")
    assert Preference.objects.get(user=lead, kind=Kind.PLAN_DUE).delivery == Delivery.DIGEST

    stranger = browser.new_context(viewport={"width": 390, "height": 800})  # no session
    link = stranger.new_page()
    link.goto(f"{base}/mail/unsubscribe/{unsubscribe_token(user=lead, kind=Kind.THREAD)}/")
    assert "Stop these mails?" in link.inner_text("main")
    assert_accessible(link)
    tab_to(link, "main button[type=submit]")
    with link.expect_navigation():
        link.keyboard.press("Enter")
    assert "no more of these mails" in link.inner_text("main")
    assert_accessible(link)
    assert Preference.objects.get(user=lead, kind=Kind.THREAD).delivery == Delivery.NEVER
    stranger.close()
    assert page.console_errors == []

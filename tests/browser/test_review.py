"""Consortium staff return an assessment with a comment, and the lead reads it."""

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from assessments.models import Assessment
from organizations.tests.factories import staff_user
from reports.tests import consortium

from .conftest import assert_accessible
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_return_an_assessment_with_a_comment_and_the_lead_sees_it(
    browser: Any, page: Any, live_server: Any
) -> None:
    _, _, assessments = consortium.build(count=1)
    assessment = assessments[0]
    lead = assessment.organization.memberships.get().user
    lead.email = "lead@returned.test"
    lead.save(update_fields=["email"])
    staff = staff_user(email="staff@consortium.test")
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    base = live_server.url

    # Staff: password, then the code from their authenticator app.
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type("staff@consortium.test")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery-staple")
    press_enter_and_wait(page)
    tab_to(page, "input[name=code]")
    page.keyboard.type(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    press_enter_and_wait(page)
    page.goto(f"{base}/consortium/reviews/")
    assert_accessible(page)
    tab_to(page, f"a[href='/consortium/reviews/{assessment.pk}/']")
    press_enter_and_wait(page)
    assert_accessible(page)
    tab_to(page, "textarea[name^=commitment_]")
    page.keyboard.type("Name the committee minutes you cite for c1-1.")
    tab_to(page, "button.btn-outline-danger")
    press_enter_and_wait(page)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.RETURNED
    assert page.console_errors == []

    # The lead, in a browser of their own, sees the comment on the overview.
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lead_page = lead_context.new_page()
    sign_in(lead_page, base, "lead@returned.test")
    lead_page.goto(f"{base}/assessments/{assessment.pk}/")
    assert "Name the committee minutes you cite for c1-1." in lead_page.inner_text("main")
    assert "returned" in lead_page.inner_text("main").lower()
    assert_accessible(lead_page)
    lead_context.close()

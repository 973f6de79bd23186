"""Review as a conversation: the reviewer comments on a criterion and returns; the lead reads
the thread on the scoring page, replies, changes the answer and resubmits; the reviewer sees
the reply and what changed since the return, resolves the thread and accepts. Keyboard only,
axe-checked on every page."""

import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from assessments.models import Assessment, Thread
from assessments.tests.factories import submitted
from organizations.models import Membership
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    staff_user,
)

from .conftest import assert_accessible
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff_sign_in(page: Any, base: str, staff: Any) -> None:
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    page.goto(f"{base}/accounts/login/")
    tab_to(page, "#id_login")
    page.keyboard.type(staff.email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEFAULT_PASSWORD)
    press_enter_and_wait(page)
    for _ in range(2):
        tab_to(page, "input[name=code]")
        page.keyboard.type(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
        press_enter_and_wait(page)
        if not page.locator("input[name=code]").count():
            return
        # Refused: the code was typed as its 30-second window closed on a loaded machine. A
        # person would type the next one: so does the test, once.
        page.fill("input[name=code]", "")
        time.sleep(31 - time.time() % 30)
    raise AssertionError("the authenticator code was refused twice")


def _comment(page: Any, key: str, text: str) -> None:
    """Open the thread's comment box from its button, type, post: all from the keyboard."""
    tab_to(page, f"#thread-{key} summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#comment-{key}")
    page.keyboard.type(text)
    tab_to(page, f"#thread-{key} button[form='thread-form-{key}']")
    press_enter_and_wait(page)


def test_a_review_conversation_from_comment_to_acceptance(
    browser: Any, page: Any, live_server: Any
) -> None:
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    lead = UserFactory(email="lead@alpha.test")
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    assessment = submitted(organization=organization, by=lead)  # every criterion at 3
    staff = staff_user(email="staff@consortium.test")
    base = live_server.url
    review_url = f"{base}/consortium/reviews/{assessment.pk}/"

    # The reviewer takes the submission from the queue, comments on C1-1 and returns.
    _staff_sign_in(page, base, staff)
    page.goto(f"{base}/consortium/reviews/")
    assert_accessible(page)
    tab_to(page, "button[name=take]")
    press_enter_and_wait(page)
    assert "Reviewer of Alpha Health: you." in page.inner_text("main")
    page.goto(review_url)
    assert_accessible(page)
    _comment(page, "c1-1", "Level 3 needs the committee charter: which one is it?")
    assert page.url == f"{review_url}#thread-c1-1"
    assert "Comment added." in page.inner_text("main")
    tab_to(page, "button.btn-outline-danger")  # Return for changes
    press_enter_and_wait(page)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.RETURNED
    assert page.console_errors == []

    # The lead reads the thread above the answer on the scoring page, replies, changes the level.
    lead_context = browser.new_context(viewport={"width": 1280, "height": 900})
    lead_page = lead_context.new_page()
    lead_errors: list[str] = []
    lead_page.on("console", lambda m: lead_errors.append(m.text) if m.type == "error" else None)
    sign_in(lead_page, base, "lead@alpha.test")
    lead_page.goto(f"{base}/assessments/{assessment.pk}/")
    overview = lead_page.inner_text("main")
    assert "1 open thread to answer before you submit again" in overview
    assert_accessible(lead_page)
    tab_to(lead_page, "a[href$='#thread-c1-1']")
    press_enter_and_wait(lead_page)
    thread = lead_page.inner_text("#thread-c1-1")
    assert "Level 3 needs the committee charter" in thread
    assert "staff@consortium.test" in thread
    assert_accessible(lead_page)
    _comment(lead_page, "c1-1", "The board quality committee charter; we are at 2 in truth.")
    tab_to(lead_page, "#id_c1-1-level_2")  # Tab enters the group at the checked level, 3
    lead_page.keyboard.press("ArrowUp")
    assert lead_page.is_checked("#id_c1-1-level_1")
    lead_page.wait_for_function(
        "() => document.querySelector(\"section[data-code='c1-1'] [data-status]\")"
        ".textContent.includes('Saved')",
    )
    lead_page.goto(f"{base}/assessments/{assessment.pk}/")
    tab_to(lead_page, "form[action$='/submit/'] button")
    press_enter_and_wait(lead_page)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert lead_errors == []
    lead_context.close()

    # The reviewer sees the reply and the change since the return, resolves and accepts.
    page.goto(review_url)
    criterion = page.inner_text("#criterion-c1-1")
    assert "we are at 2 in truth" in criterion
    assert "Changed since the return: was 3" in criterion
    assert_accessible(page)
    tab_to(page, "#thread-c1-1 button[form='thread-resolve-c1-1']")
    press_enter_and_wait(page)
    assert Thread.objects.get(assessment=assessment, criterion__code="c1-1").is_resolved
    assert "Resolved by staff@consortium.test" in page.inner_text("#thread-c1-1")
    tab_to(page, f"form[action='/consortium/reviews/{assessment.pk}/accept/'] button")
    press_enter_and_wait(page)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.ACCEPTED
    assert page.console_errors == []

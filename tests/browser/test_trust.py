"""The pages this round changed, in a real browser at a desktop and a phone width, axe-checked:
the organization page's data download, the invitation opened by the wrong account, the sign-in
pause, the staff organization form refusing input, and the deletion page."""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from organizations.models import Membership, Organization
from organizations.services import invitation_create
from organizations.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    admin_user,
)

from .conftest import assert_accessible
from .test_assessment_journey import sign_in
from .test_review import _staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)
# Screenshots of each page at each width, where a folder is named for them.
SHOTS = Path(os.environ.get("LHS_SCREENSHOTS", "/nonexistent"))


def _check(page: Any, name: str) -> None:
    """axe at both widths, no sideways scrolling on the phone, and a screenshot of each."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll})"
        if SHOTS.is_dir():
            page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _lead(slug: str, name: str) -> Any:
    organization = OrganizationFactory(name=name, slug=slug)
    lead = UserFactory(email=f"lead@{slug}.test")
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization, lead


def test_a_lead_finds_the_data_download_and_the_wrong_account_sees_a_neutral_invitation(
    page: Any, live_server: Any
) -> None:
    alpha, lead_a = _lead("alpha", "Alpha Health")
    _, lead_b = _lead("beta", "Beta Clinics")
    base = live_server.url
    sign_in(page, base, lead_a.email)
    page.goto(f"{base}/organizations/alpha/")
    assert "Download all of Alpha Health\u2019s data" in page.inner_text("main")
    _check(page, "organization-data-download")
    _, token = invitation_create(organization=alpha, email="new@alpha.test", role="viewer",
                                 by=lead_a)  # fmt: skip
    page.context.clear_cookies()
    sign_in(page, base, lead_b.email)
    page.goto(f"{base}/organizations/invitations/{token}/")
    main = page.inner_text("main")
    assert "cannot be used with the account you are signed in with" in main
    assert "Alpha" not in main
    assert "new@alpha.test" not in main
    _check(page, "invitation-wrong-account")
    assert page.console_errors == [] or all("403" in e for e in page.console_errors)


def test_the_sign_in_pause_reads_well(page: Any, live_server: Any) -> None:
    UserFactory(email="lead@alpha.test")
    for _ in range(6):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", "lead@alpha.test")
        page.fill("#id_password", "wrong-password")
        page.click("main button[type=submit]")
    assert "signing in is paused" in page.inner_text("main")
    _check(page, "sign-in-paused")


def test_the_staff_form_refusal_and_the_deletion_page_read_well(
    page: Any, live_server: Any
) -> None:
    admin = admin_user(email="admin@consortium.test")
    organization, _ = _lead("gamma", "Gamma Care")
    Organization.objects.filter(pk=organization.pk).update(
        is_active=False, deactivated_at=timezone.now() - timedelta(days=400)
    )
    base = live_server.url
    _staff_sign_in(page, base, admin)
    page.goto(f"{base}/organizations/manage/gamma/")
    page.fill("#id_name", "")
    page.click("main button[type=submit]")
    assert "This field is required" in page.inner_text("main")
    _check(page, "staff-organization-form-refused")
    page.goto(f"{base}/consortium/organizations/gamma/delete/")
    assert "the retention period is over" in page.inner_text("main")
    _check(page, "organization-delete")

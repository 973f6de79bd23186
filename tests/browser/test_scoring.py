"""The scoring page as a lead lives in it: answers save themselves, nothing typed is lost,
carried-forward work is kept in one step, and two people never overwrite each other unseen."""

from pathlib import Path
from typing import Any

import pytest

from assessments.models import Answer, Assessment, EvidenceFile
from assessments.services import assessment_start
from assessments.tests.factories import open_cycle, started, submitted
from organizations.models import Membership
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

from .conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _lead(email: str = "lead@alpha.test") -> Any:
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    lead = UserFactory(email=email)
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization, lead


def _row(a: Assessment, code: str) -> Answer:
    return Answer.objects.get(assessment=a, criterion__code=code)


def _saved(page: Any, code: str) -> None:
    """Wait until the criterion says it saved."""
    page.wait_for_function(
        "code => document.querySelector(`section[data-code='${code}'] [data-status]`)"
        ".textContent.includes('Saved')",
        arg=code,
    )


def test_changing_one_criterion_and_confirming_another_both_survive_a_reload(
    page: Any, live_server: Any
) -> None:
    organization, lead = _lead()
    first = open_cycle(by=lead, name="2025")
    submitted(organization=organization, cycle=first, by=lead, notes="2025 notes")
    second = open_cycle(by=lead, rubric=first.rubric, name="2026")
    a = assessment_start(organization=organization, cycle=second, by=lead, carry_forward=True)
    base = live_server.url
    sign_in(page, base, lead.email)
    page.goto(f"{base}/assessments/{a.pk}/commitments/c1/")
    assert page.is_visible("text=Notes (from 2025)")
    assert_accessible(page)

    page.check("#id_c1-1-level_4")  # level 5, saved on its own
    _saved(page, "c1-1")
    page.click("section[data-code='c1-3'] [data-confirm]")  # confirm c1-3, the page stays
    page.wait_for_function(
        "() => !document.querySelector(\"section[data-code='c1-3'] [data-carried]\")"
    )
    assert page.inner_text("[data-nav-criterion='c1-1'] [data-nav-words]") == "level 5"
    assert page.inner_text("[data-nav-count]") == "2 of 6 done"
    assert_accessible(page)

    page.reload()
    assert page.is_checked("#id_c1-1-level_4")
    assert page.locator("section[data-code='c1-3'] [data-carried]").count() == 0
    assert page.locator("section[data-code='c1-2'] [data-carried]").count() == 1
    assert (_row(a, "c1-1").level, _row(a, "c1-1").carried_forward) == (5, False)
    assert (_row(a, "c1-3").level, _row(a, "c1-3").carried_forward) == (3, False)
    assert page.console_errors == []


def test_leaving_with_something_unsaved_asks_first(page: Any, live_server: Any) -> None:
    organization, lead = _lead()
    a = started(organization=organization, by=lead)
    base = live_server.url
    sign_in(page, base, lead.email)
    url = f"{base}/assessments/{a.pk}/commitments/c1/"
    page.goto(url)
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.click("#id_c1-2-evidence")
    page.keyboard.type("Minutes of the May board meeting")
    page.click("nav[aria-label=Breadcrumb] a")  # before the pause in typing has passed
    assert asked == ["beforeunload"]
    assert page.url == url
    assert page.input_value("#id_c1-2-evidence") == "Minutes of the May board meeting"
    _saved(page, "c1-2")  # once it is saved, leaving asks nothing
    with page.expect_navigation():
        page.click("nav[aria-label=Breadcrumb] a")
    assert asked == ["beforeunload"]
    assert _row(a, "c1-2").evidence == "Minutes of the May board meeting"


def test_a_refused_field_keeps_the_uploaded_file(
    page: Any, live_server: Any, tmp_path: Path
) -> None:
    organization, lead = _lead()
    a = started(organization=organization, by=lead)
    base = live_server.url
    sign_in(page, base, lead.email)
    page.goto(f"{base}/assessments/{a.pk}/commitments/c1/")
    page.fill("#id_c1-1-evidence_links", "not a web address")
    page.locator("#id_c1-1-evidence_links").blur()
    error = page.locator("#autosave-error-c1-1-evidence_links")
    error.wait_for()
    assert "is not a web address" in error.inner_text()
    assert page.get_attribute("#id_c1-1-evidence_links", "aria-invalid") == "true"
    minutes = tmp_path / "board-minutes.pdf"
    minutes.write_bytes(b"%PDF-1.4 board minutes")
    page.set_input_files("#id_c1-1-file", str(minutes))
    files = page.locator("section[data-code='c1-1'] [data-files] a")
    files.filter(has_text="board-minutes.pdf").wait_for()
    assert_accessible(page)
    # The bad link is still there to correct, and the file did not wait for it.
    assert page.input_value("#id_c1-1-evidence_links") == "not a web address"
    assert EvidenceFile.objects.get(answer__assessment=a).original_name == "board-minutes.pdf"
    page.fill("#id_c1-1-evidence_links", "www.example.org/board")
    page.locator("#id_c1-1-evidence_links").blur()
    _saved(page, "c1-1")
    assert page.locator("#autosave-error-c1-1-evidence_links").count() == 0
    page.reload()
    assert page.input_value("#id_c1-1-evidence_links") == "https://www.example.org/board"
    assert page.is_visible("text=board-minutes.pdf")
    # Removing it takes it off the page at once; the record keeps it.
    page.click("section[data-code='c1-1'] [data-remove]")
    page.locator("section[data-code='c1-1'] [data-files] li").wait_for(state="detached")
    assert EvidenceFile.objects.get(answer__assessment=a).removed_at is not None
    assert page.console_errors == []


def test_carrying_forward_is_finished_with_one_keep_all_per_commitment(
    page: Any, live_server: Any
) -> None:
    organization, lead = _lead()
    first = open_cycle(by=lead, name="2025")
    submitted(organization=organization, cycle=first, by=lead, level=2, evidence="Charter")
    second = open_cycle(by=lead, rubric=first.rubric, name="2026")
    base = live_server.url
    sign_in(page, base, lead.email)
    page.goto(f"{base}/assessments/")
    page.check(f"#carry-{second.pk}")
    page.click(f"text=Start the {second.name} assessment")
    page.wait_for_url(f"{base}/assessments/*/")
    a = Assessment.objects.get(organization=organization, cycle=second)
    assert_accessible(page)
    for code in ("c1", "c2"):
        page.goto(f"{base}/assessments/{a.pk}/commitments/{code}/")
        page.click("text=Keep all 3 unchanged…")
        page.wait_for_url(f"{base}/assessments/{a.pk}/keep/?commitment={code}")
        assert page.locator("table tbody tr").count() == 3
        assert_accessible(page)
        page.click("text=Keep these 3 unchanged")
        page.wait_for_url(f"{base}/assessments/{a.pk}/commitments/{code}/")
        assert "Kept 3 answers unchanged" in page.inner_text("#messages")
    assert not Answer.objects.filter(assessment=a, carried_forward=True).exists()
    page.goto(f"{base}/assessments/{a.pk}/")
    with page.expect_navigation():
        page.click("text=Submit to the consortium")
    a.refresh_from_db()
    assert a.status == Assessment.Status.SUBMITTED
    assert str(a.overall_score) == "2.00"
    assert page.console_errors == []


def test_two_people_saving_one_criterion_see_the_conflict_and_lose_nothing(
    browser: Any, live_server: Any
) -> None:
    organization, lead = _lead()
    colleague = UserFactory(email="colleague@alpha.test")
    MembershipFactory(organization=organization, user=colleague, role=Membership.Role.LEAD)
    a = started(organization=organization, by=lead)
    base = live_server.url
    pages = []
    for person in (lead, colleague):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        p = context.new_page()
        p.set_default_timeout(10_000)
        sign_in(p, base, person.email)
        p.goto(f"{base}/assessments/{a.pk}/commitments/c1/")
        pages.append(p)
    first, second = pages

    first.fill("#id_c1-1-evidence", "Lead's evidence")
    first.locator("#id_c1-1-evidence").blur()
    _saved(first, "c1-1")
    second.fill("#id_c1-1-evidence", "Colleague's evidence")
    second.locator("#id_c1-1-evidence").blur()
    conflict = second.locator("section[data-code='c1-1'] [data-conflict]")
    conflict.wait_for()
    assert "Lead's evidence" in conflict.inner_text()
    assert "lead@alpha.test" in conflict.inner_text()
    assert second.input_value("#id_c1-1-evidence") == "Colleague's evidence"  # kept
    assert second.inner_text("[data-nav-criterion='c1-1'] [data-nav-words]") == "conflict"
    assert_accessible(second)
    assert _row(a, "c1-1").evidence == "Lead's evidence"

    second.click("text=Save mine over theirs")
    _saved(second, "c1-1")
    assert conflict.is_hidden()
    assert _row(a, "c1-1").evidence == "Colleague's evidence"
    history = [h.evidence for h in _row(a, "c1-1").history.order_by("history_date")]
    assert history == ["Lead's evidence", "Colleague's evidence"]  # both kept in history
    for p in pages:
        p.context.close()


def test_the_scoring_page_works_at_phone_width(page: Any, live_server: Any) -> None:
    organization, lead = _lead()
    a = started(organization=organization, by=lead)
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, lead.email)
    page.goto(f"{base}/assessments/{a.pk}/commitments/c1/")
    navigator = page.locator("#navigator")
    assert navigator.get_attribute("open") is None  # folded into a bar on a phone
    assert_accessible(page)
    page.click("#navigator summary")
    page.click("[data-nav-criterion='c1-3']")
    assert navigator.get_attribute("open") is None
    assert page.url.endswith("#criterion-c1-3")
    page.check("#id_c1-3-level_1")
    _saved(page, "c1-3")
    # The bar stays on screen while scrolling; the page is not wider than the phone.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = navigator.bounding_box()
    assert box is not None
    assert box["y"] <= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []

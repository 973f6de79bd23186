"""Several raters and a consensus, as people do it: the lead opens a round on Engaged and Fair,
three raters (one a partner, with the keyboard only) rate in their own browsers, the lead
records a consensus on the consensus view, and the maturity report shows the agreement."""

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from assessments.models import Answer
from assessments.services import assessment_submit
from assessments.tests.factories import answer_all, days_from_today, open_cycle, started
from commitments.models import Rubric
from organizations.models import Membership
from organizations.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    staff_user,
)
from ratings.models import Rater, Round

from .conftest import REPORT_IN_REQUEST_MS, assert_accessible, charts_not_drawn
from .test_assessment_journey import press_enter_and_wait, sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rate_with_the_keyboard(page: Any, pk: int, level: int) -> None:
    """Tab to the criterion's first level, Space to choose it, arrows to `level` (6: don't know)."""
    tab_to(page, f"#level-{pk}-1")
    page.keyboard.press("Space")
    for _ in range(level - 1):
        page.keyboard.press("ArrowRight")
    checked = f"#level-{pk}-dk" if level == 6 else f"#level-{pk}-{level}"
    assert page.is_checked(checked)


def test_three_raters_and_a_consensus_reach_the_report(
    browser: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command("load_rubric", "--publish", verbosity=0)
    rubric = Rubric.objects.get(version="2026.2")
    organization = OrganizationFactory(name="Alpha Health", slug="alpha")
    people = {}
    for role, email in (
        (Membership.Role.LEAD, "lead@alpha.test"),
        (Membership.Role.CONTRIBUTOR, "contributor@alpha.test"),
        (Membership.Role.VIEWER, "viewer@alpha.test"),
        (Membership.Role.PARTNER, "partner@community.test"),
    ):
        people[role] = UserFactory(email=email)
        MembershipFactory(organization=organization, user=people[role], role=role)
    cycle = open_cycle(by=staff_user(), rubric=rubric, name="2026")
    assessment = started(organization=organization, by=people[Membership.Role.LEAD], cycle=cycle)
    base = live_server.url

    def context() -> Any:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        return ctx, page

    # The lead opens the round and invites three raters.
    lead_ctx, lead = context()
    sign_in(lead, base, "lead@alpha.test")
    lead.goto(f"{base}/assessments/{assessment.pk}/")
    lead.get_by_role("link", name="Rating rounds").click()
    lead.wait_for_url(f"{base}/ratings/assessments/{assessment.pk}/")
    assert_accessible(lead)
    lead.get_by_label("Engaged").check()
    lead.get_by_label("Fair").check()
    lead.get_by_label("Raters may rate until").fill(days_from_today(10).isoformat())
    with lead.expect_navigation():
        lead.get_by_role("button", name="Open the round").click()
    rnd = Round.objects.get(assessment=assessment)
    assert lead.url == f"{base}/ratings/rounds/{rnd.pk}/"
    assert_accessible(lead)
    for label in ("Contributor", "Viewer", "Partner"):
        option = lead.locator("#id_membership option", has_text=f"({label})")
        lead.select_option("#id_membership", value=option.get_attribute("value"))
        with lead.expect_navigation():
            lead.get_by_role("button", name="Invite").click()
    assert Rater.objects.filter(round=rnd).count() == 3
    assert Rater.objects.get(round=rnd, user=people[Membership.Role.PARTNER]).is_partner

    criteria = list(rnd.commitments.order_by("order").values_list("criteria__pk", "criteria__code"))
    assert len(criteria) == 9  # Engaged 5, Fair 4
    # The partner rates with the keyboard only: partners 4 and 5 where staff say 2.
    partner_ctx, partner = context()
    sign_in(partner, base, "partner@community.test")
    tab_to(partner, f"a[href='/ratings/rounds/{rnd.pk}/rate/']")  # "Ratings to give"
    press_enter_and_wait(partner)
    assert_accessible(partner)
    for i, (pk, _) in enumerate(criteria):
        _rate_with_the_keyboard(partner, pk, 6 if i == 8 else (4 if i % 2 else 5))
    tab_to(partner, f"#rationale-{criteria[0][0]}")
    partner.keyboard.type("Nobody asked my family.")
    tab_to(partner, "button[value=submit]")
    press_enter_and_wait(partner)
    assert partner.url == f"{base}/ratings/rounds/{rnd.pk}/results/"
    assert "Partner 1" in partner.inner_text("main")
    assert_accessible(partner)
    partner_ctx.close()

    for email, level in (("contributor@alpha.test", 2), ("viewer@alpha.test", 3)):
        ctx, page = context()
        sign_in(page, base, email)
        page.goto(f"{base}/ratings/rounds/{rnd.pk}/rate/")
        for pk, _ in criteria:
            page.check(f"#level-{pk}-{level}")
        with page.expect_navigation():
            page.get_by_role("button", name="Submit my ratings").click()
        assert page.url == f"{base}/ratings/rounds/{rnd.pk}/results/"
        ctx.close()

    # The lead reads the consensus view and records the group's level on ENGAGED-1.
    lead.goto(f"{base}/ratings/rounds/{rnd.pk}/results/")
    assert_accessible(lead)
    main = lead.inner_text("main")
    assert "3 of 3 raters submitted" in main
    assert "Raters differ by 3 levels" in main  # 2, 3 and 5 on ENGAGED-1
    first_pk, first_code = criteria[0]
    lead.select_option(f"#id_{first_code}_level", "4")
    lead.fill(f"#id_{first_code}_reason", "The partner's account convinced us.")
    with lead.expect_navigation():
        lead.get_by_role("button", name=f"Record the consensus on {first_code.upper()}").click()
    answer = Answer.objects.get(assessment=assessment, criterion_id=first_pk)
    assert answer.level == 4
    assert "The partner's account convinced us." in answer.notes

    # The rest is answered and submitted; the report shows the agreement and its chart.
    lead_user = people[Membership.Role.LEAD]
    levels = {a.criterion.code: 3 for a in Answer.objects.filter(assessment=assessment, level=None)}
    answer_all(assessment=assessment, by=lead_user, levels=levels)
    assessment_submit(assessment=assessment, by=lead_user)
    lead.goto(f"{base}/reports/assessments/{assessment.pk}/")
    # Tasks run in-process here, so the report is built inside this request: on a loaded
    # 2-core machine that took over 15 s (a real worker answers at once; its test is elsewhere).
    with lead.expect_navigation(timeout=REPORT_IN_REQUEST_MS):
        lead.locator("main button[type=submit]").first.click(no_wait_after=True)
    lead.wait_for_selector("#chart-ratings-1")
    lead.locator("#chart-ratings-1").scroll_into_view_if_needed()
    lead.wait_for_selector("#chart-ratings-1 svg.main-svg")
    assert charts_not_drawn(lead) == []
    report = lead.inner_text(".report")
    assert "Agreement between raters" in report
    assert "Partners' voice" in report
    assert_accessible(lead)
    lead_ctx.close()

"""The improvement plan of a whole assessment: every commitment's actions, filtered, and the
"Overdue" mark wherever plan items are shown."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import ActionItem, Assessment
from assessments.services import ActionInput, action_item_save, assessment_submit
from assessments.tests.factories import answer_all, days_from_today, started
from organizations.models import User
from reports.selectors import maturity_numbers
from tests.cast import Cast

pytestmark = pytest.mark.django_db

OVERDUE = '<span class="badge text-bg-danger">Overdue</span>'


def _item(
    a: Assessment,
    by: User,
    title: str,
    *,
    code: str = "c1",
    owner: User | None = None,
    due_in: int | None = None,
    status: str = "planned",
) -> ActionItem:
    return action_item_save(
        assessment=a,
        commitment=a.cycle.rubric.commitments.get(code=code),
        data=ActionInput(
            title, "", None, None, owner,
            days_from_today(due_in) if due_in is not None else None, status,
        ),
        by=by,
    )  # fmt: skip


@pytest.fixture
def plan(cast: Cast) -> Assessment:
    """A's draft with five actions on two commitments."""
    a = started(organization=cast.org_a, by=cast.lead_a)
    _item(a, cast.lead_a, "Late charter", owner=cast.lead_a, due_in=-3)
    _item(a, cast.lead_a, "Finished audit", owner=cast.lead_a, due_in=-10, status="done")
    _item(a, cast.lead_a, "Survey soon", code="c2", owner=cast.contributor_a, due_in=12)
    _item(a, cast.lead_a, "Someday training", code="c2", status="in_progress")
    _item(a, cast.lead_a, "Next year review", owner=cast.contributor_a, due_in=200)
    return a


def _titles(client: Client, a: Assessment, **query: str) -> list[str]:
    response = client.get(reverse("assessments:improvement_plan", args=[a.pk]), query)
    assert response.status_code == 200
    return [i.title for i in response.context["items"]]


def test_the_page_lists_every_commitments_actions_in_rubric_order(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.viewer_a)
    assert _titles(client, plan) == [
        "Finished audit", "Late charter", "Next year review", "Survey soon", "Someday training",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"due": "overdue"}, ["Late charter"]),
        ({"due": "soon"}, ["Survey soon"]),
        ({"due": "none"}, ["Someday training"]),
        ({"status": "done"}, ["Finished audit"]),
        ({"status": "open"}, ["Late charter", "Next year review", "Survey soon",
                              "Someday training"]),
        ({"owner": "nobody"}, ["Someday training"]),
        ({"owner": "contributor", "due": "soon"}, ["Survey soon"]),
    ],
)  # fmt: skip
def test_filters_by_owner_status_and_due(
    client: Client, cast: Cast, plan: Assessment, query: dict[str, str], expected: list[str]
) -> None:
    if query.get("owner") == "contributor":
        query = {**query, "owner": str(cast.contributor_a.pk)}
    client.force_login(cast.lead_a)
    assert _titles(client, plan, **query) == expected


def test_a_bad_filter_is_shown_beside_its_field_and_filters_nothing(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:improvement_plan", args=[plan.pk])
    response = client.get(url, {"owner": "99999", "due": "overdue", "status": "<b>"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"owner", "status"}
    assert [i.title for i in response.context["items"]] == ["Late charter"]
    assert 'id="error_1_id_owner"' in response.content.decode()


def test_each_action_links_to_its_commitment_plan_and_overdue_is_a_word(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    html = client.get(reverse("assessments:improvement_plan", args=[plan.pk])).content.decode()
    for item in plan.action_items.select_related("commitment"):
        url = reverse("assessments:plan_item", args=[plan.pk, item.commitment.code, item.pk])
        assert f'href="{url}"' in html
    assert html.count(OVERDUE) == 1


def test_another_organizations_actions_never_show_and_its_plan_is_404(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    b = started(organization=cast.org_b, by=cast.lead_b)
    _item(b, cast.lead_b, "Beta secret action", due_in=-1)
    client.force_login(cast.lead_a)
    html = client.get(reverse("assessments:improvement_plan", args=[plan.pk])).content.decode()
    assert "Beta secret action" not in html
    assert client.get(reverse("assessments:improvement_plan", args=[b.pk])).status_code == 404
    client.force_login(cast.lead_b)
    assert client.get(reverse("assessments:improvement_plan", args=[plan.pk])).status_code == 404


def test_an_owner_filter_naming_someone_of_another_organization_is_refused(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:improvement_plan", args=[plan.pk])
    response = client.get(url, {"owner": str(cast.lead_b.pk)})
    assert "owner" in response.context["form"].errors
    assert f">{cast.lead_b.email}<" not in response.content.decode()


def test_the_plan_page_makes_the_same_queries_for_5_or_50_actions(
    client: Client, cast: Cast, plan: Assessment, django_assert_num_queries: Any
) -> None:
    client.force_login(cast.contributor_a)
    url = reverse("assessments:improvement_plan", args=[plan.pk])
    client.get(url)  # the session's first touch is not the page's cost
    # session, user, permissions (user's and groups', for the nav), assessment with role and
    # extension, the contributor's assignments, members, items, commitments, current membership
    with django_assert_num_queries(10):
        assert len(client.get(url).context["items"]) == 5
    for n in range(45):
        _item(plan, cast.lead_a, f"Action {n}", owner=cast.contributor_a, due_in=n - 20)
    with django_assert_num_queries(10):
        assert len(client.get(url).context["items"]) == 50


# --- "Overdue" on the other pages that show plan items ----------------------------------------


def test_the_commitment_plan_marks_overdue_actions(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.lead_a)
    html = client.get(reverse("assessments:plan", args=[plan.pk, "c1"])).content.decode()
    assert html.count(OVERDUE) == 1


def test_the_overview_counts_overdue_actions_per_commitment(
    client: Client, cast: Cast, plan: Assessment
) -> None:
    client.force_login(cast.viewer_a)
    response = client.get(reverse("assessments:overview", args=[plan.pk]))
    by_code = {r.commitment.code: r.overdue_actions for r in response.context["overview"].rows}
    assert by_code == {"c1": 1, "c2": 0}
    html = response.content.decode()
    assert "1 overdue</span>" in html
    assert f"{reverse('assessments:improvement_plan', args=[plan.pk])}?due=overdue" in html


def test_the_review_page_marks_overdue_actions(client: Client, cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    _item(a, cast.lead_a, "Late charter", due_in=-3)
    _item(a, cast.lead_a, "Fine", due_in=3)
    answer_all(assessment=a, by=cast.lead_a)
    assessment_submit(assessment=a, by=cast.lead_a)
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:review", args=[a.pk])).content.decode()
    assert html.count(OVERDUE) == 1


def test_the_maturity_report_marks_overdue_actions(cast: Cast) -> None:
    a = started(organization=cast.org_a, by=cast.lead_a)
    answer_all(assessment=a, by=cast.lead_a, levels={"c1-1": 1, "c1-2": 1, "c1-3": 1,
                                                      "c2-1": 5, "c2-2": 5, "c2-3": 5})  # fmt: skip
    _item(a, cast.lead_a, "Late charter", due_in=-3)
    _item(a, cast.lead_a, "Fine", due_in=3)
    assessment_submit(assessment=a, by=cast.lead_a)
    plan = maturity_numbers(assessment=a).plan
    assert {(p.title, p.overdue) for p in plan} == {("Late charter", True), ("Fine", False)}

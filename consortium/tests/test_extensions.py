"""Staff change a cycle's dates and grant one organization an extension after the close."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, Cycle, Extension
from assessments.services import answers_save
from assessments.tests.factories import (
    answer,
    days_from_today,
    move_dates,
    open_cycle,
    started,
    submitted,
)
from consortium.services import extension_grant
from organizations.models import AuditEvent
from organizations.tests.factories import admin_user, organization_with_lead
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


@pytest.fixture
def closed(cast: Cast) -> Assessment:
    """A's draft in a cycle that closed yesterday."""
    a = started(organization=cast.org_a, by=cast.lead_a)
    move_dates(a.cycle, by=cast.staff, closes_in=-1)
    return Assessment.objects.select_related("cycle").get(pk=a.pk)


def _grant(client: Client, cycle: Cycle, **fields: object) -> HttpResponse:
    data = {"until": days_from_today(10).isoformat(), "reason": "Their lead was on leave."}
    return client.post(reverse("consortium:extension_grant", args=[cycle.pk]), data | fields)


def _save_first_answer(a: Assessment, cast: Cast) -> None:
    row = a.answers.order_by("id").first()
    answers_save(assessment=a, answers={row.pk: (row.version, answer(4))}, by=cast.lead_a)


def test_staff_grant_an_extension_and_the_lead_may_write_again_until_its_day(
    client: Client, cast: Cast, closed: Assessment
) -> None:
    with pytest.raises(ValidationError):
        _save_first_answer(closed, cast)
    client.force_login(cast.staff)
    response = _grant(client, closed.cycle, organization=cast.org_a.pk)
    assert response.status_code == 302
    extension = Extension.objects.get(cycle=closed.cycle, organization=cast.org_a)
    assert (extension.until, extension.granted_by) == (days_from_today(10), cast.staff)
    _save_first_answer(closed, cast)
    assert closed.answers.order_by("id").first().level == 4
    page = client.get(response["Location"]).content.decode()
    assert "Alpha Health" in page
    assert _day(days_from_today(10)) in page
    client.force_login(cast.lead_a)
    overview = client.get(reverse("assessments:overview", args=[closed.pk])).content.decode()
    assert f"may change until {_day(days_from_today(10))}" in overview
    assert "Read-only." not in overview


def test_every_grant_is_audited_with_its_reason_and_a_second_moves_the_day(
    cast: Cast, closed: Assessment
) -> None:
    for days, reason in ((5, "Flooded office"), (12, "Still flooded")):
        extension_grant(
            cycle=closed.cycle, organization=cast.org_a, until=days_from_today(days),
            reason=reason, by=cast.staff,
        )  # fmt: skip
    assert Extension.objects.get().until == days_from_today(12)
    events = list(AuditEvent.objects.filter(action="extension.grant").order_by("id"))
    assert [(e.actor, e.organization, e.detail["reason"]) for e in events] == [
        (cast.staff, cast.org_a, "Flooded office"),
        (cast.staff, cast.org_a, "Still flooded"),
    ]
    assert events[1].detail["previous_until"] == days_from_today(5).isoformat()
    assert Extension.history.count() == 2


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"until": "past-close"}, "until", "closing day"),
        ({"reason": "   "}, "reason", "This field is required."),
        ({"until": "not a date"}, "until", "Enter a valid date."),
    ],
)
def test_a_bad_extension_is_refused_beside_its_field(
    client: Client, cast: Cast, closed: Assessment, fields: dict, field: str, said: str
) -> None:
    if fields.get("until") == "past-close":
        fields = {"until": days_from_today(-3).isoformat()}
    client.force_login(cast.staff)
    response = _grant(client, closed.cycle, organization=cast.org_a.pk, **fields)
    assert response.status_code == 400
    assert said in " ".join(response.context["form"].errors[field])
    assert f'id="error_1_id_{field}"' in response.content.decode()
    assert not Extension.objects.exists()


def test_only_organizations_with_an_unsubmitted_assessment_are_offered(
    client: Client, cast: Cast
) -> None:
    draft = started(organization=cast.org_a, by=cast.lead_a)
    submitted(organization=cast.org_b, cycle=draft.cycle, by=cast.lead_b)
    cycle = move_dates(draft.cycle, by=cast.staff, closes_in=-1)
    client.force_login(cast.staff)
    form = client.get(reverse("consortium:cycle", args=[cycle.pk])).context["form"]
    assert list(form.fields["organization"].queryset) == [cast.org_a]
    response = _grant(client, cycle, organization=cast.org_b.pk)
    assert response.status_code == 400
    assert "organization" in response.context["form"].errors


def test_the_service_refuses_an_organization_without_an_unsubmitted_assessment(
    cast: Cast, closed: Assessment
) -> None:
    other, _ = organization_with_lead()
    with pytest.raises(ValidationError) as excinfo:
        extension_grant(
            cycle=closed.cycle, organization=other, until=days_from_today(3), reason="x",
            by=cast.staff,
        )  # fmt: skip
    assert list(excinfo.value.message_dict) == ["organization"]


@pytest.mark.parametrize("who", ["lead_a", "contributor_a", "viewer_a", "lead_b"])
def test_members_may_neither_see_nor_grant_extensions(
    client: Client, cast: Cast, closed: Assessment, who: str
) -> None:
    client.force_login(getattr(cast, who))
    assert client.get(reverse("consortium:cycle", args=[closed.cycle.pk])).status_code == 403
    assert _grant(client, closed.cycle, organization=cast.org_a.pk).status_code == 403
    assert not Extension.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, closed: Assessment) -> None:
    response = _grant(client, closed.cycle)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Extension.objects.exists()


def test_staff_get_404_for_a_cycle_that_does_not_exist(client: Client, cast: Cast) -> None:
    client.force_login(cast.staff)
    assert client.get(reverse("consortium:cycle", args=[999_999])).status_code == 404


# --- The cycle's dates ----------------------------------------------------------------------


def _dates(cycle: Cycle, **changes: str) -> dict[str, str]:
    return {
        "name": cycle.name,
        "opens_on": cycle.opens_on.isoformat(),
        "due_on": cycle.due_on.isoformat(),
        "closes_on": cycle.closes_on.isoformat(),
        **changes,
    }


def test_staff_move_a_cycles_dates_and_the_change_is_audited(client: Client, cast: Cast) -> None:
    cycle = open_cycle(by=cast.staff)
    client.force_login(cast.staff)
    later = days_from_today(60).isoformat()
    response = client.post(
        reverse("consortium:cycle_edit", args=[cycle.pk]), _dates(cycle, closes_on=later)
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.closes_on == days_from_today(60)
    event = AuditEvent.objects.get(action="cycle.update")
    assert event.detail == {"closes_on": [days_from_today(30).isoformat(), later]}


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        ({"due_on": "before-opening"}, "due_on", "due on or after the day the cycle opens"),
        ({"due_on": "after-closing"}, "due_on", "due on or before the day the cycle closes"),
        ({"due_on": "2026-02-30"}, "due_on", "Enter a valid date."),
    ],
)
def test_a_due_day_out_of_order_is_refused_beside_the_due_field(
    client: Client, cast: Cast, changes: dict, field: str, said: str
) -> None:
    cycle = open_cycle(by=cast.staff)
    if changes["due_on"] == "before-opening":
        changes = {"due_on": days_from_today(-31).isoformat()}
    elif changes["due_on"] == "after-closing":
        changes = {"due_on": days_from_today(31).isoformat()}
    client.force_login(cast.staff)
    response = client.post(
        reverse("consortium:cycle_edit", args=[cycle.pk]), _dates(cycle, **changes)
    )
    assert response.status_code == 400
    assert said in " ".join(response.context["form"].errors[field])
    assert 'id="error_1_id_due_on"' in response.content.decode()
    assert Cycle.objects.get(pk=cycle.pk).due_on == cycle.due_on


def test_the_cycle_list_says_an_open_cycle_past_its_close_is_closed(
    client: Client, cast: Cast
) -> None:
    cycle = open_cycle(by=cast.staff, name="2026", opens_in=-90, due_in=-40, closes_in=-33)
    client.force_login(cast.staff)
    html = client.get(reverse("consortium:cycles")).content.decode()
    assert f"Closed on {_day(cycle.closes_on)}" in html
    assert f"<td>{_day(cycle.due_on)}</td>" in html


def test_the_cycle_page_makes_the_same_queries_for_1_or_20_extensions(
    client: Client, cast: Cast, django_assert_num_queries: object
) -> None:
    cycle = open_cycle(by=cast.staff)
    client.force_login(cast.staff)
    url = reverse("consortium:cycle", args=[cycle.pk])
    client.get(reverse("home"))  # the session's first save is behind us

    def extend(n: int) -> None:
        for _ in range(n):
            organization, lead = organization_with_lead()
            started(organization=organization, by=lead, cycle=cycle)
            extension_grant(
                cycle=cycle, organization=organization, until=days_from_today(40), reason="r",
                by=cast.staff,
            )  # fmt: skip

    extend(1)
    with django_assert_num_queries(QUERIES_CYCLE_PAGE):
        assert client.get(url).status_code == 200
    extend(19)
    with django_assert_num_queries(QUERIES_CYCLE_PAGE):
        html = client.get(url).content.decode()
    assert html.count("<td>r</td>") == 20


# session, user, permissions (user's and groups'), two-factor check, nav membership, the cycle
# (access), the cycle with counts, extensions, organizations offered
QUERIES_CYCLE_PAGE = 10


def test_superusers_read_extensions_in_the_admin_but_never_add_one_there(
    client: Client, cast: Cast, closed: Assessment
) -> None:
    """Like assessments, extensions are read in the admin by superusers only."""
    extension = extension_grant(
        cycle=closed.cycle, organization=cast.org_a, until=days_from_today(4), reason="Audit",
        by=cast.staff,
    )  # fmt: skip
    client.force_login(admin_user(is_superuser=True))
    changelist = client.get(reverse("admin:assessments_extension_changelist"))
    assert changelist.status_code == 200
    assert "Alpha Health" in changelist.content.decode()
    change = client.get(reverse("admin:assessments_extension_change", args=[extension.pk]))
    assert change.status_code == 200
    assert 'name="until"' not in change.content.decode()  # read-only
    assert client.get(reverse("admin:assessments_extension_add")).status_code == 403

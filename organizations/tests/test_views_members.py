"""The members page: roles, removal, always a lead, fixed queries; the current organization."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from organizations.models import AuditEvent, Membership, Organization
from organizations.services import membership_change_role, membership_remove
from organizations.tests.factories import MembershipFactory, OrganizationFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _members_url(cast: Cast) -> str:
    return reverse("organizations:members", args=[cast.org_a.slug])


def test_the_members_page_lists_members_and_roles(client: Client, cast: Cast) -> None:
    client.force_login(cast.viewer_a)
    html = client.get(_members_url(cast)).content.decode()
    for email in ("lead@alpha.test", "contributor@alpha.test", "viewer@alpha.test"):
        assert email in html
    assert "lead@beta.test" not in html
    assert "Send invitation" not in html  # only the lead manages members


def test_the_lead_changes_a_role(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    url = reverse("organizations:member_role", args=[cast.org_a.slug, cast.viewer_a_membership.pk])
    client.post(url, {"role": "contributor"})
    cast.viewer_a_membership.refresh_from_db()
    assert cast.viewer_a_membership.role == "contributor"


def test_the_last_lead_cannot_be_removed(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    url = reverse("organizations:member_remove", args=[cast.org_a.slug, cast.lead_a_membership.pk])
    response = client.post(url, follow=True)
    assert "only lead" in response.content.decode()
    assert Membership.objects.filter(pk=cast.lead_a_membership.pk).exists()


def test_the_last_lead_cannot_be_demoted(cast: Cast) -> None:
    with pytest.raises(ValidationError, match="only lead"):
        membership_change_role(membership=cast.lead_a_membership, role="viewer", by=cast.lead_a)
    cast.lead_a_membership.refresh_from_db()
    assert cast.lead_a_membership.role == "lead"


def test_a_lead_can_step_down_once_there_is_another(cast: Cast) -> None:
    membership_change_role(membership=cast.contributor_a_membership, role="lead", by=cast.lead_a)
    membership_change_role(membership=cast.lead_a_membership, role="viewer", by=cast.lead_a)
    membership_remove(membership=cast.lead_a_membership, by=cast.contributor_a)
    assert not Membership.objects.filter(pk=cast.lead_a_membership.pk).exists()


def test_a_removed_member_no_longer_sees_the_organization(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    url = reverse(
        "organizations:member_remove", args=[cast.org_a.slug, cast.contributor_a_membership.pk]
    )
    assert client.post(url).status_code == 302
    client.force_login(cast.contributor_a)
    assert client.get(_members_url(cast)).status_code == 404


def test_a_lead_cannot_touch_a_membership_of_another_organization(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)
    url = reverse("organizations:member_role", args=[cast.org_a.slug, cast.lead_b_membership.pk])
    assert client.post(url, {"role": "viewer"}).status_code == 404
    cast.lead_b_membership.refresh_from_db()
    assert cast.lead_b_membership.role == "lead"


def _add_members(cast: Cast, n: int) -> None:
    MembershipFactory.create_batch(n, organization=cast.org_a, role="viewer")


@pytest.mark.parametrize("who", ["lead_a", "viewer_a"])
def test_members_page_queries_do_not_grow_with_members(
    client: Client, cast: Cast, django_assert_max_num_queries, who: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(getattr(cast, who))
    OrganizationFactory.create_batch(5)
    client.get(_members_url(cast))  # the first request after sign-in saves the session
    counts = []
    for extra in (0, 27):  # 3 members, then 30
        _add_members(cast, extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(_members_url(cast))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert Membership.objects.filter(organization=cast.org_a).count() == 30


def test_members_page_query_count_is_pinned(
    client: Client, cast: Cast, django_assert_num_queries
) -> None:
    client.force_login(cast.lead_a)
    _add_members(cast, 27)
    client.get(_members_url(cast))  # the first request after sign-in saves the session
    # session, user, permissions (user's, groups'), organization, role, current membership,
    # members, invitations
    with django_assert_num_queries(9):
        client.get(_members_url(cast))


def test_a_person_in_two_organizations_switches_between_them(client: Client, cast: Cast) -> None:
    MembershipFactory(user=cast.lead_b, organization=cast.org_a, role="viewer")
    client.force_login(cast.lead_b)
    assert client.get(reverse("home")).context["current_membership"].organization == cast.org_a
    client.post(reverse("organizations:switch"), {"organization": cast.org_b.pk})
    home = client.get(reverse("home"))
    assert home.context["current_membership"].organization == cast.org_b
    assert reverse("organizations:members", args=["beta"]) in home.content.decode()


def test_a_stale_choice_in_the_session_is_not_trusted(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_b)
    session = client.session
    session["current_organization_id"] = cast.org_a.pk  # not theirs
    session.save()
    home = client.get(reverse("home"))
    assert home.context["current_membership"].organization == cast.org_b
    assert "alpha" not in home.content.decode()


def test_the_nav_shows_organization_pages_by_role(client: Client, cast: Cast) -> None:
    client.force_login(cast.viewer_a)
    html = client.get(reverse("home")).content.decode()
    assert ">Members<" in html
    assert "All organizations" not in html
    assert "Audit log" not in html
    client.force_login(cast.staff)
    html = client.get(reverse("home")).content.decode()
    assert "All organizations" in html
    assert "Audit log" not in html
    client.force_login(cast.admin)
    assert "Audit log" in client.get(reverse("home")).content.decode()


def test_staff_create_and_edit_organizations(client: Client, cast: Cast) -> None:
    client.force_login(cast.staff)
    fields = {"name": "Gamma", "slug": "gamma", "type": "payer", "region": "south",
              "size_band": "large", "paper_size": "letter", "is_active": "on"}  # fmt: skip
    assert client.post(reverse("organizations:staff_create"), fields).status_code == 302
    fields["name"] = "Gamma Health Plan"
    url = reverse("organizations:staff_edit", args=["gamma"])
    assert client.post(url, fields).status_code == 302
    html = client.get(reverse("organizations:staff_list")).content.decode()
    assert "Gamma Health Plan" in html


def test_staff_choose_the_paper_size_of_an_organizations_reports(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.staff)
    url = reverse("organizations:staff_edit", args=[cast.org_a.slug])
    form = client.get(url).content.decode()
    assert 'name="paper_size"' in form
    assert "A4 (210 by 297 mm)" in form
    fields = {"name": cast.org_a.name, "slug": cast.org_a.slug, "type": cast.org_a.type,
              "region": cast.org_a.region, "size_band": cast.org_a.size_band,
              "paper_size": "A4", "is_active": "on"}  # fmt: skip
    assert client.post(url, fields).status_code == 302
    cast.org_a.refresh_from_db()
    assert cast.org_a.paper_size == Organization.PaperSize.A4
    event = AuditEvent.objects.filter(action="organization.update").latest("pk")
    assert event.detail == {"fields": ["paper_size"]}


def test_a_paper_size_other_than_a4_or_letter_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.staff)
    fields = {"name": "Gamma", "slug": "gamma", "type": "payer", "region": "south",
              "size_band": "large", "paper_size": "legal"}  # fmt: skip
    response = client.post(reverse("organizations:staff_create"), fields)
    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()


def test_a_reserved_short_name_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.staff)
    fields = {"name": "X", "slug": "manage", "type": "payer", "region": "south",
              "size_band": "large"}  # fmt: skip
    response = client.post(reverse("organizations:staff_create"), fields)
    assert response.status_code == 400
    assert "reserved" in response.content.decode()

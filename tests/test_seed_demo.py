"""`make demo` data: organizations of several kinds, each with a lead, contributor and viewer."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from organizations.access import user_is_admin, user_is_staff
from organizations.models import Membership, Organization, User

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_demo_data_is_complete_and_seeding_twice_changes_nothing() -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert Organization.objects.count() == 6
    assert len(set(Organization.objects.values_list("type", flat=True))) == 6
    assert len(set(Organization.objects.values_list("region", flat=True))) >= 4
    for organization in Organization.objects.all():
        roles = sorted(
            Membership.objects.filter(organization=organization).values_list("role", flat=True)
        )
        assert roles == ["contributor", "lead", "viewer"]
    assert user_is_staff(User.objects.get(email="staff@demo.lhs.test"))
    assert not user_is_admin(User.objects.get(email="staff@demo.lhs.test"))
    assert user_is_admin(User.objects.get(email="admin@demo.lhs.test"))


@override_settings(DEBUG=True)
def test_a_demo_lead_signs_in_and_sees_their_members(client: Client) -> None:
    call_command("seed_demo")
    client.post(
        reverse("account_login"),
        {"login": "lead@harbor.demo.lhs.test", "password": "demo-password-2026"},
    )
    html = client.get(reverse("organizations:members", args=["harbor"])).content.decode()
    assert "viewer@harbor.demo.lhs.test" in html
    assert client.get(reverse("organizations:members", args=["keystone"])).status_code == 404


@override_settings(DEBUG=False)
def test_demo_data_is_refused_without_debug() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo")

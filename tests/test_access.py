"""The access helpers themselves: 404 for "missing" and "not yours" alike, 403 for read-only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, override_settings
from django.urls import reverse

from organizations import access
from organizations.models import AuditEvent
from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import Cast

pytestmark = pytest.mark.django_db


def test_missing_and_not_yours_are_the_same_404(cast: Cast) -> None:
    for slug in (cast.org_b.slug, "no-such-organization"):
        with pytest.raises(Http404):
            access.organization_for_user(user=cast.lead_a, slug=slug)


def test_a_viewer_may_see_but_not_manage(cast: Cast) -> None:
    assert access.organization_for_user(user=cast.viewer_a, slug="alpha") == cast.org_a
    with pytest.raises(PermissionDenied):
        access.organization_for_user(user=cast.viewer_a, slug="alpha", for_write=True)


def test_require_role_answers_403_for_another_role(cast: Cast) -> None:
    lead = access.Membership.Role.LEAD
    assert access.require_role(user=cast.lead_a, organization=cast.org_a, roles=[lead]) == lead
    with pytest.raises(PermissionDenied):
        access.require_role(user=cast.contributor_a, organization=cast.org_a, roles=[lead])
    with pytest.raises(PermissionDenied):
        access.require_role(user=cast.staff, organization=cast.org_a, roles=[lead])


def test_staff_and_admins_are_known_by_permissions_not_flags(cast: Cast) -> None:
    assert access.user_is_staff(cast.staff)
    assert not access.user_is_admin(cast.staff)
    assert access.user_is_staff(cast.admin)
    assert access.user_is_admin(cast.admin)
    flagged = UserFactory(is_staff=True)  # Django admin access alone grants nothing here
    assert not access.user_is_staff(flagged)
    assert not access.user_is_staff(cast.lead_a)


def test_an_inactive_organization_is_hidden_from_its_members(cast: Cast) -> None:
    cast.org_a.is_active = False
    cast.org_a.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        access.organization_for_user(user=cast.lead_a, slug="alpha")
    assert access.organization_for_user(user=cast.staff, slug="alpha") == cast.org_a


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_audit_log_records_the_client_address() -> None:
    user = UserFactory(email="lead@example.org")
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert AuditEvent.objects.get(action="auth.sign_in").ip == "203.0.113.7"

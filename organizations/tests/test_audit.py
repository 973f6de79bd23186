"""The audit log: written with each security-relevant change, read by admins, edited by none."""

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse

from organizations.models import AuditEvent
from organizations.services import audit_log, invitation_create, membership_change_role
from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_signing_in_and_out_is_recorded_with_the_address(client: Client) -> None:
    user = UserFactory(email="lead@example.org")
    client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    client.post(reverse("account_logout"))
    sign_in = AuditEvent.objects.get(action="auth.sign_in")
    assert sign_in.actor == user
    assert sign_in.ip == "127.0.0.1"
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=user).exists()


def test_a_failed_sign_in_is_recorded_with_the_email_tried(client: Client) -> None:
    client.post(reverse("account_login"), {"login": "who@example.org", "password": "nope"})
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.actor is None
    assert event.detail == {"email": "who@example.org"}


def test_a_role_change_is_recorded_with_before_and_after(cast: Cast) -> None:
    membership_change_role(membership=cast.viewer_a_membership, role="contributor", by=cast.lead_a)
    event = AuditEvent.objects.get(action="membership.role_change")
    assert event.actor == cast.lead_a
    assert event.organization == cast.org_a
    assert event.detail["from"] == "viewer"
    assert event.detail["to"] == "contributor"


def test_an_invitation_is_recorded(cast: Cast) -> None:
    invitation, _ = invitation_create(
        organization=cast.org_a, email="x@example.org", role="viewer", by=cast.lead_a
    )
    event = AuditEvent.objects.get(action="invitation.create")
    assert event.target_id == str(invitation.pk)
    assert event.target_type == "organizations.invitation"


def test_an_audit_row_cannot_be_changed_or_deleted() -> None:
    event = audit_log(action="test.event")
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_not_even_a_superuser_may_add_change_or_delete_in_the_admin() -> None:
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = site._registry[AuditEvent]
    event = audit_log(action="test.event")
    assert model_admin.has_view_permission(request, event)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)


def test_admins_read_the_audit_log_and_staff_do_not(client: Client, cast: Cast) -> None:
    membership_change_role(membership=cast.viewer_a_membership, role="contributor", by=cast.lead_a)
    client.force_login(cast.admin)
    response = client.get(reverse("organizations:audit_log"))
    assert "membership.role_change" in response.content.decode()
    assert client.get(reverse("admin:organizations_auditevent_changelist")).status_code == 200
    client.force_login(cast.staff)
    assert client.get(reverse("organizations:audit_log")).status_code == 403


def test_postgresql_itself_refuses_to_change_or_delete_an_audit_row(
    postgres_database: None, cast: Cast
) -> None:
    from django.db import DatabaseError, connection, transaction

    event = audit_log(action="test.event", actor=cast.lead_a, organization=cast.org_a)
    for sql in (
        "UPDATE organizations_auditevent SET action = 'x' WHERE id = %s",
        "UPDATE organizations_auditevent SET actor_id = %s WHERE id = %s",
        "DELETE FROM organizations_auditevent WHERE id = %s",
    ):
        params = [cast.lead_b.pk, event.pk] if "actor_id" in sql else [event.pk]
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    # Deleting the person keeps the row and only forgets who it was.
    cast.lead_a.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor is None
    assert event.action == "test.event"

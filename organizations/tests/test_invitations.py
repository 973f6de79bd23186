"""Invitations: one use, seven days, sent to one address, never opened by a guessed token."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from organizations.models import AuditEvent, Invitation, Membership, User
from organizations.services import invitation_create
from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-passphrase-2026"


def _invite(cast: Cast, email: str = "newcomer@example.org", role: str = "contributor") -> str:
    _, token = invitation_create(organization=cast.org_a, email=email, role=role, by=cast.lead_a)
    return reverse("organizations:invitation_accept", kwargs={"token": token})


def test_the_lead_invites_a_colleague_who_gets_an_email_with_a_link(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("organizations:invite", args=[cast.org_a.slug]),
            {"email": "Newcomer@Example.org", "role": "viewer"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.org"]
    assert "/organizations/invitations/" in message.body
    invitation = Invitation.objects.get()
    assert invitation.role == "viewer"
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)
    # Only a hash of the token is stored.
    token = message.body.split("/organizations/invitations/")[1].split("/")[0]
    assert token not in invitation.token_hash


def test_inviting_a_current_member_says_so_next_to_the_field(client: Client, cast: Cast) -> None:
    client.force_login(cast.lead_a)
    response = client.post(
        reverse("organizations:invite", args=[cast.org_a.slug]),
        {"email": cast.viewer_a.email, "role": "viewer"},
    )
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_a_newcomer_accepts_by_choosing_a_password(client: Client, cast: Cast) -> None:
    url = _invite(cast)
    assert "Choose a password" in client.get(url).content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@example.org")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user, organization=cast.org_a).role == "contributor"
    assert int(client.session[SESSION_KEY]) == user.pk


def test_a_weak_password_is_refused_next_to_the_field(client: Client, cast: Cast) -> None:
    url = _invite(cast)
    response = client.post(url, {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_an_invitation_works_only_once(client: Client, cast: Cast) -> None:
    url = _invite(cast)
    client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    other = Client()
    response = other.get(url)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    response = other.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert Membership.objects.filter(user__email="newcomer@example.org").count() == 1


def test_an_expired_invitation_is_refused(client: Client, cast: Cast) -> None:
    url = _invite(cast)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_a_forged_token_is_not_found(client: Client, cast: Cast) -> None:
    _invite(cast)
    url = reverse("organizations:invitation_accept", kwargs={"token": "x" * 43})
    assert client.get(url).status_code == 404


def test_someone_with_an_account_signs_in_then_accepts(client: Client, cast: Cast) -> None:
    person = UserFactory(email="member-elsewhere@example.org")
    url = _invite(cast, email=person.email, role="viewer")
    response = client.get(url)
    assert "Sign in" in response.content.decode()
    assert client.post(url, {}).status_code == 200  # not accepted without signing in
    assert not Membership.objects.filter(user=person).exists()
    client.post(reverse("account_login"), {"login": person.email, "password": DEFAULT_PASSWORD})
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=person, organization=cast.org_a).role == "viewer"


def test_an_invitation_for_someone_else_is_refused_to_a_signed_in_person(
    client: Client, cast: Cast
) -> None:
    url = _invite(cast)
    client.force_login(cast.lead_b)
    for response in (client.get(url), client.post(url)):
        html = response.content.decode()
        assert response.status_code == 403
        assert "cannot be used with the account you are signed in with" in html
        assert cast.org_a.name not in html
        assert "newcomer" not in html
        assert cast.lead_b.email not in html.split("<main", 1)[-1]
    assert not Membership.objects.filter(user=cast.lead_b, organization=cast.org_a).exists()
    events = AuditEvent.objects.filter(action="invitation.wrong_account")
    assert events.count() == 2
    event = events.first()
    assert event.actor == cast.lead_b
    assert event.organization == cast.org_a
    assert event.detail == {"invited": "newcomer@example.org", "signed_in_as": cast.lead_b.email}


def test_a_used_invitation_opened_by_another_account_reveals_nothing_either(
    client: Client, cast: Cast
) -> None:
    url = _invite(cast)
    Invitation.objects.update(accepted_at=timezone.now())
    client.force_login(cast.lead_b)
    html = client.get(url).content.decode()
    assert cast.org_a.name not in html
    assert "newcomer" not in html

"""Sign-in security: lockout, two factors for staff, session lifetime, re-authentication."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from organizations.adapters import LOCKOUT_MESSAGE
from organizations.middleware import SEEN_AT_SESSION_KEY, SIGNED_IN_AT_SESSION_KEY
from organizations.models import AuditEvent
from organizations.services import membership_remove, user_deactivate
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    UserFactory,
    admin_user,
    staff_user,
    with_totp,
)
from tests.cast import Cast

pytestmark = pytest.mark.django_db

# A page only a signed-in person reaches (the home page greets anyone): asking for it after a
# session ended must send the person to sign in again.
BEHIND_SIGN_IN = "organizations:index"

LOGIN = "account_login"


def _sign_in(client: Client, email: str, password: str = DEFAULT_PASSWORD):
    return client.post(reverse(LOGIN), {"login": email, "password": password})


# --- lockout ------------------------------------------------------------------------------


def test_the_sixth_attempt_in_five_minutes_is_refused_even_with_the_right_password(
    client: Client,
) -> None:
    UserFactory(email="lead@example.org")
    for _ in range(5):
        response = _sign_in(client, "lead@example.org", "wrong-password")
        assert "not correct" in response.content.decode()
    response = _sign_in(client, "lead@example.org")
    assert response.status_code == 429
    assert SESSION_KEY not in client.session
    assert LOCKOUT_MESSAGE in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 5
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


def test_the_account_lockout_holds_from_another_address(client: Client) -> None:
    UserFactory(email="lead@example.org")
    for _ in range(5):
        _sign_in(client, "lead@example.org", "wrong-password")
    other = Client(REMOTE_ADDR="10.9.9.9")
    response = _sign_in(other, "lead@example.org")
    assert SESSION_KEY not in other.session
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_one_address_is_throttled_across_accounts(client: Client) -> None:
    for i in range(10):
        _sign_in(client, f"nobody{i}@example.org", "wrong-password")
    UserFactory(email="lead@example.org")
    response = _sign_in(client, "lead@example.org")
    assert SESSION_KEY not in client.session
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()


def test_the_address_rate_limit_answers_429_with_the_same_words(client: Client) -> None:
    """allauth's own page-level limit (30 sign-in pages a minute per address) as well."""
    client.raise_request_exception = False
    statuses = [client.post(reverse(LOGIN), {"login": "x", "password": "y"}) for _ in range(35)]
    paused = [r for r in statuses if r.status_code == 429]
    assert paused
    assert all(LOCKOUT_MESSAGE in r.content.decode() for r in paused)


def test_a_few_failures_do_not_lock_the_right_person_out(client: Client) -> None:
    UserFactory(email="lead@example.org")
    for _ in range(4):
        _sign_in(client, "lead@example.org", "wrong-password")
    assert _sign_in(client, "lead@example.org").status_code == 302
    assert SESSION_KEY in client.session


# --- two factors ----------------------------------------------------------------------------


def test_staff_without_an_authenticator_are_sent_to_set_one_up(client: Client) -> None:
    staff = staff_user()
    staff.authenticator_set.all().delete()
    client.force_login(staff)
    for path in (reverse("home"), reverse("organizations:staff_list")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


def test_admins_without_an_authenticator_cannot_reach_django_admin(client: Client) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_without_an_authenticator_may_still_set_one_up_and_sign_out(client: Client) -> None:
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before two-factor changes; that page is reachable.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_members_may_sign_in_without_two_factors(client: Client) -> None:
    client.force_login(UserFactory())
    assert client.get(reverse("home")).status_code == 200


def test_staff_with_an_authenticator_are_asked_for_a_code_at_sign_in(client: Client) -> None:
    staff_user(email="staff@example.org")
    response = _sign_in(client, "staff@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session


def test_staff_complete_sign_in_with_the_code_from_their_app(client: Client) -> None:
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    staff = staff_user(email="staff@example.org")
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    _sign_in(client, "staff@example.org")
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == staff.pk
    assert client.get(reverse("organizations:staff_list")).status_code == 200


def test_a_wrong_code_does_not_sign_staff_in(client: Client) -> None:
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    staff = staff_user(email="staff@example.org")
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    now = int(time.time()) // 30
    valid = {format_hotp_value(hotp_value(secret, now + i)) for i in (-1, 0, 1)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    _sign_in(client, "staff@example.org")
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_admin_with_an_authenticator_reaches_django_admin(client: Client) -> None:
    client.force_login(admin_user())
    assert client.get(reverse("admin:index")).status_code == 200


# --- re-authentication ----------------------------------------------------------------------


def test_two_factor_changes_ask_for_the_password_again(client: Client) -> None:
    client.force_login(with_totp(UserFactory()))
    response = client.get(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_adding_an_email_asks_for_the_password_again(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_changing_the_password_needs_the_current_one(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "wrong",
            "password1": "a-new-long-passphrase",
            "password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 200
    assert "oldpassword" in response.context["form"].errors


def test_password_reset_sends_an_email(client: Client) -> None:
    UserFactory(email="lead@example.org")
    response = client.post(reverse("account_reset_password"), {"email": "lead@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "lead@example.org" in mail.outbox[0].to


# --- sessions -------------------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes(client: Client) -> None:
    UserFactory(email="lead@example.org")
    _sign_in(client, "lead@example.org")
    assert client.get(reverse("home")).status_code == 200
    assert client.session.get_expiry_age() == 30 * 60
    session = Session.objects.get(session_key=client.session.session_key)
    # Every request moves the expiry forward; the last one was 31 minutes ago.
    session.expire_date = timezone.now() - timedelta(minutes=1)
    session.save()
    response = client.get(reverse(BEHIND_SIGN_IN))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


def _last_seen_minutes_ago(client: Client, minutes: float) -> None:
    """As if the last request that saved the session came `minutes` ago."""
    session = client.session
    session[SEEN_AT_SESSION_KEY] = (timezone.now() - timedelta(minutes=minutes)).timestamp()
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=30 - minutes)
    )


def _expiry(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_keeps_a_session_alive(client: Client) -> None:
    client.force_login(UserFactory())
    client.get(reverse("home"))
    _last_seen_minutes_ago(client, 20)
    assert client.get(reverse("home")).status_code == 200
    assert _expiry(client) > timezone.now() + timedelta(minutes=29)


def test_requests_within_a_minute_do_not_write_the_session(client: Client) -> None:
    client.force_login(UserFactory())
    client.get(reverse("home"))
    _last_seen_minutes_ago(client, 0.5)
    before = _expiry(client)
    client.get(reverse("home"))
    assert _expiry(client) == before
    _last_seen_minutes_ago(client, 1.5)
    before = _expiry(client)
    client.get(reverse("home"))
    assert _expiry(client) > before


def _age_the_sign_in(client: Client, hours: float) -> None:
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = (timezone.now() - timedelta(hours=hours)).isoformat()
    session.save()


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client: Client) -> None:
    UserFactory(email="lead@example.org")
    _sign_in(client, "lead@example.org")
    _age_the_sign_in(client, 11.9)
    assert client.get(reverse("home")).status_code == 200
    _age_the_sign_in(client, 12.1)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))
    assert SESSION_KEY not in client.session
    assert client.get(reverse(BEHIND_SIGN_IN)).status_code == 302


def _two_signed_in_clients(email: str) -> tuple[Client, Client]:
    a, b = Client(), Client(REMOTE_ADDR="10.0.0.2")
    for c in (a, b):
        _sign_in(c, email)
        assert c.get(reverse("home")).status_code == 200
    return a, b


def test_deactivating_a_person_ends_all_their_sessions(client: Client) -> None:
    user = UserFactory(email="lead@example.org")
    a, b = _two_signed_in_clients("lead@example.org")
    keys = [a.session.session_key, b.session.session_key]
    with TestCase.captureOnCommitCallbacks(execute=True):
        user_deactivate(user=user, by=None)
    assert not Session.objects.filter(session_key__in=keys).exists()
    for c in (a, b):
        assert c.get(reverse(BEHIND_SIGN_IN)).status_code == 302


def test_removing_a_member_ends_their_sessions(cast: Cast) -> None:
    a, b = _two_signed_in_clients(cast.viewer_a.email)
    keys = [a.session.session_key, b.session.session_key]
    with TestCase.captureOnCommitCallbacks(execute=True):
        membership_remove(membership=cast.viewer_a_membership, by=cast.lead_a)
    assert not Session.objects.filter(session_key__in=keys).exists()
    for c in (a, b):
        assert c.get(reverse(BEHIND_SIGN_IN)).status_code == 302


def test_deactivating_in_django_admin_ends_all_sessions(client: Client, cast: Cast) -> None:
    a, b = _two_signed_in_clients(cast.viewer_a.email)
    keys = [a.session.session_key, b.session.session_key]
    client.force_login(cast.admin)
    url = reverse("admin:organizations_user_change", args=[cast.viewer_a.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "is_active"}
    data["groups"] = []
    data["user_permissions"] = []
    data["date_joined_0"], data["date_joined_1"] = "2026-01-01", "00:00:00"
    data.pop("date_joined", None)
    data.pop("last_login", None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    cast.viewer_a.refresh_from_db()
    assert not cast.viewer_a.is_active
    assert AuditEvent.objects.filter(action="user.deactivate").exists()
    assert not Session.objects.filter(session_key__in=keys).exists()
    for c in (a, b):
        assert c.get(reverse(BEHIND_SIGN_IN)).status_code == 302

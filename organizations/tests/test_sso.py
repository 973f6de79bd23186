"""Single sign-on against a real OpenID Connect provider (tests/oidc/provider.mjs, the
oidc-provider package under Node) on loopback: the whole authorization-code flow, with PKCE,
through the live test server, the provider's redirects and our callback; nothing mocked."""

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.urls import reverse

from organizations.models import (
    AuditEvent,
    IdentityProvider,
    Invitation,
    Membership,
    User,
)
from organizations.services import invitation_create
from organizations.sso import (
    REFUSED_BY_PROVIDER,
    USE_ORGANIZATION_SIGN_IN,
    secret_decrypt,
    secret_encrypt,
)
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    UserFactory,
    staff_user,
    with_totp,
)
from tests.oidc import ACCOUNTS, make_alpha, make_beta, running_provider

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def oidc(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with running_provider(live_server.url, tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


@pytest.fixture
def alpha(oidc: dict[str, Any]) -> IdentityProvider:
    return make_alpha(oidc["issuer"])


@pytest.fixture
def beta(oidc: dict[str, Any]) -> IdentityProvider:
    return make_beta(oidc["issuer"])


def _sso(live_server: Any, email: str) -> tuple[requests.Session, requests.Response]:
    """Type the address into "Continue with your organization's sign-in" and follow every
    redirect: to the provider, its interaction, back to our callback, and on."""
    session = requests.Session()
    login = f"{live_server.url}{reverse('account_login')}"
    session.get(login, timeout=10)
    page = session.post(
        login,
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "sso_email": email},
        timeout=30,
    )
    response = session.get(_onward(page), timeout=30)
    return session, response


def _onward(page: requests.Response) -> str:
    """Where the "Continuing to your organization's sign-in" page sends the browser."""
    assert page.status_code == 200, page.text[:300]
    found = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page.text)
    assert found is not None, page.text[:300]
    url = html.unescape(found.group(1))
    assert f'href="{found.group(1)}"' in page.text  # the same address as a link
    return url


def _signed_in(session: requests.Session, live_server: Any) -> bool:
    response = session.get(
        f"{live_server.url}{reverse('organizations:index')}", allow_redirects=False, timeout=10
    )
    return response.status_code == 200


def test_the_secret_is_stored_encrypted() -> None:
    ciphertext = secret_encrypt("s3cret-value")
    assert "s3cret-value" not in ciphertext
    assert secret_decrypt(ciphertext) == "s3cret-value"
    assert secret_decrypt("not a token") == ""


def test_first_sign_in_by_domain_rule_makes_a_member_with_the_default_role(
    live_server: Any, alpha: IdentityProvider
) -> None:
    session, response = _sso(live_server, "Alice@Alpha.test")
    assert response.status_code == 200, response.text[:500]
    assert response.url == f"{live_server.url}/"
    assert _signed_in(session, live_server)
    alice = User.objects.get(email="alice@alpha.test")
    assert not alice.has_usable_password()  # SSO only: no password to fall back on
    membership = Membership.objects.get(user=alice)
    assert (membership.organization, membership.role) == (alpha.organization, "contributor")
    sign_in = AuditEvent.objects.get(action="sso.sign_in", actor=alice)
    assert sign_in.detail["provider"] == "oidc-alpha-health"
    assert sign_in.organization_id == alpha.organization_id
    # The second time, the same account and membership: nothing new.
    session, response = _sso(live_server, "alice@alpha.test")
    assert _signed_in(session, live_server)
    assert User.objects.filter(email="alice@alpha.test").count() == 1
    assert Membership.objects.filter(user=alice).count() == 1


def test_the_sign_in_page_routes_by_domain_and_keeps_passwords_for_others(
    live_server: Any, alpha: IdentityProvider, beta: IdentityProvider
) -> None:
    session = requests.Session()
    login = f"{live_server.url}{reverse('account_login')}"
    session.get(login, timeout=10)
    token = session.cookies["csrftoken"]
    for email, issuer_client in (("x@alpha.test", "alpha-client"), ("y@BETA.test", "beta-client")):
        response = session.post(
            login, data={"csrfmiddlewaretoken": token, "sso_email": email}, timeout=10
        )
        url = _onward(response)
        assert url.startswith(alpha.issuer_url + "/auth?")
        assert f"client_id={issuer_client}" in url
        assert "login_hint=" in url
        assert "code_challenge=" in url  # PKCE
    # An address with no provider: 400, said beside the field, the address kept.
    response = session.post(
        login, data={"csrfmiddlewaretoken": token, "sso_email": "z@elsewhere.test"}, timeout=10
    )
    assert response.status_code == 400
    assert "No organization has its own sign-in for this address" in response.text
    assert 'value="z@elsewhere.test"' in response.text
    # Password sign-in still works for someone of another domain.
    UserFactory(email="pat@elsewhere.test")
    response = session.post(
        login,
        data={
            "csrfmiddlewaretoken": token,
            "login": "pat@elsewhere.test",
            "password": DEFAULT_PASSWORD,
        },
        timeout=10,
    )
    assert _signed_in(session, live_server)


def test_without_invitation_or_domain_rule_sign_in_is_refused_and_nothing_made(
    live_server: Any, beta: IdentityProvider
) -> None:
    users, members = User.objects.count(), Membership.objects.count()
    session, response = _sso(live_server, "bob@beta.test")
    assert response.status_code == 403
    assert "admits new members only by invitation" in response.text
    assert not _signed_in(session, live_server)
    assert (User.objects.count(), Membership.objects.count()) == (users, members)
    refusal = AuditEvent.objects.get(action="sso.refused")
    assert refusal.detail["reason"] == "not_admitted"
    assert refusal.detail["email"] == "bob@beta.test"
    assert refusal.organization_id == beta.organization_id


def test_a_pending_invitation_admits_with_its_role(
    live_server: Any, beta: IdentityProvider
) -> None:
    lead = UserFactory()
    MembershipFactory(user=lead, organization=beta.organization, role="lead")
    invitation, _ = invitation_create(
        organization=beta.organization, email="carol@beta.test", role="viewer", by=lead
    )
    session, response = _sso(live_server, "carol@beta.test")
    assert response.status_code == 200
    assert _signed_in(session, live_server)
    carol = User.objects.get(email="carol@beta.test")
    assert Membership.objects.get(user=carol, organization=beta.organization).role == "viewer"
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert not Invitation.objects.filter(accepted_at__isnull=True).exists()


def test_a_person_deactivated_at_the_provider_loses_access_at_next_sign_in(
    live_server: Any, oidc: dict[str, Any], alpha: IdentityProvider
) -> None:
    # Known to the provider and to us: a member with a password from before single sign-on.
    gone = UserFactory(email="gone@alpha.test")
    MembershipFactory(user=gone, organization=alpha.organization)
    session, response = _sso(live_server, "gone@alpha.test")
    assert response.status_code == 403
    assert html.escape(REFUSED_BY_PROVIDER) in response.text
    assert not _signed_in(session, live_server)
    refusal = AuditEvent.objects.get(action="sso.refused")
    assert refusal.detail["email"] == "gone@alpha.test"
    assert refusal.detail["reason"].startswith("provider")
    # No way round it with the old password: the organization requires its own sign-in.
    session = requests.Session()
    login = f"{live_server.url}{reverse('account_login')}"
    session.get(login, timeout=10)
    response = session.post(
        login,
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "login": "gone@alpha.test",
            "password": DEFAULT_PASSWORD,
        },
        timeout=10,
    )
    assert USE_ORGANIZATION_SIGN_IN.split("“")[0] in response.text
    assert not _signed_in(session, live_server)
    assert AuditEvent.objects.filter(
        action="sso.refused", detail__reason="password_not_allowed"
    ).exists()


def test_deactivation_at_the_provider_after_a_first_sign_in(
    live_server: Any, oidc: dict[str, Any], alpha: IdentityProvider
) -> None:
    session, _ = _sso(live_server, "alice@alpha.test")
    assert _signed_in(session, live_server)
    accounts = json.loads(oidc["accounts"].read_text())
    accounts["alice@alpha.test"]["active"] = False
    oidc["accounts"].write_text(json.dumps(accounts))
    try:
        session, response = _sso(live_server, "alice@alpha.test")
        assert response.status_code == 403
        assert not _signed_in(session, live_server)
    finally:
        oidc["accounts"].write_text(json.dumps(ACCOUNTS))


def test_staff_without_a_provider_mfa_assertion_are_still_asked_for_our_code(
    live_server: Any, alpha: IdentityProvider
) -> None:
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    staff = staff_user(email="staff@alpha.test")
    session, response = _sso(live_server, "staff@alpha.test")
    assert response.url.endswith(reverse("mfa_authenticate"))
    assert not _signed_in(session, live_server)
    # With the code from their app, they are in.
    secret = Authenticator.objects.get(user=staff, type="totp").data["secret"]
    response = session.post(
        response.url,
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "code": format_hotp_value(hotp_value(secret, int(time.time()) // 30)),
        },
        timeout=10,
    )
    assert response.url == f"{live_server.url}/"
    assert _signed_in(session, live_server)
    assert AuditEvent.objects.get(action="sso.sign_in").detail["mfa_by_provider"] is False


def test_staff_with_an_accepted_provider_mfa_assertion_are_not_asked(
    live_server: Any, alpha: IdentityProvider
) -> None:
    staff_user(email="strong@alpha.test")
    session, response = _sso(live_server, "strong@alpha.test")
    assert response.url == f"{live_server.url}/"
    assert _signed_in(session, live_server)
    # Nor sent to set up an authenticator on the staff pages.
    page = session.get(
        f"{live_server.url}{reverse('consortium:cycles')}", allow_redirects=False, timeout=10
    )
    assert page.status_code == 200
    assert AuditEvent.objects.get(action="sso.sign_in").detail["mfa_by_provider"] is True


def test_the_provider_mfa_is_not_taken_where_the_admin_did_not_accept_it(
    live_server: Any, alpha: IdentityProvider
) -> None:
    alpha.accept_provider_mfa = False
    alpha.save(update_fields=["accept_provider_mfa"])
    with_totp(UserFactory(email="strong@alpha.test", is_staff=True))
    session, response = _sso(live_server, "strong@alpha.test")
    assert response.url.endswith(reverse("mfa_authenticate"))
    assert not _signed_in(session, live_server)


def test_a_provider_cannot_sign_in_as_someone_outside_its_domains(
    live_server: Any, beta: IdentityProvider
) -> None:
    """Beta's provider vouches for beta.test only: when it asserts another domain's address,
    the existing account with that address is not signed in, and nothing is made."""
    pat = UserFactory(email="pat@elsewhere.test")
    session, response = _sso(live_server, "mallory@beta.test")  # the provider says: pat@...
    assert response.status_code == 403
    assert not _signed_in(session, live_server)
    assert not Membership.objects.filter(user=pat).exists()
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()
    assert AuditEvent.objects.get(action="sso.refused").detail["reason"] == "other_domain"


def test_a_signed_in_person_cannot_attach_an_organization_sign_in_to_their_account(
    live_server: Any, alpha: IdentityProvider
) -> None:
    """allauth's "connect" would link the provider's account to whoever is signed in; linking
    is decided by address and domain only, so it is refused."""
    from allauth.socialaccount.models import SocialAccount

    UserFactory(email="pat@elsewhere.test")
    session = requests.Session()
    login = f"{live_server.url}{reverse('account_login')}"
    session.get(login, timeout=10)
    token = session.cookies["csrftoken"]
    session.post(
        login,
        data={
            "csrfmiddlewaretoken": token,
            "login": "pat@elsewhere.test",
            "password": DEFAULT_PASSWORD,
        },
        timeout=10,
    )
    assert _signed_in(session, live_server)
    connect = reverse("openid_connect_login", kwargs={"provider_id": alpha.provider_id})
    response = session.post(
        f"{live_server.url}{connect}?auth_params=login_hint%3Dalice%40alpha.test",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "process": "connect"},
        timeout=30,
    )
    assert response.status_code == 403
    assert not SocialAccount.objects.exists()
    assert not User.objects.filter(email="alice@alpha.test").exists()
    assert AuditEvent.objects.get(action="sso.refused").detail["reason"] == "connect"


def test_an_account_deactivated_here_is_refused_whatever_the_provider_says(
    live_server: Any, alpha: IdentityProvider
) -> None:
    alice = UserFactory(email="alice@alpha.test", is_active=False)
    MembershipFactory(user=alice, organization=alpha.organization)
    session, response = _sso(live_server, "alice@alpha.test")
    assert response.status_code == 403
    assert "This account has been deactivated" in response.text
    assert not _signed_in(session, live_server)
    assert AuditEvent.objects.get(action="sso.refused").detail["reason"] == "inactive"

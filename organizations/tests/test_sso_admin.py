"""An administrator configures an organization's single sign-on in the admin; the secret is
kept encrypted; password sign-in gives way to the organization's own where it is required."""

from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import Client
from django.urls import reverse

from organizations.models import AuditEvent, IdentityProvider, SignInDomain
from organizations.sso import provider_for_email, secret_decrypt, secret_encrypt
from organizations.tests.factories import (
    DEFAULT_PASSWORD,
    OrganizationFactory,
    UserFactory,
    admin_user,
    staff_user,
)

pytestmark = pytest.mark.django_db

ADD = "admin:organizations_identityprovider_add"


def _form(organization_id: int, **overrides: Any) -> dict[str, Any]:
    data = {
        "organization": organization_id,
        "name": "Contoso sign-in",
        "issuer_url": "https://login.microsoftonline.com/tenant-id/v2.0",
        "client_id": "client-123",
        "client_secret": "the-secret-value",
        "admission": "domain",
        "default_role": "viewer",
        "sso_required": "on",
        "accept_provider_mfa": "on",
        "accepted_acr_values": "",
        "is_active": "on",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "domains-0-domain": "@Contoso.Example",
    }
    data.update(overrides)
    return data


def test_an_administrator_configures_a_provider_with_its_secret_encrypted(client: Client) -> None:
    organization = OrganizationFactory()
    client.force_login(admin_user())
    response = client.post(reverse(ADD), _form(organization.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = IdentityProvider.objects.get(organization=organization)
    assert provider.client_secret_encrypted
    assert "the-secret-value" not in provider.client_secret_encrypted
    assert secret_decrypt(provider.client_secret_encrypted) == "the-secret-value"
    assert list(provider.domains.values_list("domain", flat=True)) == ["contoso.example"]
    assert provider_for_email("someone@CONTOSO.example") == provider
    # Nothing in allauth's own table, where a secret would be stored in clear.
    assert not SocialApp.objects.exists()
    event = AuditEvent.objects.get(action="sso.provider_create")
    assert event.detail["secret_changed"] is True
    assert "the-secret-value" not in str(event.detail)
    # The secret is never shown again, and a blank one keeps what is stored.
    change = reverse("admin:organizations_identityprovider_change", args=[provider.pk])
    page = client.get(change).content.decode()
    assert "the-secret-value" not in page
    assert provider.provider_id in page  # the redirect URI to register at the provider
    before = provider.client_secret_encrypted
    data = _form(
        organization.pk,
        client_secret="",
        name="Contoso",
        **{
            "domains-INITIAL_FORMS": "1",
            "domains-0-id": str(provider.domains.get().pk),
            "domains-0-provider": str(provider.pk),
            "domains-0-domain": "contoso.example",
        },
    )
    assert client.post(change, data).status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.client_secret_encrypted) == ("Contoso", before)


def test_a_new_provider_needs_a_secret_and_a_real_domain(client: Client) -> None:
    organization = OrganizationFactory()
    client.force_login(admin_user())
    response = client.post(
        reverse(ADD), _form(organization.pk, client_secret="", **{"domains-0-domain": "nodot"})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the client secret the provider issued." in html
    assert "Enter a domain such as example.org" in html
    assert not IdentityProvider.objects.exists()


def test_consortium_staff_do_not_configure_sign_in(client: Client) -> None:
    client.force_login(staff_user())
    assert client.get(reverse(ADD)).status_code in (302, 403)
    assert not IdentityProvider.objects.exists()


def _provider(**fields: Any) -> IdentityProvider:
    provider = IdentityProvider.objects.create(
        organization=OrganizationFactory(),
        name="Alpha sign-in",
        issuer_url="https://idp.alpha.test",
        client_id="alpha",
        client_secret_encrypted=secret_encrypt("s"),
        **fields,
    )
    SignInDomain.objects.create(provider=provider, domain="alpha.test")
    return provider


def test_password_sign_in_is_refused_where_the_organization_requires_its_own(
    client: Client,
) -> None:
    _provider()
    UserFactory(email="alice@alpha.test")
    response = client.post(
        reverse("account_login"), {"login": "alice@alpha.test", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert "Your organization signs you in through its own sign-in" in response.content.decode()
    assert "_auth_user_id" not in client.session
    refusal = AuditEvent.objects.get(action="sso.refused")
    assert refusal.detail["reason"] == "password_not_allowed"


def test_password_sign_in_stays_where_single_sign_on_is_optional_or_off(client: Client) -> None:
    provider = _provider(sso_required=False)
    UserFactory(email="alice@alpha.test")
    login = {"login": "alice@alpha.test", "password": DEFAULT_PASSWORD}
    assert client.post(reverse("account_login"), login).status_code == 302
    client.logout()
    provider.sso_required = True
    provider.is_active = False
    provider.save(update_fields=["sso_required", "is_active"])
    assert provider_for_email("alice@alpha.test") is None
    assert client.post(reverse("account_login"), login).status_code == 302


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not an address", "Enter a valid email address."),
        ("a" * 250 + "@alpha.test", "Ensure this value has at most 254 characters"),
        ("", "This field is required."),
    ],
)
def test_the_organization_sign_in_field_refuses_bad_input_beside_it(
    client: Client, typed: str, message: str
) -> None:
    _provider()
    response = client.post(reverse("account_login"), {"sso_email": typed})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_sso_email"' in html
    assert 'aria-invalid="true"' in html
    if typed:
        assert f'value="{typed}"' in html  # what was typed is kept
    assert not AuditEvent.objects.exists()


def test_the_sign_in_page_offers_an_organization_sign_in_only_where_one_exists(
    client: Client,
) -> None:
    assert "sso_email" not in client.get(reverse("account_login")).content.decode()
    provider = _provider()
    assert 'name="sso_email"' in client.get(reverse("account_login")).content.decode()
    provider.is_active = False
    provider.save(update_fields=["is_active"])
    assert "sso_email" not in client.get(reverse("account_login")).content.decode()


def test_no_page_lists_the_organizations_sign_ins(client: Client) -> None:
    """allauth's third-party accounts page would offer every provider to anyone signed in."""
    _provider()
    client.force_login(UserFactory())
    page = client.get(reverse("socialaccount_connections"))
    assert page.status_code == 200
    assert "Alpha sign-in" not in page.content.decode()


def test_the_sign_in_page_asks_the_same_queries_however_many_providers(
    client: Client, django_assert_num_queries: Any
) -> None:
    _provider()
    login = reverse("account_login")
    client.get(login)  # the session and CSRF cookie made once
    with django_assert_num_queries(1):  # the domain's provider
        client.post(login, {"sso_email": "someone@elsewhere.test"})
    for n in range(30):
        provider = IdentityProvider.objects.create(
            organization=OrganizationFactory(),
            name=f"Provider {n}",
            issuer_url=f"https://idp{n}.test",
            client_id=f"c{n}",
        )
        SignInDomain.objects.create(provider=provider, domain=f"d{n}.test")
    with django_assert_num_queries(1):
        client.post(login, {"sso_email": "someone@elsewhere.test"})
    with django_assert_num_queries(1):  # whether any organization has a provider
        client.get(login)


def test_a_provider_that_does_not_answer_is_said_so_not_a_500(client: Client) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = _provider()
    provider.issuer_url = f"http://127.0.0.1:{port}"
    provider.save(update_fields=["issuer_url"])
    response = client.post(reverse("account_login"), {"sso_email": "alice@alpha.test"})
    assert response.status_code == 503
    assert "Alpha sign-in could not be reached just now" in response.content.decode()
    refusal = AuditEvent.objects.get(action="sso.refused")
    assert refusal.detail["reason"] == "provider_unreachable"


def test_a_malformed_secret_key_is_a_configuration_error(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.SSO_SECRET_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SSO_SECRET_KEYS"):
        secret_encrypt("x")


def test_keys_rotate_the_first_encrypts_and_all_decrypt(settings: Any) -> None:
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SSO_SECRET_KEYS = [old]
    stored = secret_encrypt("rotated")
    settings.SSO_SECRET_KEYS = [new, old]
    assert secret_decrypt(stored) == "rotated"
    settings.SSO_SECRET_KEYS = [new]
    assert secret_decrypt(stored) == ""  # the old key gone: the secret must be entered again

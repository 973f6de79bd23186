"""Signing in and out through the site's own pages."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory, with_totp

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("organizations:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_visitor_is_welcomed_on_the_home_page_with_a_sign_in_link(
    client: Client,
) -> None:
    html = client.get(reverse("home")).content.decode()
    assert "<h1>Welcome</h1>" in html
    assert f'href="{reverse("account_login")}">Sign in</a>' in html
    assert "to-do" not in html


def test_sign_in_page_has_labelled_fields_and_no_sign_up_offer(client: Client) -> None:
    html = client.get(reverse("account_login")).content.decode()
    assert re.search(r'<label\s+for="id_login"', html)
    assert re.search(r'<label\s+for="id_password"', html)
    assert "sign up" not in html.lower()


def test_a_person_signs_in_with_email_and_password(client: Client) -> None:
    user = UserFactory(email="lead@example.org")
    response = client.post(
        reverse("account_login"), {"login": "Lead@Example.org", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == user.pk
    home = client.get(reverse("home"))
    assert "Signed in as lead@example.org" in home.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client: Client) -> None:
    UserFactory(email="lead@example.org")
    response = client.post(
        reverse("account_login"), {"login": "lead@example.org", "password": "not-it"}
    )
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "not correct" in response.content.decode()


def test_signing_in_starts_a_new_session(client: Client) -> None:
    UserFactory(email="lead@example.org")
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(
        reverse("account_login"), {"login": "lead@example.org", "password": DEFAULT_PASSWORD}
    )
    assert client.session.session_key != before


def test_a_person_signs_out_with_a_post(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("organizations:index")).status_code == 302


def test_public_sign_up_is_closed(client: Client) -> None:
    response = client.post(
        reverse("account_signup"),
        {"email": "stranger@example.org", "password1": "x" * 20, "password2": "x" * 20},
    )
    from organizations.models import User

    assert not User.objects.filter(email="stranger@example.org").exists()
    assert response.status_code in (200, 403)


def test_nav_offers_administration_only_to_staff(client: Client) -> None:
    client.force_login(UserFactory())
    assert "Administration" not in client.get("/").content.decode()
    client.force_login(with_totp(UserFactory(is_staff=True)))
    assert "Administration" in client.get("/").content.decode()

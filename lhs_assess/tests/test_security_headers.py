"""Security headers on every page, signed in or not, from the first page on."""

import pytest
from django.test import Client

from organizations.tests.factories import UserFactory
from tests.pages import argument_free_paths

pytestmark = pytest.mark.django_db

PATHS = argument_free_paths()


def _directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def _assert_secure_headers(response) -> None:
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-eval'" not in csp.get("script-src", csp["default-src"])
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_site_has_pages_to_check() -> None:
    assert {"/", "/healthz", "/accounts/login/", "/admin/"} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS)
def test_every_page_sends_csp_and_security_headers_to_anonymous_visitors(
    client: Client, path: str
) -> None:
    _assert_secure_headers(client.get(path))


@pytest.mark.parametrize("path", PATHS)
def test_every_page_sends_csp_and_security_headers_when_signed_in(
    client: Client, path: str
) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    _assert_secure_headers(client.get(path))


def test_a_missing_page_sends_the_headers_too(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_secure_headers(response)

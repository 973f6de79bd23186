"""Personal access tokens: made on the Security page, shown once, stored hashed, refused once
revoked or expired, limited in rate, and recorded in the audit log."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import TokenRateThrottle
from api.models import AccessToken
from api.services import token_authenticate
from api.tests.factories import token
from organizations.models import AuditEvent, User
from organizations.tests.factories import DEFAULT_PASSWORD
from tests.cast import Cast

pytestmark = pytest.mark.django_db

RUBRICS = "/api/v1/rubrics/"


def test_the_security_page_offers_tokens_and_lists_them_with_last_use(
    client: Client, cast: Cast
) -> None:
    header = token(cast.lead_a, scope=AccessToken.Scope.READ)
    client.get(RUBRICS, HTTP_AUTHORIZATION=header)
    client.force_login(cast.lead_a)
    html = client.get(reverse("mfa_index")).content.decode()
    row = AccessToken.objects.get(user=cast.lead_a)
    assert "API tokens" in html
    assert f"lhs_{row.prefix}_" in html
    assert "Read only" in html
    assert row.last_used_at is not None
    assert timezone.localtime(row.last_used_at).strftime("%d %b %Y").lstrip("0") in html
    assert header.split()[1] not in html  # never shown again


def _password_just_given(client: Client, user: User) -> None:
    """Signed in, and the password given again on allauth's reauthentication page just now."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_making_a_token_asks_for_the_password_again_when_not_given_lately(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_a)  # a session whose password was not just given
    assert client.get(reverse("tokens:create")).status_code == 200
    response = client.post(
        reverse("tokens:create"), {"name": "Quality dashboard", "scope": "read", "days": "30"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AccessToken.objects.exists()


def test_a_token_made_on_the_page_is_shown_once_and_stored_only_as_a_digest(
    client: Client, cast: Cast
) -> None:
    _password_just_given(client, cast.lead_a)
    response = client.post(
        reverse("tokens:create"), {"name": "Quality dashboard", "scope": "write", "days": "30"}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret in response.content.decode()
    row = AccessToken.objects.get(user=cast.lead_a)
    assert row.name == "Quality dashboard"
    assert row.scope == AccessToken.Scope.WRITE
    assert row.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {row.digest, row.prefix, row.name}
    assert timedelta(days=29) < row.expires_at - timezone.now() <= timedelta(days=30)
    assert AuditEvent.objects.filter(action="api.token.create", actor=cast.lead_a).exists()
    # The secret works, once, for the API.
    api = Client()
    assert api.get(RUBRICS, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_a_token_form_with_no_name_and_an_unknown_expiry_is_refused_beside_the_fields(
    client: Client, cast: Cast
) -> None:
    _password_just_given(client, cast.lead_a)
    response = client.post(
        reverse("tokens:create"), {"name": "  ", "scope": "write", "days": "10000"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "days"}
    assert not AccessToken.objects.exists()


def test_a_revoked_token_is_refused_with_401(client: Client, cast: Cast) -> None:
    header = token(cast.lead_a)
    assert client.get(RUBRICS, HTTP_AUTHORIZATION=header).status_code == 200
    page = Client()
    page.force_login(cast.lead_a)
    row = AccessToken.objects.get(user=cast.lead_a)
    assert page.post(reverse("tokens:revoke", args=[row.pk])).status_code == 302
    response = client.get(RUBRICS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == "This token was revoked."
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert AuditEvent.objects.filter(action="api.token.revoke").count() == 1


def test_an_expired_token_is_refused_with_401(client: Client, cast: Cast) -> None:
    response = client.get(RUBRICS, HTTP_AUTHORIZATION=token(cast.lead_a, expired=True))
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lhs_abcdefghij_notthesecret",
        "Bearer nonsense",
        "Bearer",
        "Bearer a b",
        "Bearer lhs_\u00e9\u00e9_x",
    ],
)
def test_unknown_or_malformed_tokens_are_refused_with_401(
    client: Client, cast: Cast, header: str
) -> None:
    token(cast.lead_a)
    assert client.get(RUBRICS, HTTP_AUTHORIZATION=header).status_code == 401


def test_no_token_is_401_and_a_session_cookie_does_not_reach_the_api(
    client: Client, cast: Cast
) -> None:
    assert client.get(RUBRICS).status_code == 401
    client.force_login(cast.lead_a)
    assert client.get(RUBRICS).status_code == 401


def test_a_deactivated_person_s_token_is_refused(client: Client, cast: Cast) -> None:
    header = token(cast.lead_a)
    cast.lead_a.is_active = False
    cast.lead_a.save(update_fields=["is_active"])
    assert client.get(RUBRICS, HTTP_AUTHORIZATION=header).status_code == 401


def test_nobody_revokes_another_person_s_token(client: Client, cast: Cast) -> None:
    header = token(cast.lead_a)
    row = AccessToken.objects.get(user=cast.lead_a)
    client.force_login(cast.lead_b)
    assert client.post(reverse("tokens:revoke", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert Client().get(RUBRICS, HTTP_AUTHORIZATION=header).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(cast: Cast) -> None:
    secret = token(cast.lead_a).split()[1]
    first = token_authenticate(raw=secret).last_used_at
    assert first is not None
    assert token_authenticate(raw=secret).last_used_at == first
    AccessToken.objects.update(last_used_at=first - timedelta(minutes=2))
    assert token_authenticate(raw=secret).last_used_at > first - timedelta(minutes=2)


def test_each_token_has_its_own_rate_limit(client: Client, cast: Cast) -> None:
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        busy, other = token(cast.lead_a), token(cast.lead_a)
        answers = [client.get(RUBRICS, HTTP_AUTHORIZATION=busy).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = client.get(RUBRICS, HTTP_AUTHORIZATION=busy)
        assert int(limited["Retry-After"]) > 0
        assert client.get(RUBRICS, HTTP_AUTHORIZATION=other).status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


class _CacheDown:
    def get(self, *args: object, **kwargs: object) -> None:
        raise RedisConnectionError("Redis is down")

    set = get


def test_the_api_still_answers_when_the_rate_limit_s_cache_is_down(
    client: Client, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TokenRateThrottle, "cache", _CacheDown())
    assert client.get(RUBRICS, HTTP_AUTHORIZATION=token(cast.lead_a)).status_code == 200

"""Tokens for the API's tests, made by the service as the Security page makes them."""

from datetime import timedelta

from django.utils import timezone

from api.models import AccessToken
from api.services import token_create
from organizations.models import User


def token(
    user: User,
    *,
    scope: str = AccessToken.Scope.WRITE,
    revoked: bool = False,
    expired: bool = False,
    days: int = 30,
) -> str:
    """A new token of `user`, returned as the `Authorization` header's value."""
    row, secret = token_create(user=user, name=f"{scope} test", scope=scope, days=days)
    if revoked:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    if expired:
        row.expires_at = timezone.now() - timedelta(seconds=1)
        row.save(update_fields=["expires_at"])
    return f"Bearer {secret}"

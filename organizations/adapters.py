"""How allauth treats our people: no public sign-up, and every failure and lockout audited."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .services import audit_log

LOCKOUT_MESSAGE = (
    "Too many failed sign-in attempts for this account or from your network. For your "
    "security, signing in is paused for a few minutes. Try again later, or reset your password."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": LOCKOUT_MESSAGE,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit_log(
                action="auth.lockout",
                request=request,
                detail={"email": str(credentials.get("email", ""))[:254]},
            )
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        audit_log(
            action="auth.sign_in_failed",
            request=request,
            detail={"email": str(credentials.get("email", ""))[:254]},
        )

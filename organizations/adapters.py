"""How allauth treats our people: no public sign-up, and every failure and lockout audited."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .services import audit_log
from .sso import (
    USE_ORGANIZATION_SIGN_IN,
    password_sign_in_refused,
    provider_for_email,
    sso_refusal_record,
)

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
        email = str(credentials.get("email", ""))[:254]
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit_log(action="auth.lockout", request=request, detail={"email": email})
            raise
        # Where the organization requires its own sign-in, a password never stands in for it:
        # someone the provider has deactivated must not get in with an old password. (Someone
        # already signed in who confirms their password, allauth's reauthentication, may.)
        signed_in = getattr(getattr(request, "user", None), "is_authenticated", False)
        if not signed_in and password_sign_in_refused(email):
            sso_refusal_record(
                provider=provider_for_email(email),
                email=email,
                reason="password_not_allowed",
                request=request,
            )
            raise ValidationError(USE_ORGANIZATION_SIGN_IN)

    def get_login_stages(self) -> list[str]:
        """allauth's stages, with its TOTP step replaced by one that knows single sign-on."""
        return [
            "organizations.sso.SSOAwareAuthenticateStage"
            if path == "allauth.mfa.stages.AuthenticateStage"
            else path
            for path in super().get_login_stages()
        ]

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        audit_log(
            action="auth.sign_in_failed",
            request=request,
            detail={"email": str(credentials.get("email", ""))[:254]},
        )

"""Audit rows and the session's sign-in time, from Django's and allauth's signals."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from .middleware import SIGNED_IN_AT_SESSION_KEY, SSO_MFA_SESSION_KEY
from .services import audit_log
from .sso import SSO_EMAIL_SESSION_KEY, provider_for_id, sso_mfa_accepted_for


@receiver(user_logged_in)
def on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute 12-hour limit counts from here.
        request.session[SIGNED_IN_AT_SESSION_KEY] = timezone.now().isoformat()
        request.session[SSO_MFA_SESSION_KEY] = False  # set by on_sso_sign_in where it applies
    audit_log(action="auth.sign_in", actor=user, target=user, request=request)


def on_sso_sign_in(
    sender: Any, request: HttpRequest | None, user: Any, sociallogin: Any = None, **kwargs: Any
) -> None:
    """allauth's sign-in signal, sent just after Django's: which provider, and whether its
    multi-factor stands in for our TOTP in this session (RequireTwoFactorMiddleware)."""
    if sociallogin is None:
        return
    mfa_by_provider = sso_mfa_accepted_for(sociallogin)
    if request is not None and hasattr(request, "session"):
        request.session[SSO_MFA_SESSION_KEY] = mfa_by_provider
        request.session.pop(SSO_EMAIL_SESSION_KEY, None)
    provider = provider_for_id(sociallogin.account.provider)
    audit_log(
        action="sso.sign_in",
        actor=user,
        target=user,
        organization=provider.organization if provider is not None else None,
        request=request,
        detail={"provider": sociallogin.account.provider, "mfa_by_provider": mfa_by_provider},
    )


@receiver(user_logged_out)
def on_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action="auth.sign_out", actor=user, target=user, request=request)


def _on_authenticator_change(action: str) -> Any:
    def handler(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        user = kwargs.get("user")
        authenticator = kwargs.get("authenticator")
        audit_log(
            action=action,
            actor=user,
            target=user,
            request=request,
            detail={"type": getattr(authenticator, "type", "")},
        )

    return handler


def connect_mfa_signals() -> None:
    from allauth.account.signals import user_logged_in as allauth_user_logged_in
    from allauth.mfa import signals as mfa

    allauth_user_logged_in.connect(on_sso_sign_in, weak=False, dispatch_uid="sso.sign_in")

    for signal, action in (
        (mfa.authenticator_added, "mfa.added"),
        (mfa.authenticator_removed, "mfa.removed"),
        (mfa.authenticator_reset, "mfa.reset"),
    ):
        signal.connect(_on_authenticator_change(action), weak=False, dispatch_uid=action)

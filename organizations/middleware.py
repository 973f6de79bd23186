"""Session lifetime and the two-factor requirement, for every request."""

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from .access import user_needs_two_factor

SIGNED_IN_AT_SESSION_KEY = "signed_in_at"
# Set at sign-in (organizations.signals) when the organization's provider asserted multi-factor
# and its admin accepted that in place of our TOTP; the same string as organizations.sso's.
SSO_MFA_SESSION_KEY = "sso_mfa_accepted"
SEEN_AT_SESSION_KEY = "seen_at"


class SessionLifetimeMiddleware:
    """A session ends 30 idle minutes after the last request and 12 hours after sign-in.

    Idle: the session is saved, which moves its expiry SESSION_COOKIE_AGE ahead, when the
    last save is older than SESSION_ACTIVITY_SAVE_INTERVAL; so the idle limit holds to within
    that interval (never longer) without a database write on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.max_age = getattr(settings, "SESSION_ABSOLUTE_MAX_SECONDS", 12 * 3600)
        self.save_interval = getattr(settings, "SESSION_ACTIVITY_SAVE_INTERVAL", 60)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = timezone.now()
            started = session.get(SIGNED_IN_AT_SESSION_KEY)
            if started is None:
                session[SIGNED_IN_AT_SESSION_KEY] = now.isoformat()
            elif (now - datetime.fromisoformat(started)).total_seconds() > self.max_age:
                logout(request)
                messages.info(
                    request, "Your session has ended after 12 hours. Please sign in again."
                )
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('account_login')}?{query}")
            seen = session.get(SEEN_AT_SESSION_KEY)
            if seen is None or now.timestamp() - float(seen) >= self.save_interval:
                session[SEEN_AT_SESSION_KEY] = now.timestamp()
        return self.get_response(request)


# Pages a person without two factors may still reach: setting them up, and leaving.
TWO_FACTOR_SETUP_URL_NAMES = (
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
)


class RequireTwoFactorMiddleware:
    """Send signed-in staff and admins without an authenticator to set one up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed: tuple[str, ...] | None = None

    def _allowed_paths(self) -> tuple[str, ...]:
        if self._allowed is None:
            self._allowed = (
                *(reverse(name) for name in TWO_FACTOR_SETUP_URL_NAMES),
                settings.STATIC_URL,
            )
        return self._allowed

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            user_needs_two_factor(request.user)
            and not request.session.get(SSO_MFA_SESSION_KEY)
            and not request.path.startswith(self._allowed_paths())
        ):
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user, types=["totp"]):
                messages.warning(
                    request,
                    "Staff and administrators must sign in with two factors. "
                    "Set up an authenticator app to continue.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

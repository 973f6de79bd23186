"""Single sign-on through each organization's own OpenID Connect provider, with allauth.

allauth runs the authorization-code flow (with PKCE) and checks the ID token; this module
decides who gets in:
- an organization's provider is trusted only for the e-mail domains routed to it, so that one
  organization's provider cannot sign in as someone of another organization or as staff;
- a first sign-in makes a membership only from a pending invitation or, when the admin chose
  it, the domain rule (with the provider's default role); anything else is refused and nothing
  is created;
- a provider's multi-factor assertion (amr/acr) stands in for our TOTP only where the admin
  accepted it for that provider.
"""

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import requests
from allauth.account.utils import get_next_redirect_url
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from .middleware import SSO_MFA_SESSION_KEY as SSO_MFA_SESSION_KEY
from .models import IdentityProvider, Invitation, Membership, SignInDomain, User
from .services import audit_log, invitation_accept

OIDC = "openid_connect"
# Session key: the address someone asked to sign in with, kept to audit a refusal by name.
SSO_EMAIL_SESSION_KEY = "sso_email"
# RFC 8176 authentication method references that mean more than one factor was used.
MFA_AMR_VALUES = frozenset({"mfa", "mca", "otp", "hwk", "sc", "sms", "swk"})

REFUSED_NOT_ADMITTED = (
    "Your organization's sign-in recognised you, but you are not a member here yet and "
    "{organization} admits new members only by invitation. Ask your organization's quality "
    "lead to invite {email}."
)
REFUSED_OTHER_DOMAIN = (
    "Your organization's sign-in gave the address {email}, which it may not vouch for here. "
    "Sign in with your password, or ask your organization's lead for an invitation."
)
REFUSED_INACTIVE = "This account has been deactivated. Contact your organization's lead."
REFUSED_BY_PROVIDER = (
    "Your organization's sign-in did not let you in. If you have left the organization or your "
    "account there was disabled, you no longer have access; otherwise try again, or contact "
    "your organization's IT help desk."
)
REFUSED_CONNECT = (
    "Your organization's sign-in is linked to your account when you first sign in with it; it "
    "cannot be added from here."
)
PROVIDER_UNREACHABLE = (
    "{name} could not be reached just now. Try again in a few minutes; if it keeps happening, "
    "tell your organization's IT help desk."
)
NO_PROVIDER_FOR_DOMAIN = (
    "No organization has its own sign-in for this address. Sign in with your password below."
)
USE_ORGANIZATION_SIGN_IN = (
    "Your organization signs you in through its own sign-in. Use “Continue with your "
    "organization's sign-in” with this address."
)


class SignInRefused(Exception):
    """A provider signed someone in whom we do not let in; the message is for them."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


# --- Client secrets, encrypted at rest ------------------------------------------------------


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "SSO_SECRET_KEYS", []) if k.strip()]
    if not keys:
        # Derived from SECRET_KEY: still never in the database, but rotating SECRET_KEY then
        # means entering every provider's secret again (README, Single sign-on).
        digest = hashlib.sha256(f"lhs-sso-secret:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "DJANGO_SSO_SECRET_KEYS must be Fernet keys (32 bytes, URL-safe base64), "
            "separated by commas."
        ) from error


def secret_encrypt(secret: str) -> str:
    """The client secret as stored: Fernet ciphertext under the first configured key."""
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(ciphertext: str) -> str:
    """The client secret; empty when there is none or no configured key opens it."""
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return ""


# --- Selectors --------------------------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def provider_for_email(email: str) -> IdentityProvider | None:
    """The active provider of an active organization that this address's domain routes to."""
    domain = email_domain(email)
    if not domain:
        return None
    row = (
        SignInDomain.objects.select_related("provider__organization")
        .filter(domain=domain, provider__is_active=True, provider__organization__is_active=True)
        .first()
    )
    return row.provider if row is not None else None


def provider_for_id(provider_id: str) -> IdentityProvider | None:
    """The active provider behind allauth's provider id `oidc-<organization slug>`."""
    prefix = "oidc-"
    if not provider_id.startswith(prefix):
        return None
    return (
        IdentityProvider.objects.select_related("organization")
        .filter(
            organization__slug=provider_id[len(prefix) :],
            is_active=True,
            organization__is_active=True,
        )
        .first()
    )


def single_sign_on_offered() -> bool:
    """Whether any organization signs its people in itself (else the sign-in page says nothing
    of it)."""
    return IdentityProvider.objects.filter(is_active=True, organization__is_active=True).exists()


def password_sign_in_refused(email: str) -> bool:
    """Whether this address must sign in through its organization's provider."""
    provider = provider_for_email(email)
    return provider is not None and provider.sso_required


def social_app(provider: IdentityProvider) -> SocialApp:
    """The provider as allauth's SocialApp, built in memory: never saved, secret decrypted."""
    return SocialApp(
        provider=OIDC,
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.client_id,
        secret=secret_decrypt(provider.client_secret_encrypted),
        settings={"server_url": provider.issuer_url},
    )


@dataclass(frozen=True)
class Claims:
    email: str
    email_verified: bool
    amr: tuple[str, ...]
    acr: str


def claims_of(sociallogin: SocialLogin) -> Claims:
    """What the provider said about the person, from the ID token and userinfo together."""
    data: dict[str, Any] = sociallogin.account.extra_data or {}
    id_token: dict[str, Any] = data.get("id_token") or {}
    userinfo: dict[str, Any] = data.get("userinfo") or {}
    merged = {**id_token, **userinfo}
    amr = merged.get("amr") or id_token.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    verified = merged.get("email_verified", False)
    return Claims(
        email=str(merged.get("email") or sociallogin.user.email or "").strip().lower(),
        email_verified=verified is True or str(verified).lower() == "true",
        amr=tuple(str(v).lower() for v in amr),
        acr=str(id_token.get("acr") or merged.get("acr") or ""),
    )


def provider_mfa_accepted(provider: IdentityProvider, claims: Claims) -> bool:
    """Whether this sign-in's multi-factor at the provider replaces our TOTP."""
    if not provider.accept_provider_mfa:
        return False
    if MFA_AMR_VALUES.intersection(claims.amr):
        return True
    accepted = {v.strip() for v in provider.accepted_acr_values.split(",") if v.strip()}
    return bool(claims.acr) and claims.acr in accepted


# --- Services ---------------------------------------------------------------------------------


def _pending_invitation(provider: IdentityProvider, email: str) -> Invitation | None:
    return (
        Invitation.objects.filter(
            organization=provider.organization,
            email__iexact=email,
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def sso_admit(
    *,
    provider: IdentityProvider,
    claims: Claims,
    linked_user: User | None,
    request: HttpRequest | None = None,
) -> User:
    """The person this sign-in lets in, with a membership made if an invitation or the domain
    rule allows one; SignInRefused (and nothing written) otherwise."""
    organization = provider.organization
    email = claims.email
    if not email or "@" not in email:
        raise SignInRefused(REFUSED_OTHER_DOMAIN.format(email="(none)"), "no_email")
    in_domain = provider.domains.filter(domain=email_domain(email)).exists()
    user = linked_user or User.objects.filter(email__iexact=email).first()
    if user is not None and not user.is_active:
        raise SignInRefused(REFUSED_INACTIVE, "inactive")
    # Outside its domains a provider may only make a new account for an invited address it has
    # verified; it never takes over an account that already exists.
    if linked_user is None and not in_domain and (user is not None or not claims.email_verified):
        raise SignInRefused(REFUSED_OTHER_DOMAIN.format(email=email), "other_domain")
    member = Membership.objects.filter(user=user, organization=organization)
    if user is not None and member.exists():
        return user
    if user is not None and user.is_staff and in_domain:
        return user  # consortium staff with the organization's address: no membership needed
    invitation = _pending_invitation(provider, email)
    admitted_by_domain = provider.admission == IdentityProvider.Admission.DOMAIN and in_domain
    if invitation is None and not admitted_by_domain:
        raise SignInRefused(
            REFUSED_NOT_ADMITTED.format(organization=organization.name, email=email),
            "not_admitted",
        )
    if user is None:
        user = User.objects.create_user(email=email, password=None)  # no password: SSO only
        audit_log(
            action="sso.account_created",
            actor=user,
            target=user,
            organization=organization,
            request=request,
            detail={"provider": provider.provider_id},
        )
    if invitation is not None:
        invitation_accept(invitation=invitation, user=user, request=request)
        return user
    membership = Membership.objects.create(
        user=user, organization=organization, role=provider.default_role
    )
    audit_log(
        action="sso.member_added",
        actor=user,
        target=membership,
        organization=organization,
        request=request,
        detail={"email": email, "role": membership.role, "rule": "domain"},
    )
    return user


@transaction.atomic
def sso_refusal_record(
    *,
    provider: IdentityProvider | None,
    email: str,
    reason: str,
    request: HttpRequest | None = None,
) -> None:
    """One audit row for a refused single sign-on."""
    audit_log(
        action="sso.refused",
        organization=provider.organization if provider is not None else None,
        request=request,
        detail={
            "provider": provider.provider_id if provider is not None else "",
            "email": email[:254],
            "reason": reason[:200],
        },
    )


def _refusal_page(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    response = render(request, "account/sso_refused.html", {"message": message}, status=403)
    return ImmediateHttpResponse(response)


# --- allauth hooks ----------------------------------------------------------------------------


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's view of our providers: built from IdentityProvider rows, gated by sso_admit."""

    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[SocialApp]:
        rows = IdentityProvider.objects.select_related("organization").filter(
            is_active=True, organization__is_active=True
        )
        if provider and provider != OIDC:
            found = provider_for_id(provider)
            rows = rows.filter(pk=found.pk) if found is not None else rows.none()
        if client_id:
            rows = rows.filter(client_id=client_id)
        return [social_app(row) for row in rows]

    def list_providers(self, request: HttpRequest) -> list[Any]:
        """None to choose from: the address's domain picks the provider (start_sign_in), and a
        list would show every organization's sign-in to anyone (allauth's connections page)."""
        return []

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False  # sso_admit makes the account and connects it before allauth would

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = provider_for_id(sociallogin.account.provider)
        claims = claims_of(sociallogin)
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # Linking is decided here, by address and domain, never by who is signed in.
            sso_refusal_record(
                provider=provider, email=claims.email, reason="connect", request=request
            )
            raise _refusal_page(request, REFUSED_CONNECT)
        if provider is None:
            sso_refusal_record(
                provider=None, email=claims.email, reason="no_provider", request=request
            )
            raise _refusal_page(request, REFUSED_BY_PROVIDER)
        linked = sociallogin.user if sociallogin.is_existing else None
        try:
            user = sso_admit(provider=provider, claims=claims, linked_user=linked, request=request)
        except SignInRefused as refused:
            sso_refusal_record(
                provider=provider, email=claims.email, reason=refused.reason, request=request
            )
            raise _refusal_page(request, refused.message) from refused
        if linked is None:
            sociallogin.connect(request, user)
        # Read back by the sign-in signal (organizations.signals) and the TOTP stage below.
        sociallogin.state["sso_mfa_accepted"] = provider_mfa_accepted(provider, claims)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """The provider refused the person (deactivated there, say) or the flow failed."""
        ours = provider_for_id(getattr(getattr(provider, "app", None), "provider_id", "") or "")
        email = str(request.session.get(SSO_EMAIL_SESSION_KEY, ""))
        sso_refusal_record(
            provider=ours,
            email=email,
            reason=f"provider: {error or ''} {type(exception).__name__ if exception else ''}",
            request=request,
        )
        raise _refusal_page(request, REFUSED_BY_PROVIDER)


def sso_mfa_accepted_for(sociallogin: SocialLogin | None) -> bool:
    return bool(sociallogin is not None and sociallogin.state.get("sso_mfa_accepted"))


class SSOAwareAuthenticateStage(AuthenticateStage):
    """allauth's TOTP step, skipped when the organization's provider asserted multi-factor and
    its admin accepted that; asked as usual otherwise (staff included)."""

    def _should_handle(self, request: HttpRequest) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sso_mfa_accepted_for(sociallogin):
            return False
        return bool(super()._should_handle(request))


def start_sign_in(request: HttpRequest, *, provider: IdentityProvider, email: str) -> Any:
    """Send the person to their organization's provider, with their address as a hint.

    The sign-in page's Content-Security-Policy allows forms to post to our own site only, and
    browsers hold the redirects that follow a form's submission to that too; so instead of a
    redirect the answer is a page that moves on at once (an instant meta refresh, WCAG
    technique H76), with a link for browsers that do not follow it."""
    request.session[SSO_EMAIL_SESSION_KEY] = email
    oidc = social_app(provider).get_provider(request)
    next_url = get_next_redirect_url(request)  # checked against our hosts, or None
    try:
        response = oidc.redirect(
            request, process=AuthProcess.LOGIN, next_url=next_url, auth_params={"login_hint": email}
        )
    except (requests.RequestException, ValueError, KeyError):
        # Its discovery document did not answer, or not as JSON naming its endpoints.
        sso_refusal_record(
            provider=provider, email=email, reason="provider_unreachable", request=request
        )
        message = PROVIDER_UNREACHABLE.format(name=provider.name)
        return render(request, "account/sso_refused.html", {"message": message}, status=503)
    location = response.get("Location") if response.status_code in (301, 302, 303) else None
    if not location:
        return response  # allauth's own error page: the provider's configuration is unreadable
    context: dict[str, Any] = {"url": location, "provider": provider}
    return render(request, "account/sso_continue.html", context)

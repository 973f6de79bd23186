"""Writes for organizations, memberships, invitations and the audit log."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from .models import AuditEvent, Invitation, Membership, Organization, User

INVITATION_LIFETIME = timedelta(days=7)
INVITATION_NOT_FOR_YOU = (
    "This invitation link cannot be used with the account you are signed in with. Sign out, "
    "then open the link again, or ask the person who invited you for a new one."
)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, found as allauth's rate limits find it (trusted proxies only)."""
    if request is None:
        return None
    try:
        ip: str = get_account_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None
    return ip


def audit_log(
    *,
    action: str,
    actor: User | Any | None = None,
    target: models.Model | None = None,
    organization: Organization | None = None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row; callers run it inside the transaction of the change it records."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        organization=organization,
        ip=client_ip(request),
        detail=detail or {},
    )


@transaction.atomic
def download_record(
    *,
    by: User,
    what: str,
    target: models.Model | None,
    organization: Organization | None,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Who downloaded what: a report, an export or an evidence file (`what`), one audit row."""
    return audit_log(
        action=f"download.{what}",
        actor=by,
        target=target,
        organization=organization,
        request=request,
        detail=detail,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_end_sessions(*, user: User) -> int:
    """End every session the person has, on every device."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user_id=user.pk))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def user_deactivate(*, user: User, by: User | None, request: HttpRequest | None = None) -> User:
    """Deactivate a person and end all their sessions."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_log(action="user.deactivate", actor=by, target=user, request=request)
    transaction.on_commit(lambda: user_end_sessions(user=user))
    return user


@transaction.atomic
def organization_create(
    *, by: User, request: HttpRequest | None = None, **fields: Any
) -> Organization:
    """Create an organization (staff and admins)."""
    organization = Organization(**fields)
    if not organization.is_active:
        organization.deactivated_at = timezone.now()
    organization.full_clean()
    organization.save()
    audit_log(
        action="organization.create",
        actor=by,
        target=organization,
        organization=organization,
        request=request,
    )
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, by: User, request: HttpRequest | None = None, **fields: Any
) -> Organization:
    """Change an organization's record (staff and admins)."""
    changed = {k: v for k, v in fields.items() if getattr(organization, k) != v}
    for name, value in changed.items():
        setattr(organization, name, value)
    if "is_active" in changed:  # the retention period runs from the last deactivation
        organization.deactivated_at = None if organization.is_active else timezone.now()
        changed["deactivated_at"] = organization.deactivated_at
    organization.full_clean()
    if changed:
        organization.save(update_fields=list(changed))
        audit_log(
            action="organization.update",
            actor=by,
            target=organization,
            organization=organization,
            request=request,
            detail={"fields": sorted(changed)},
        )
    return organization


def _lock_leads(organization: Organization) -> list[int]:
    # Row lock: two leads demoting each other at once must not leave the organization leaderless.
    return list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Membership.Role.LEAD)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def membership_change_role(
    *, membership: Membership, role: str, by: User, request: HttpRequest | None = None
) -> Membership:
    """Give a member another role; the last lead keeps theirs."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": ["Choose lead, contributor, viewer or partner."]})
    leads = _lock_leads(membership.organization)
    if (
        membership.role == Membership.Role.LEAD
        and role != Membership.Role.LEAD
        and leads == [membership.pk]
    ):
        raise ValidationError(
            {"role": ["This is the organization's only lead. Make someone else lead first."]}
        )
    old = membership.role
    if old == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log(
        action="membership.role_change",
        actor=by,
        target=membership,
        organization=membership.organization,
        request=request,
        detail={"user": membership.user.email, "from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(
    *, membership: Membership, by: User, request: HttpRequest | None = None
) -> None:
    """Remove a member (never the last lead) and end their sessions."""
    leads = _lock_leads(membership.organization)
    if leads == [membership.pk]:
        raise ValidationError(
            "This is the organization's only lead and cannot be removed. Make someone else "
            "lead first."
        )
    user = membership.user
    audit_log(
        action="membership.remove",
        actor=by,
        target=membership,
        organization=membership.organization,
        request=request,
        detail={"user": user.email, "role": membership.role},
    )
    membership.delete()
    transaction.on_commit(lambda: user_end_sessions(user=user))


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    by: User,
    request: HttpRequest | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by email; returns the invitation and its raw token (sent, never stored)."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ValidationError({"role": ["Choose lead, contributor, viewer or partner."]})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": ["This person is already a member."]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    audit_log(
        action="invitation.create",
        actor=by,
        target=invitation,
        organization=organization,
        request=request,
        detail={"email": email, "role": role},
    )
    path = reverse("organizations:invitation_accept", kwargs={"token": token})
    url = request.build_absolute_uri(path) if request is not None else path
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {organization.name} on LHS Shared Commitments",
            message=(
                f"{by.email} invites you to join {organization.name} as "
                f"{Membership.Role(role).label.lower()}.\n\n"
                f"Accept within 7 days (the link works once): {url}\n"
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation this token opens, whatever its state; None for an unknown token."""
    return (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def invitation_problem(invitation: Invitation) -> str | None:
    """Why an invitation cannot be accepted, in words for the person; None if it can."""
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Ask your organization's lead for a new one."
    if invitation.expires_at <= timezone.now():
        return "This invitation has expired. Ask your organization's lead for a new one."
    if not invitation.organization.is_active:
        return "This organization is no longer active."
    return None


@transaction.atomic
def invitation_opened_by_another_account(
    *, invitation: Invitation, user: User, request: HttpRequest | None = None
) -> AuditEvent:
    """Record that a signed-in person opened an invitation sent to someone else."""
    return audit_log(
        action="invitation.wrong_account",
        actor=user,
        target=invitation,
        organization=invitation.organization,
        request=request,
        detail={"invited": invitation.email, "signed_in_as": user.email},
    )


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    password: str | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Use an invitation once: for a signed-in person with its email, or by creating an account."""
    # Row lock: the same link opened twice at once must create one membership.
    invitation = (
        Invitation.objects.select_for_update().select_related("organization").get(pk=invitation.pk)
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem)
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError("An account with this email exists: sign in to accept.")
        user = User.objects.create_user(email=invitation.email, password=password)
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError("This invitation was sent to another email address.")
    membership, created = Membership.objects.get_or_create(
        user=user, organization=invitation.organization, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_log(
        action="invitation.accept",
        actor=user,
        target=invitation,
        organization=invitation.organization,
        request=request,
        detail={"email": invitation.email, "role": membership.role, "new_membership": created},
    )
    return membership

"""Reads for organizations: ready querysets, scoped by the caller through access.py."""

from django.db.models import Count, QuerySet
from django.utils import timezone

from .models import AuditEvent, Invitation, Membership, Organization, User


def members_list(*, organization: Organization) -> QuerySet[Membership]:
    """The organization's memberships with their people, leads first."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("role", "user__email")
    )


def invitations_pending(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet used and not yet expired."""
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("email")


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """The person's memberships of active organizations."""
    return (
        Membership.objects.filter(user=user, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def organizations_for_staff() -> QuerySet[Organization]:
    """Every organization with its member count, for the staff list."""
    return Organization.objects.annotate(member_count=Count("memberships")).order_by("name")


def audit_events_recent(*, limit: int = 200) -> QuerySet[AuditEvent]:
    """The newest audit rows with their actor and organization."""
    return AuditEvent.objects.select_related("actor", "organization")[:limit]


def account_exists(*, email: str) -> bool:
    """Whether someone already signs in with this email."""
    return User.objects.filter(email__iexact=email).exists()


def reviewers() -> QuerySet[User]:
    """Every active person who may accept or return assessments (consortium staff)."""
    # Permissions come from groups through Django's model backend (allauth's adds none).
    return User.objects.with_perm(
        "organizations.review_assessments", backend="django.contrib.auth.backends.ModelBackend"
    ).order_by("email")


def organization_people(
    *, organization: Organization, roles: tuple[str, ...] = ()
) -> QuerySet[User]:
    """The organization's active members (of these roles, or all), by email."""
    mine = Membership.objects.filter(organization=organization)
    if roles:
        mine = mine.filter(role__in=roles)
    return User.objects.filter(is_active=True, pk__in=mine.values("user_id")).order_by("email")

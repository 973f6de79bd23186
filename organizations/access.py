"""Who may see and change what: every view asks here, and only here.

Helpers put the organization filter in the query itself, so "missing" and "not yours" are the
same 404; `PermissionDenied` (403) is for a signed-in person who may see but not change.
"""

from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Membership, Organization, User

AnyUser = User | AnonymousUser

CURRENT_ORGANIZATION_SESSION_KEY = "current_organization_id"

PERM_VIEW_ALL = "organizations.view_all_organizations"
PERM_REVIEW = "organizations.review_assessments"
PERM_MANAGE_ORGANIZATIONS = "organizations.manage_organizations"
PERM_MANAGE_ALL_MEMBERSHIPS = "organizations.manage_all_memberships"
PERM_VIEW_AUDIT = "organizations.view_auditevent"


def user_is_staff(user: AnyUser) -> bool:
    """Consortium staff or admin: may see every organization (never change its answers)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERM_VIEW_ALL))


def user_is_admin(user: AnyUser) -> bool:
    """An administrator: manages organizations and every organization's members."""
    return bool(
        user.is_authenticated and user.is_active and user.has_perm(PERM_MANAGE_ALL_MEMBERSHIPS)
    )


def user_may_manage_organizations(user: AnyUser) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_perm(PERM_MANAGE_ORGANIZATIONS)
    )


def user_needs_two_factor(user: AnyUser) -> bool:
    """Staff, admins and anyone who can reach Django's admin must sign in with two factors."""
    return bool(
        user.is_authenticated and (user.is_staff or user.is_superuser or user_is_staff(user))
    )


def role_for(*, user: AnyUser, organization: Organization) -> str | None:
    """The person's role in the organization, or None."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user_id=user.pk, organization=organization)
        .values_list("role", flat=True)
        .first()
    )


def organization_for_user(*, user: AnyUser, slug: str, for_write: bool = False) -> Organization:
    """The organization `slug` if `user` may see it; 404 otherwise.

    for_write means managing its members: its lead or an admin; 403 for others who may see it.
    """
    if not user.is_authenticated:
        raise Http404
    qs = Organization.objects.all()
    if not user_is_staff(user):
        qs = qs.filter(memberships__user_id=user.pk, is_active=True)
    organization = get_object_or_404(qs, slug=slug)
    if for_write and not user_may_manage_members(user=user, organization=organization):
        raise PermissionDenied
    return organization


def require_role(*, user: AnyUser, organization: Organization, roles: Collection[str]) -> str:
    """The person's role in an organization they may see, if it is one of `roles`; else 403.

    Call it after an `..._for_user` helper has answered 404 for those who may not see it.
    """
    role = role_for(user=user, organization=organization)
    if role is None or role not in roles:
        raise PermissionDenied
    return role


def user_may_manage_members(*, user: AnyUser, organization: Organization) -> bool:
    """Its lead, or an admin."""
    return user_is_admin(user) or (
        role_for(user=user, organization=organization) == Membership.Role.LEAD
    )


def organization_for_staff(*, user: AnyUser, slug: str) -> Organization:
    """An organization for the staff management pages: 403 for anyone else signed in."""
    if not user_may_manage_organizations(user):
        raise PermissionDenied
    return get_object_or_404(Organization, slug=slug)


def require_organization_manager(user: AnyUser) -> None:
    """403 unless the person may create and edit organizations."""
    if not user_may_manage_organizations(user):
        raise PermissionDenied


def membership_for_user(*, user: AnyUser, slug: str, pk: int) -> Membership:
    """A membership of organization `slug`, for its lead or an admin to change.

    404 if the person may not see the organization or the membership is not one of its own;
    403 if they may see it but not manage its members.
    """
    organization = organization_for_user(user=user, slug=slug, for_write=True)
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        organization=organization,
        pk=pk,
    )


def own_membership_for_user(*, user: AnyUser, organization_id: int) -> Membership:
    """The person's own membership of an active organization; 404 for any other id."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("organization"),
        user_id=user.pk,
        organization_id=organization_id,
        organization__is_active=True,
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the person chose to work in (checked again on every request)."""
    user = request.user
    if not user.is_authenticated:
        return None
    if hasattr(request, "_current_membership"):
        cached: Membership | None = request._current_membership
        return cached
    memberships = Membership.objects.select_related("organization").filter(
        user_id=user.pk, organization__is_active=True
    )
    chosen = request.session.get(CURRENT_ORGANIZATION_SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("organization__name").first()
    request._current_membership = membership  # type: ignore[attr-defined]
    return membership


def require_audit_reader(user: AnyUser) -> None:
    if not (user.is_authenticated and user.has_perm(PERM_VIEW_AUDIT)):
        raise PermissionDenied

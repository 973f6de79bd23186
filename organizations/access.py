"""Who may see and change what: every view asks here, and only here.

Helpers put the organization filter in the query itself, so "missing" and "not yours" are the
same 404; `PermissionDenied` (403) is for a signed-in person who may see but not change.
"""

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from .models import Membership, Organization, User

if TYPE_CHECKING:
    from assessments.models import ActionItem, Answer, Assessment, Cycle, EvidenceFile
    from reports.models import Report

AnyUser = User | AnonymousUser

CURRENT_ORGANIZATION_SESSION_KEY = "current_organization_id"

PERM_VIEW_ALL = "organizations.view_all_organizations"
PERM_REVIEW = "organizations.review_assessments"
PERM_MANAGE_ORGANIZATIONS = "organizations.manage_organizations"
PERM_MANAGE_ALL_MEMBERSHIPS = "organizations.manage_all_memberships"
PERM_VIEW_AUDIT = "organizations.view_auditevent"
# Granted to the consortium staff and administrators groups (organizations migration 0005).
PERM_MANAGE_CYCLES = "assessments.change_cycle"


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


# --- Assessments ---------------------------------------------------------------------------------
# Staff see every organization's assessment once it has been submitted (never drafts); members
# see their own organization's. Writing needs the lead or contributor role, and a contributor
# writes only the commitments assigned to them.

EDITOR_ROLES = (Membership.Role.LEAD, Membership.Role.CONTRIBUTOR)


def visible_assessments(user: AnyUser) -> "QuerySet[Assessment]":
    from assessments.models import Assessment

    qs = Assessment.objects.select_related("organization", "cycle__rubric")
    if not user.is_authenticated:
        return qs.none()
    mine = Q(organization__memberships__user_id=user.pk, organization__is_active=True)
    if user_is_staff(user):
        return qs.filter(mine | ~Q(status=Assessment.Status.DRAFT)).distinct()
    return qs.filter(mine)


def assessment_for_user(*, user: AnyUser, pk: int, for_write: bool = False) -> "Assessment":
    """The assessment `pk` if `user` may see it; 404 otherwise, 403 if they may not write it."""
    assessment = get_object_or_404(visible_assessments(user), pk=pk)
    if for_write:
        require_role(user=user, organization=assessment.organization, roles=EDITOR_ROLES)
    return assessment


def assessment_role(*, user: AnyUser, assessment: "Assessment") -> str | None:
    """The person's role in the assessment's organization (None for staff or others)."""
    return role_for(user=user, organization=assessment.organization)


def user_may_edit_commitment(
    *, user: AnyUser, assessment: "Assessment", commitment_id: int, role: str | None
) -> bool:
    """Leads edit every commitment, contributors only those assigned to them."""
    if role == Membership.Role.LEAD:
        return True
    if role != Membership.Role.CONTRIBUTOR or user.pk is None:
        return False
    return assessment.assignments.filter(
        commitment_id=commitment_id, membership__user_id=user.pk
    ).exists()


def require_lead(*, user: AnyUser, assessment: "Assessment") -> None:
    """403 unless the person leads the assessment's organization (submitting, assigning)."""
    require_role(user=user, organization=assessment.organization, roles=(Membership.Role.LEAD,))


def assessment_for_reviewer(*, user: AnyUser, pk: int) -> "Assessment":
    """A non-draft assessment for consortium review: 403 for anyone who may not review."""
    from assessments.models import Assessment

    if not (user.is_authenticated and user.has_perm(PERM_REVIEW)):
        raise PermissionDenied
    return get_object_or_404(
        Assessment.objects.select_related("organization", "cycle__rubric").exclude(
            status=Assessment.Status.DRAFT
        ),
        pk=pk,
    )


def user_may_review(user: AnyUser) -> bool:
    """Consortium staff who accept or return submitted assessments."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERM_REVIEW))


def require_reviewer(user: AnyUser) -> None:
    if not user_may_review(user):
        raise PermissionDenied


# --- Cycles --------------------------------------------------------------------------------------
# Cycles hold no organization's data; opening and closing them is consortium staff's work.


def user_may_manage_cycles(user: AnyUser) -> bool:
    """Consortium staff and administrators: create, open and close cycles."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERM_MANAGE_CYCLES))


def require_cycle_manager(user: AnyUser) -> None:
    """403 unless the person may create, open and close cycles."""
    if not user_may_manage_cycles(user):
        raise PermissionDenied


def cycle_for_manager(*, user: AnyUser, pk: int) -> "Cycle":
    """A cycle to open or close: 403 for anyone who may not manage cycles, 404 if missing."""
    from assessments.models import Cycle

    require_cycle_manager(user)
    return get_object_or_404(Cycle.objects.select_related("rubric"), pk=pk)


def answer_for_user(*, user: AnyUser, assessment: "Assessment", pk: int) -> "Answer":
    """One answer of an assessment the person may already see; 404 for any other id."""
    from assessments.models import Answer

    return get_object_or_404(
        Answer.objects.select_related("criterion__commitment", "assessment"),
        assessment=assessment,
        pk=pk,
    )


def evidence_file_for_user(*, user: AnyUser, assessment: "Assessment", pk: int) -> "EvidenceFile":
    """An evidence file of an assessment the person may already see; 404 for any other id."""
    from assessments.models import EvidenceFile

    return get_object_or_404(
        EvidenceFile.objects.select_related("answer"), answer__assessment=assessment, pk=pk
    )


def user_may_write_commitment(
    *, user: AnyUser, assessment: "Assessment", commitment_id: int, role: str | None
) -> bool:
    """May change this commitment's answers, files and plan now: the assessment is a draft (or
    returned), and the person leads the organization or is the contributor assigned to it."""
    return assessment.is_editable and user_may_edit_commitment(
        user=user, assessment=assessment, commitment_id=commitment_id, role=role
    )


def require_commitment_writer(
    *, user: AnyUser, assessment: "Assessment", commitment_id: int
) -> str:
    """403 unless the person may write this commitment now (see user_may_write_commitment)."""
    role = require_role(user=user, organization=assessment.organization, roles=EDITOR_ROLES)
    if not user_may_write_commitment(
        user=user, assessment=assessment, commitment_id=commitment_id, role=role
    ):
        raise PermissionDenied
    return role


def require_lead_of_editable(*, user: AnyUser, assessment: "Assessment") -> None:
    """403 unless the person leads the organization and the assessment may still change."""
    require_lead(user=user, assessment=assessment)
    if not assessment.is_editable:
        raise PermissionDenied


def action_item_for_user(
    *, user: AnyUser, assessment: "Assessment", commitment_id: int, pk: int
) -> "ActionItem":
    """One step of a commitment's plan, in an assessment the person may already see; else 404."""
    from assessments.models import ActionItem

    return get_object_or_404(
        ActionItem.objects.select_related("criterion", "owner"),
        assessment=assessment,
        commitment_id=commitment_id,
        pk=pk,
    )


# --- Reports ----------------------------------------------------------------------------------


def report_for_user(*, user: AnyUser, pk: int) -> "Report":
    """A maturity report whose assessment the person may see, or (for staff) a consortium
    report; 404 for every other id."""
    from reports.models import Report

    mine = Q(kind=Report.Kind.MATURITY, assessment__in=visible_assessments(user).values("pk"))
    if user_is_staff(user):
        mine |= Q(kind=Report.Kind.CONSORTIUM)
    return get_object_or_404(
        Report.objects.select_related("assessment__organization", "assessment__cycle"),
        mine,
        pk=pk,
    )


# --- Consortium dashboard -------------------------------------------------------------------------
# Every organization's figures at once: staff and admins only, and a 404 for anyone else so the
# pages' existence is not advertised to members.


def require_staff_or_404(user: AnyUser) -> None:
    """404 unless the person is consortium staff or an administrator."""
    if not user_is_staff(user):
        raise Http404

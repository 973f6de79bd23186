"""Who may see and change what: every view asks here, once per request.

Three families, one naming rule each:
- `user_is_*` / `user_may_*(user)`: what a person may do anywhere, from their permissions.
- `require(user, right)`: for pages that show no organization's data (cycles, the review queue,
  the dashboard, the organization list, the audit log): 403, or 404 where a page's existence
  is not to be advertised.
- `<thing>_access(*, user, ...)`: one lookup that returns the object together with what this
  person may do with it. The organization filter is part of the query, so "missing" and "not
  yours" are the same 404; `need=` asks for a right and answers 403 to a person who may see
  the object but not do that. Rows inside an assessment (answers, files, plan items) are
  reached only through its `AssessmentAccess`, which exists only once the person was checked.

Apps above this one (reports) scope their own rows with `visible_assessments`.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    Cycle,
    EvidenceFile,
    Thread,
)
from assessments.selectors import extension_until_subquery
from ratings.models import Rater, Round

from .models import Membership, Organization, User

AnyUser = User | AnonymousUser

CURRENT_ORGANIZATION_SESSION_KEY = "current_organization_id"

PERM_VIEW_ALL = "organizations.view_all_organizations"
PERM_REVIEW = "organizations.review_assessments"
PERM_MANAGE_ORGANIZATIONS = "organizations.manage_organizations"
PERM_MANAGE_ALL_MEMBERSHIPS = "organizations.manage_all_memberships"
PERM_VIEW_AUDIT = "organizations.view_auditevent"
# Granted to the consortium staff and administrators groups (organizations migration 0005).
PERM_MANAGE_CYCLES = "assessments.change_cycle"

LEAD = Membership.Role.LEAD
EDITOR_ROLES = (Membership.Role.LEAD, Membership.Role.CONTRIBUTOR)
# Roles that see their organization's data. Partners are members only to be invited into
# rating rounds: every query here that lets a member see something leaves them out.
SEEING_ROLES = (Membership.Role.LEAD, Membership.Role.CONTRIBUTOR, Membership.Role.VIEWER)


# --- What a person may do anywhere ---------------------------------------------------------------


def _has(user: AnyUser, perm: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))


def user_is_staff(user: AnyUser) -> bool:
    """Consortium staff or admin: may see every organization (never change its answers)."""
    return _has(user, PERM_VIEW_ALL)


def user_is_admin(user: AnyUser) -> bool:
    """An administrator: manages organizations and every organization's members."""
    return _has(user, PERM_MANAGE_ALL_MEMBERSHIPS)


def user_may_manage_organizations(user: AnyUser) -> bool:
    return _has(user, PERM_MANAGE_ORGANIZATIONS)


def user_may_review(user: AnyUser) -> bool:
    """Consortium staff who accept or return submitted assessments."""
    return _has(user, PERM_REVIEW)


def user_may_manage_cycles(user: AnyUser) -> bool:
    """Consortium staff and administrators: create, open and close cycles."""
    return _has(user, PERM_MANAGE_CYCLES)


def user_may_read_audit(user: AnyUser) -> bool:
    return _has(user, PERM_VIEW_AUDIT)


def user_needs_two_factor(user: AnyUser) -> bool:
    """Staff, admins and anyone who can reach Django's admin must sign in with two factors."""
    return bool(
        user.is_authenticated and (user.is_staff or user.is_superuser or user_is_staff(user))
    )


class Right(StrEnum):
    """Rights over pages that show no single organization's data."""

    REVIEW = "review"
    MANAGE_CYCLES = "manage_cycles"
    MANAGE_ORGANIZATIONS = "manage_organizations"
    READ_AUDIT = "read_audit"
    DASHBOARD = "dashboard"  # 404 for others: members are not told the page exists
    DELETE_ORGANIZATIONS = "delete_organizations"


_RIGHTS = {
    Right.REVIEW: user_may_review,
    Right.MANAGE_CYCLES: user_may_manage_cycles,
    Right.MANAGE_ORGANIZATIONS: user_may_manage_organizations,
    Right.READ_AUDIT: user_may_read_audit,
    Right.DASHBOARD: user_is_staff,
    Right.DELETE_ORGANIZATIONS: user_is_admin,
}


def require(user: AnyUser, right: Right) -> None:
    """403 (404 for the dashboard) unless the person has `right`."""
    if not _RIGHTS[right](user):
        raise Http404 if right == Right.DASHBOARD else PermissionDenied


# --- Organizations and memberships ---------------------------------------------------------------


def _role(user: AnyUser, organization_id: int) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(
            user_id=user.pk, organization_id=organization_id, role__in=SEEING_ROLES
        )
        .values_list("role", flat=True)
        .first()
    )


@dataclass(frozen=True)
class OrganizationAccess:
    organization: Organization
    role: str | None
    may_manage_members: bool  # its lead, or an admin


def organization_access(
    *, user: AnyUser, slug: str, need_manage: bool = False
) -> OrganizationAccess:
    """The organization `slug` if the person may see it (404 otherwise), with their rights;
    403 with need_manage for a person who may see it but not manage its members (nor take
    all of its data away: its lead and administrators do both)."""
    if not user.is_authenticated:
        raise Http404
    qs = Organization.objects.all()
    if not user_is_staff(user):
        qs = qs.filter(
            memberships__user_id=user.pk, memberships__role__in=SEEING_ROLES, is_active=True
        )
    organization = get_object_or_404(qs, slug=slug)
    role = _role(user, organization.pk)
    result = OrganizationAccess(organization, role, user_is_admin(user) or role == LEAD)
    if need_manage and not result.may_manage_members:
        raise PermissionDenied
    return result


def membership_access(*, user: AnyUser, slug: str, pk: int) -> Membership:
    """A membership of organization `slug`, for its lead or an admin to change: 404 if the
    person may not see the organization or the membership is not its own, 403 if they may see
    it but not manage its members."""
    organization = organization_access(user=user, slug=slug, need_manage=True).organization
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        organization=organization,
        pk=pk,
    )


def own_membership_access(*, user: AnyUser, organization_id: int) -> Membership:
    """The person's own membership of an active organization; 404 for any other id."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("organization"),
        user_id=user.pk,
        organization_id=organization_id,
        organization__is_active=True,
        role__in=SEEING_ROLES,
    )


def managed_organization_access(*, user: AnyUser, slug: str) -> Organization:
    """An organization for the staff's organization pages: 403 for anyone else signed in."""
    require(user, Right.MANAGE_ORGANIZATIONS)
    return get_object_or_404(Organization, slug=slug)


def organization_deletion_access(*, user: AnyUser, slug: str) -> Organization:
    """An organization an administrator may delete (after its retention): 403 for others."""
    require(user, Right.DELETE_ORGANIZATIONS)
    return get_object_or_404(Organization, slug=slug)


def signed_in(request: HttpRequest) -> User:
    """The signed-in person, for a view behind login_required; 403 should anything else come."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the person chose to work in (checked again on every request)."""
    user = request.user
    if not user.is_authenticated:
        return None
    if hasattr(request, "_current_membership"):
        cached: Membership | None = request._current_membership
        return cached
    memberships = Membership.objects.select_related("organization").filter(
        user_id=user.pk, organization__is_active=True, role__in=SEEING_ROLES
    )
    chosen = request.session.get(CURRENT_ORGANIZATION_SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("organization__name").first()
    request._current_membership = membership  # type: ignore[attr-defined]
    return membership


def current_lead_membership(request: HttpRequest) -> Membership:
    """The membership the person works in, if they lead it (starting an assessment); else 403."""
    membership = current_membership(request)
    if membership is None or membership.role != LEAD:
        raise PermissionDenied
    return membership


# --- Assessments ---------------------------------------------------------------------------------
# Staff see every organization's assessment once it has been submitted (never drafts); members
# see their own organization's. Writing needs the lead or contributor role on an assessment that
# may still change today (Assessment.write_refusal: its status, its cycle's closing day and the
# organization's extension), and a contributor writes only the commitments assigned to them.


def visible_assessments(user: AnyUser) -> QuerySet[Assessment]:
    """Every assessment the person may read, with its organization and rubric."""
    qs = Assessment.objects.select_related("organization", "cycle__rubric")
    if not user.is_authenticated:
        return qs.none()
    mine = Q(
        organization__memberships__user_id=user.pk,
        organization__memberships__role__in=SEEING_ROLES,
        organization__is_active=True,
    )
    if user_is_staff(user):
        return qs.filter(mine | ~Q(status=Assessment.Status.DRAFT)).distinct()
    return qs.filter(mine)


class Need(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # a lead or contributor of its organization (what exactly: may_write)
    LEAD = "lead"  # its lead, while it may still change: submit, assign


@dataclass(frozen=True)
class AssessmentAccess:
    """An assessment the person may read, and what they may do with it."""

    assessment: Assessment
    role: str | None
    assigned: frozenset[int]  # commitment ids assigned to this person
    extended_until: date | None = None  # the organization's extension for the cycle
    refusal: str | None = None  # why nobody may change it today (Assessment.write_refusal)
    reviewer: bool = False  # consortium staff who review assessments

    @property
    def may_discuss(self) -> bool:
        """Write in its threads, and resolve them: its leads and contributors, and reviewers
        (who see it once submitted). Viewers read. Threads outlive the cycle's close."""
        return self.is_editor or self.reviewer

    def require_discuss(self) -> None:
        if not self.may_discuss:
            raise PermissionDenied

    @property
    def is_editor(self) -> bool:
        return self.role in EDITOR_ROLES

    @property
    def locked_by_date(self) -> bool:
        """Its status would let it change, but its cycle closed (and no extension runs)."""
        return self.refusal is not None and self.assessment.is_editable

    @property
    def may_lead(self) -> bool:
        """Submit and assign: its lead, while the assessment may still change."""
        return self.role == LEAD and self.refusal is None

    def may_write(self, commitment_id: int) -> bool:
        """Change this commitment's answers, files and plan now."""
        if self.refusal is not None:
            return False
        return self.role == LEAD or (
            self.role == Membership.Role.CONTRIBUTOR and commitment_id in self.assigned
        )

    def require_write(self, commitment_id: int) -> None:
        """403, saying why when it is the assessment that may not change (its error page
        shows the reason to the person whose form was opened before the cycle closed)."""
        if not self.may_write(commitment_id):
            raise PermissionDenied(self.refusal or "")

    def require_lead(self) -> None:
        """Act on the whole assessment (submit, assign, confirm everything at once)."""
        if not self.may_lead:
            raise PermissionDenied

    # Rows inside the assessment: the filter on this assessment is the access check.

    def answer(self, pk: int) -> Answer:
        """One of its answers; 404 for any other id."""
        return get_object_or_404(
            Answer.objects.select_related("criterion__commitment", "assessment"),
            assessment=self.assessment,
            pk=pk,
        )

    def evidence_file(self, pk: int) -> EvidenceFile:
        """One of its evidence files; 404 for any other id."""
        return get_object_or_404(
            EvidenceFile.objects.select_related("answer__criterion__commitment"),
            answer__assessment=self.assessment,
            pk=pk,
        )

    def thread(self, pk: int) -> Thread:
        """One of its threads; 404 for any other id."""
        return get_object_or_404(
            Thread.objects.select_related("criterion__commitment", "assessment__organization"),
            assessment=self.assessment,
            pk=pk,
        )

    def action_item(self, *, commitment_id: int, pk: int) -> ActionItem:
        """One step of a commitment's plan in it; 404 for any other id."""
        return get_object_or_404(
            ActionItem.objects.select_related("criterion", "owner"),
            assessment=self.assessment,
            commitment_id=commitment_id,
            pk=pk,
        )


def assessment_access(*, user: AnyUser, pk: int, need: Need = Need.VIEW) -> AssessmentAccess:
    """The assessment `pk` if the person may see it (404 otherwise), with their role and
    assignments in it; 403 if `need` asks for more than they may do."""
    if not isinstance(user, User):
        raise Http404
    role = Membership.objects.filter(
        organization_id=OuterRef("organization_id"), user_id=user.pk, role__in=SEEING_ROLES
    ).values("role")[:1]
    assessment = get_object_or_404(
        visible_assessments(user).annotate(
            my_role=Subquery(role), extended_until=extension_until_subquery()
        ),
        pk=pk,
    )
    my_role: str | None = getattr(assessment, "my_role", None)
    extended_until: date | None = getattr(assessment, "extended_until", None)
    assigned: frozenset[int] = frozenset()
    if my_role == Membership.Role.CONTRIBUTOR:
        assigned = frozenset(
            Assignment.objects.filter(
                assessment=assessment, membership__user_id=user.pk
            ).values_list("commitment_id", flat=True)
        )
    refusal = assessment.write_refusal(today=timezone.localdate(), extended_until=extended_until)
    result = AssessmentAccess(
        assessment, my_role, assigned, extended_until, refusal, reviewer=user_may_review(user)
    )
    if (need == Need.EDIT and not result.is_editor) or (need == Need.LEAD and not result.may_lead):
        # Its lead is refused only by the assessment's state: say which (the 403 page shows it).
        raise PermissionDenied(refusal if my_role == LEAD and refusal else "")
    return result


def review_access(*, user: AnyUser, pk: int) -> Assessment:
    """A non-draft assessment for consortium review: 403 for anyone who may not review."""
    require(user, Right.REVIEW)
    return get_object_or_404(
        Assessment.objects.select_related("organization", "cycle__rubric").exclude(
            status=Assessment.Status.DRAFT
        ),
        pk=pk,
    )


# --- Cycles --------------------------------------------------------------------------------------
# Cycles hold no organization's data; opening and closing them is consortium staff's work.


def cycle_access(*, user: AnyUser, pk: int) -> Cycle:
    """A cycle to open or close: 403 for anyone who may not manage cycles, 404 if missing."""
    require(user, Right.MANAGE_CYCLES)
    return get_object_or_404(Cycle.objects.select_related("rubric"), pk=pk)


# --- Rating rounds -------------------------------------------------------------------------------
# A round is run by its organization's lead. A rater reaches only their own sheet, and the
# round's ratings only after submitting their own (blind until then); anyone else gets 404.


def round_lead_access(*, user: AnyUser, pk: int) -> Round:
    """A rating round of an assessment the person leads (404 otherwise)."""
    if not isinstance(user, User):
        raise Http404
    leads = Membership.objects.filter(user_id=user.pk, role=LEAD).values("organization_id")
    return get_object_or_404(
        Round.objects.select_related("assessment__organization", "assessment__cycle__rubric"),
        pk=pk,
        assessment__organization_id__in=leads,
    )


def rater_access(*, user: AnyUser, round_pk: int) -> Rater:
    """The person's own place in a round they were invited to (404 otherwise)."""
    if not isinstance(user, User):
        raise Http404
    return get_object_or_404(
        Rater.objects.select_related("round__assessment__organization", "round__assessment__cycle"),
        round__pk=round_pk,  # the round's own id field: an id out of range is 404, never 500
        user_id=user.pk,
    )


@dataclass(frozen=True)
class RoundReading:
    round: Round
    may_lead: bool  # record the consensus, invite, close


def round_results_access(*, user: AnyUser, pk: int) -> RoundReading:
    """Who may read a round's ratings: its lead, and raters who have submitted their own."""
    try:
        return RoundReading(round_lead_access(user=user, pk=pk), may_lead=True)
    except Http404:
        rater = rater_access(user=user, round_pk=pk)
        if rater.submitted_at is None:
            raise
        return RoundReading(rater.round, may_lead=False)

"""The access helpers themselves: 404 for "missing" and "not yours" alike, 403 for read-only."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, override_settings
from django.urls import reverse

from assessments.services import assignment_set
from assessments.tests.factories import evidence, started, submitted
from organizations import access
from organizations.models import AuditEvent
from organizations.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def test_missing_and_not_yours_are_the_same_404(cast: Cast) -> None:
    for slug in (cast.org_b.slug, "no-such-organization"):
        with pytest.raises(Http404):
            access.organization_access(user=cast.lead_a, slug=slug)


def test_a_viewer_may_see_but_not_manage(cast: Cast) -> None:
    seen = access.organization_access(user=cast.viewer_a, slug="alpha")
    assert (seen.organization, seen.role, seen.may_manage_members) == (cast.org_a, "viewer", False)
    with pytest.raises(PermissionDenied):
        access.organization_access(user=cast.viewer_a, slug="alpha", need_manage=True)


def test_the_lead_and_an_admin_manage_members_and_staff_only_see(cast: Cast) -> None:
    assert access.organization_access(user=cast.lead_a, slug="alpha").may_manage_members
    assert access.organization_access(user=cast.admin, slug="alpha").may_manage_members
    staff = access.organization_access(user=cast.staff, slug="alpha")
    assert (staff.role, staff.may_manage_members) == (None, False)


# The rights each person gets with an assessment, from the one call a view makes: role, may
# edit at all, may lead (submit, assign), may write c1 (assigned to the contributor) and c2.
RIGHTS = {
    "lead_a": ("lead", True, True, True, True),
    "contributor_a": ("contributor", True, False, True, False),
    "viewer_a": ("viewer", False, False, False, False),
}


@pytest.mark.parametrize("who", sorted(RIGHTS))
def test_assessment_access_gives_each_member_their_rights(cast: Cast, who: str) -> None:
    assessment = started(organization=cast.org_a, by=cast.lead_a)
    c1, c2 = assessment.cycle.rubric.commitments.order_by("order")
    assignment_set(
        assessment=assessment, commitment=c1, membership=cast.contributor_a_membership,
        by=cast.lead_a,
    )  # fmt: skip
    acc = access.assessment_access(user=getattr(cast, who), pk=assessment.pk)
    got = (acc.role, acc.is_editor, acc.may_lead, acc.may_write(c1.pk), acc.may_write(c2.pk))
    assert got == RIGHTS[who]


def test_nobody_writes_a_submitted_assessment_and_staff_see_it_read_only(cast: Cast) -> None:
    assessment = submitted(organization=cast.org_a, by=cast.lead_a)
    commitment = assessment.cycle.rubric.commitments.first()
    for user in (cast.lead_a, cast.staff):
        acc = access.assessment_access(user=user, pk=assessment.pk)
        assert not acc.may_write(commitment.pk)
        assert not acc.may_lead
    with pytest.raises(PermissionDenied):
        access.assessment_access(user=cast.lead_a, pk=assessment.pk, need=access.Need.LEAD)
    with pytest.raises(PermissionDenied):
        access.assessment_access(user=cast.staff, pk=assessment.pk, need=access.Need.EDIT)


def test_staff_do_not_see_drafts_and_other_organizations_see_nothing(cast: Cast) -> None:
    draft = started(organization=cast.org_a, by=cast.lead_a)
    for user in (cast.staff, cast.lead_b):
        with pytest.raises(Http404):
            access.assessment_access(user=user, pk=draft.pk)
    with pytest.raises(Http404):
        access.assessment_access(user=cast.lead_a, pk=draft.pk + 1000)


def test_rows_of_an_assessment_are_found_only_through_it(cast: Cast) -> None:
    mine = started(organization=cast.org_a, by=cast.lead_a)
    theirs = started(organization=cast.org_b, by=cast.lead_b)
    acc = access.assessment_access(user=cast.lead_a, pk=mine.pk)
    own = mine.answers.first()
    assert acc.answer(own.pk) == own
    with pytest.raises(Http404):
        acc.answer(theirs.answers.first().pk)
    with pytest.raises(Http404):
        acc.evidence_file(evidence(answer=theirs.answers.first(), by=cast.lead_b).pk)


def test_rights_without_an_object_answer_403_and_the_dashboard_404(cast: Cast) -> None:
    allowed = {
        access.Right.REVIEW: cast.staff,
        access.Right.MANAGE_CYCLES: cast.staff,
        access.Right.MANAGE_ORGANIZATIONS: cast.admin,
        access.Right.READ_AUDIT: cast.admin,
    }
    for right, who in allowed.items():
        access.require(who, right)
        with pytest.raises(PermissionDenied):
            access.require(cast.lead_a, right)
    access.require(cast.staff, access.Right.DASHBOARD)
    with pytest.raises(Http404):
        access.require(cast.lead_a, access.Right.DASHBOARD)


def test_staff_and_admins_are_known_by_permissions_not_flags(cast: Cast) -> None:
    assert access.user_is_staff(cast.staff)
    assert not access.user_is_admin(cast.staff)
    assert access.user_is_staff(cast.admin)
    assert access.user_is_admin(cast.admin)
    flagged = UserFactory(is_staff=True)  # Django admin access alone grants nothing here
    assert not access.user_is_staff(flagged)
    assert not access.user_is_staff(cast.lead_a)


def test_an_inactive_organization_is_hidden_from_its_members(cast: Cast) -> None:
    cast.org_a.is_active = False
    cast.org_a.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        access.organization_access(user=cast.lead_a, slug="alpha")
    assert access.organization_access(user=cast.staff, slug="alpha").organization == cast.org_a


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_audit_log_records_the_client_address() -> None:
    user = UserFactory(email="lead@example.org")
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert AuditEvent.objects.get(action="auth.sign_in").ip == "203.0.113.7"

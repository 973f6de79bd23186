"""The fixed cast for access tests, and a clean rate-limit cache for each test.

A plugin (registered by the root conftest.py) so that every app's tests share them; test
modules import `Cast` from here for their annotations.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from organizations.models import Membership, Organization, User
from organizations.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    admin_user,
    staff_user,
)


def _forget_allauth_counters() -> None:
    """allauth keeps rate-limit counters and used TOTP codes in the cache."""
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:  # the in-memory cache of a plain run
        cache.clear()
        return
    # Redis also carries the Celery broker's queues, and the keys of the other xdist workers
    # (each has its own KEY_PREFIX, see conftest.py): delete only this process's allauth keys.
    redis = client(write=True)
    for key in redis.scan_iter(match=cache.make_key("*allauth*")):
        redis.delete(key)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """No test inherits another's failed sign-ins."""
    _forget_allauth_counters()
    yield
    _forget_allauth_counters()


@dataclass
class Cast:
    org_a: Organization
    org_b: Organization
    lead_a: User
    contributor_a: User
    viewer_a: User
    lead_b: User
    staff: User
    admin: User
    lead_a_membership: Membership
    contributor_a_membership: Membership
    viewer_a_membership: Membership
    lead_b_membership: Membership


@pytest.fixture
def cast(db: None) -> Cast:
    org_a = OrganizationFactory(name="Alpha Health", slug="alpha")
    org_b = OrganizationFactory(name="Beta Clinics", slug="beta")

    def member(org: Organization, role: str, email: str) -> Membership:
        return MembershipFactory(organization=org, role=role, user=UserFactory(email=email))

    la = member(org_a, Membership.Role.LEAD, "lead@alpha.test")
    ca = member(org_a, Membership.Role.CONTRIBUTOR, "contributor@alpha.test")
    va = member(org_a, Membership.Role.VIEWER, "viewer@alpha.test")
    lb = member(org_b, Membership.Role.LEAD, "lead@beta.test")
    return Cast(
        org_a=org_a,
        org_b=org_b,
        lead_a=la.user,
        contributor_a=ca.user,
        viewer_a=va.user,
        lead_b=lb.user,
        staff=staff_user(email="staff@consortium.test"),
        admin=admin_user(email="admin@consortium.test"),
        lead_a_membership=la,
        contributor_a_membership=ca,
        viewer_a_membership=va,
        lead_b_membership=lb,
    )

"""Views ask organizations/access.py once per request, and read the rights from its answer."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from assessments.services import assignment_set
from assessments.tests.factories import started
from organizations import access
from organizations.models import Membership
from organizations.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOOKUPS = [name for name in dir(access) if name.endswith("_access") or name == "require"]


@pytest.fixture
def access_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call a view makes to an access lookup, by name (the lookups still run)."""
    calls: list[str] = []

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return call

    for name in LOOKUPS:
        monkeypatch.setattr(access, name, counted(name, getattr(access, name)))
    return calls


def test_the_commitment_save_asks_access_once(client: Client, access_calls: list[str]) -> None:
    organization = OrganizationFactory()
    contributor = MembershipFactory(
        organization=organization, user=UserFactory(), role=Membership.Role.CONTRIBUTOR
    )
    lead = MembershipFactory(organization=organization, user=UserFactory(), role="lead").user
    assessment = started(organization=organization, by=lead)
    c1 = assessment.cycle.rubric.commitments.get(code="c1")
    assignment_set(assessment=assessment, commitment=c1, membership=contributor, by=lead)
    rows = assessment.answers.filter(criterion__commitment=c1).select_related("criterion")
    data = {f"{r.criterion.code}-version": str(r.version) for r in rows}
    data[f"{rows[0].criterion.code}-level"] = "3"
    client.force_login(contributor.user)
    response = client.post(reverse("assessments:commitment", args=[assessment.pk, "c1"]), data)
    assert response.status_code == 302
    assert access_calls == ["assessment_access"]
    assessment.refresh_from_db()
    assert assessment.answers.get(pk=rows[0].pk).level == 3


def test_the_spy_sees_every_lookup_of_a_page(client: Client, access_calls: list[str]) -> None:
    organization = OrganizationFactory()
    lead = MembershipFactory(organization=organization, user=UserFactory(), role="lead").user
    client.force_login(lead)
    client.get(reverse("organizations:members", args=[organization.slug]))
    assert access_calls == ["organization_access"]

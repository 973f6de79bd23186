"""Administrators manage people in the Django admin, but only a superuser hands out privileges."""

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import User
from organizations.tests.factories import UserFactory, admin_user, with_totp

pytestmark = pytest.mark.django_db


def _change_form(person: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_an_administrator_cannot_make_anyone_superuser(client: Client) -> None:
    administrator = admin_user(email="admin@consortium.test")
    client.force_login(administrator)
    url = reverse("admin:organizations_user_change", args=[administrator.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="is_superuser"' not in response.content.decode()
    client.post(url, _change_form(administrator, is_superuser="on", is_staff="on"))
    administrator.refresh_from_db()
    assert not administrator.is_superuser


def test_a_superuser_still_can(client: Client) -> None:
    root = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(with_totp(root))
    person = UserFactory()
    url = reverse("admin:organizations_user_change", args=[person.pk])
    assert 'name="is_superuser"' in client.get(url).content.decode()


def test_history_cannot_be_reverted_in_the_admin(client: Client) -> None:
    """Reverting would bypass the services (a published rubric's structure, for one)."""
    from commitments.models import Criterion
    from commitments.tests.factories import make_rubric

    make_rubric()
    criterion = Criterion.objects.get(code="c1-1")
    criterion.prompt = "Reworded."
    criterion.save()
    first = criterion.history.earliest()
    client.force_login(with_totp(UserFactory(is_staff=True, is_superuser=True)))
    url = reverse("admin:commitments_criterion_simple_history", args=[criterion.pk, first.pk])
    assert "Revert" not in client.get(url).content.decode()  # shown, not offered
    assert client.post(url, {"prompt": first.prompt}).status_code == 403
    criterion.refresh_from_db()
    assert criterion.prompt == "Reworded."

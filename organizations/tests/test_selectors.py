"""Who counts as a reviewer: the same people Django's own permission check finds."""

import pytest
from django.contrib.auth.models import Permission

from organizations.selectors import reviewers
from organizations.tests.factories import UserFactory, admin_user, staff_user

pytestmark = pytest.mark.django_db


def test_reviewers_are_the_people_django_says_may_review() -> None:
    staff = staff_user(email="staff@consortium.test")
    retired = staff_user(email="retired@consortium.test")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    holder = UserFactory(email="holder@example.org")
    holder.user_permissions.add(
        Permission.objects.get(
            codename="review_assessments", content_type__app_label="organizations"
        )
    )
    root = UserFactory(email="root@example.org", is_superuser=True)
    admin = admin_user(email="admin@example.org")
    UserFactory(email="lead@example.org")
    django_says = set(
        type(staff).objects.with_perm(
            "organizations.review_assessments",
            backend="django.contrib.auth.backends.ModelBackend",
        )
    )
    found = list(reviewers())
    assert set(found) == django_says
    assert {u.email for u in found} >= {staff.email, holder.email, root.email}
    assert retired not in found
    assert [u.email for u in found] == sorted(u.email for u in found)
    assert len(found) == len(set(found))  # a person in two such groups is listed once
    assert (admin in found) == admin.has_perm("organizations.review_assessments")

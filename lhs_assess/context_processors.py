"""What the navigation offers the signed-in person; later apps add their entries here."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from organizations.access import (
    current_membership,
    user_is_staff,
    user_may_manage_cycles,
    user_may_manage_organizations,
    user_may_read_audit,
    user_may_review,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [NavItem("Home", reverse("home")), NavItem("Rubric", reverse("commitments:index"))]
    membership = current_membership(request)
    if membership is not None:
        slug = membership.organization.slug
        items.append(NavItem("Organization", reverse("organizations:detail", args=[slug])))
        items.append(NavItem("Members", reverse("organizations:members", args=[slug])))
        items.append(NavItem("Assessments", reverse("assessments:index")))
    if user_may_manage_organizations(user):
        items.append(NavItem("All organizations", reverse("organizations:staff_list")))
    if user_may_manage_cycles(user):
        items.append(NavItem("Cycles", reverse("consortium:cycles")))
    if user_may_review(user):
        items.append(NavItem("Review queue", reverse("consortium:review_queue")))
    if user_is_staff(user):
        items.append(NavItem("Dashboard", reverse("consortium:dashboard")))
    if user_may_read_audit(user):
        items.append(NavItem("Audit log", reverse("organizations:audit_log")))
    if user.is_staff:
        items.append(NavItem("Administration", reverse("admin:index")))
    items.append(NavItem("Mail", reverse("notifications:preferences")))
    items.append(NavItem("Security", reverse("mfa_index")))
    return {"nav_items": items}

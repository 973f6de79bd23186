"""What the navigation offers the signed-in person; later apps add their entries here."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation(request: HttpRequest) -> dict[str, list[NavItem]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [NavItem("Home", reverse("home")), NavItem("Rubric", reverse("commitments:index"))]
    if user.is_staff:
        items.append(NavItem("Administration", reverse("admin:index")))
    return {"nav_items": items}

"""The organization the person is working in, for every template."""

from django.http import HttpRequest

from .access import current_membership
from .models import Membership


def current_organization(request: HttpRequest) -> dict[str, Membership | None]:
    return {"current_membership": current_membership(request)}

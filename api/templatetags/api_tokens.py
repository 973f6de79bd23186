"""The personal access tokens section of the Security page (allauth's two-factor page)."""

from typing import Any

from django import template
from django.utils import timezone

from organizations.models import User

from ..selectors import tokens_of

register = template.Library()


@register.inclusion_tag("api/_tokens.html", takes_context=True)
def api_tokens(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    tokens = list(tokens_of(user=user)) if isinstance(user, User) else []
    return {"tokens": tokens, "now": timezone.now(), "csrf_token": context.get("csrf_token")}

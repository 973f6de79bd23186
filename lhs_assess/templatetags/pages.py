"""Template tags shared by every app's pages."""

from typing import Any

from django import template
from django.core.paginator import Page

register = template.Library()


@register.inclusion_tag("includes/pagination.html", takes_context=True)
def pagination(
    context: dict[str, Any], page: Page[Any], *, label: str, param: str = "page"
) -> dict[str, Any]:
    """Previous / next links for `page`, keeping every other parameter of the current URL."""
    query = context["request"].GET

    def url(number: int) -> str:
        changed = query.copy()
        changed[param] = str(number)
        return f"?{changed.urlencode()}"

    return {
        "page": page,
        "label": label,
        "previous_url": url(page.previous_page_number()) if page.has_previous() else None,
        "next_url": url(page.next_page_number()) if page.has_next() else None,
    }

"""Descriptors as checklists with their glossary terms linked."""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from commitments import rubric_text
from commitments.models import Rubric

register = template.Library()


@register.filter
def checklist(text: str, rubric: Rubric | None = None) -> SafeString:
    """A descriptor as a list of its elements (a paragraph when it has one), glossary terms
    linked to the glossary of the rubric version it belongs to."""
    glossary = rubric.glossary if rubric is not None else []
    href = reverse("commitments:index")
    if rubric is not None:
        href += "?" + urlencode({"version": rubric.version})
    items = [rubric_text.linked(item, glossary, href) for item in rubric_text.elements(text)]
    if len(items) == 1:
        return mark_safe(items[0])  # noqa: S308 - linked() escapes the text it is given
    lis = "".join(f"<li>{item}</li>" for item in items)
    return mark_safe(f'<ul class="checklist mb-0">{lis}</ul>')  # noqa: S308 - as above


@register.filter
def anchor(term: str) -> str:
    return rubric_text.term_anchor(term)

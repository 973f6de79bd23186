"""How descriptor text reads: a checklist of elements ("- " lines) or, in older versions, a
sentence; and where it uses a glossary term. Pure functions, for pages, forms and files."""

import re
from collections.abc import Iterable, Mapping, Sequence

from django.utils.html import escape
from django.utils.text import slugify


def elements(text: str) -> list[str]:
    """The checklist elements of a descriptor; one element for a descriptor written as prose."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and all(line.startswith("- ") for line in lines):
        return [line[2:].strip() for line in lines]
    return [" ".join(text.split())]


def plain(text: str) -> str:
    """One line for places without lists (radio labels, spreadsheet cells)."""
    items = elements(text)
    if len(items) == 1:
        return items[0]
    return "All of: " + " ".join(f"({i}) {item}" for i, item in enumerate(items, start=1))


def term_anchor(term: str) -> str:
    return f"term-{slugify(term)}"


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so "named owner" wins over a shorter term inside it.
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(
        r"\b(" + "|".join(re.escape(escape(t)) for t in ordered) + r")(s|es)?\b", re.IGNORECASE
    )


def linked(text: str, glossary: Sequence[Mapping[str, str]], href: str) -> str:
    """`text` as escaped HTML with the first use of each glossary term linked to its entry
    at `href`#term-…; the link names the term it explains."""
    html = str(escape(text))
    pattern = _term_pattern(g["term"] for g in glossary)
    if pattern is None:
        return html
    by_lower = {str(escape(g["term"])).lower(): g["term"] for g in glossary}
    seen: set[str] = set()

    def link(match: re.Match[str]) -> str:
        term = by_lower.get(match.group(1).lower())
        if term is None or term in seen:
            return match.group(0)
        seen.add(term)
        return f'<a href="{href}#{term_anchor(term)}" class="glossary-term">{match.group(0)}</a>'

    return pattern.sub(link, html)

"""The shared pagination links keep every other filter of the page."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory


def _links(query: str, number: int, param: str = "page") -> list[dict[str, list[str]]]:
    """The query of each link, in order (previous, next)."""
    request = RequestFactory().get(f"/consortium/dashboard/?{query}")
    page = Paginator(list(range(100)), 10).get_page(number)
    html = Template('{% load pages %}{% pagination page label="Pages" param=param %}').render(
        Context({"request": request, "page": page, "param": param})
    )
    hrefs = [unescape(part.split('"', 1)[0]) for part in html.split('href="')[1:]]
    assert all(h.startswith("?") and not h.startswith("??") for h in hrefs)
    return [parse_qs(urlsplit(h).query) for h in hrefs]


def test_previous_and_next_keep_the_other_filters_and_set_only_their_page() -> None:
    links = _links("cycle=7&region=west&np=4&page=2", 4, param="np")
    assert [q["np"] for q in links] == [["3"], ["5"]]
    for q in links:
        assert (q["cycle"], q["region"], q["page"]) == (["7"], ["west"], ["2"])


def test_the_first_page_has_no_previous_and_the_last_no_next() -> None:
    assert [q["page"] for q in _links("", 1)] == [["2"]]
    assert [q["page"] for q in _links("", 10)] == [["9"]]

"""No inline script anywhere: the CSP forbids it, so a template that has one is broken."""

import re
from pathlib import Path

import plotly
import pytest
from django.conf import settings
from django.test import Client

from organizations.tests.factories import UserFactory, with_totp

from .pages import argument_free_paths

pytestmark = pytest.mark.django_db

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"
# Executable inline script; a JSON data block (<script type="application/json">) is data, not code.
INLINE_SCRIPT = re.compile(
    r"""<script(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*["']application/json["'])[^>]*>""",
    re.IGNORECASE,
)
EVENT_HANDLER = re.compile(r"<[^>]+\s on[a-z]+\s*=", re.IGNORECASE | re.VERBOSE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
EXTERNAL_URL = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE
)


def _offences(html: str) -> list[str]:
    return [m.group(0) for rx in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL) for m in rx.finditer(html)]


def test_the_pattern_catches_what_it_must() -> None:
    assert _offences("<script>alert(1)</script>")
    assert _offences('<button onclick="x()">')
    assert _offences('<a href="javascript:void(0)">')
    assert _offences('<script type="module">import x from "/y.js"</script>')
    assert not _offences('<script src="/static/x.js" defer></script><p>onboarding=1</p>')
    assert not _offences('<script id="d" type="application/json">{"a": 1}</script>')
    assert EXTERNAL_URL.search('<link href="https://cdn.example/x.css">')
    assert EXTERNAL_URL.search('<script src="//cdn.example/x.js">')
    assert not EXTERNAL_URL.search('<a href="/accounts/login/">')


@pytest.mark.parametrize(
    "template", sorted(TEMPLATE_DIR.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATE_DIR))
)
def test_no_template_of_ours_has_inline_script_or_handlers(template: Path) -> None:
    assert _offences(template.read_text()) == []


@pytest.mark.parametrize("path", argument_free_paths())
def test_no_rendered_page_has_inline_script_or_external_urls(client: Client, path: str) -> None:
    client.force_login(with_totp(UserFactory(is_staff=True, is_superuser=True)))
    response = client.get(path, follow=True)
    html = response.content.decode()
    assert _offences(html) == []
    assert EXTERNAL_URL.findall(html) == []


def test_base_page_has_a_skip_link_to_main_and_landmarks(client: Client) -> None:
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    first_link = re.search(r"<a\b[^>]*>", html)
    assert first_link is not None
    assert 'href="#main"' in first_link.group(0), "the skip link must be the first link"
    assert re.search(r'<main\b[^>]*\bid="main"', html)
    assert "<header" in html
    assert re.search(r'<nav\b[^>]*aria-label="Main"', html)
    assert "<footer" in html
    assert '<html lang="en">' in html


def test_base_page_loads_bootstrap_and_its_script_from_this_site(client: Client) -> None:
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in html
    assert 'src="/static/bootstrap/js/bootstrap.bundle.min.js"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/static/bootstrap/css/bootstrap.min.css",
        "/static/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/plotly/plotly-charts.min.js",
        "/static/css/app.css",
    ],
)
def test_vendored_assets_are_served_by_this_site(client: Client, path: str) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find(path.removeprefix("/static/")) is not None


def test_the_pages_plotly_is_the_plotly_packages_version_cut_down() -> None:
    """The pages load plotly.js built from the same version the plotly package ships (the
    figures' JSON comes from that package), with only the trace types we draw."""
    full = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    ours = settings.BASE_DIR / "static" / "vendor" / "plotly" / "plotly-charts.min.js"
    version = re.search(r"plotly\.js v(\S+)", full.read_text()[:200])
    banner = re.search(r"plotly\.js v(\S+),", ours.read_text()[:200])
    assert version is not None
    assert banner is not None
    assert banner.group(1) == version.group(1)
    assert ours.stat().st_size < full.stat().st_size / 3

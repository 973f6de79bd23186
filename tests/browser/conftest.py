"""A real Chromium driven by Playwright against the live test server, with axe-core checks."""

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


# The serious and critical WCAG 2.x A/AA rules fail a test; minor ones are reported only.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}


def _missing(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Any]:
    """One Chromium for the tests of this folder, which run one after another (in a serial run;
    with xdist, each half on one worker: conftest.py puts them in the groups "browser" and
    "browser-2"); it is closed when the run leaves the folder. The test database exists before
    Playwright starts its event loop in this thread; while the loop lives, Django's guard
    against ORM calls from an async context would refuse the test's own (synchronous) database
    work, so it is lifted for exactly that long, and the tests after this folder run with the
    guard (and without the loop, which would also break async_to_sync in this thread)."""
    if CHROMIUM is None:
        _missing("no chromium on this machine (apt-get install chromium).")
    if not AXE.exists():
        _missing("axe-core is not installed (make install runs npm ci).")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# How long a test waits for a page whose request builds a report in-process (tasks run eagerly
# in tests): seconds on a quiet machine, over 15 s on a loaded one. Not a speed check.
REPORT_IN_REQUEST_MS = 60_000


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []

    def record(message: Any) -> None:
        # A form answered 400 (invalid input) or 409 (a stale save) on purpose is not an error
        # of the page; anything else the console calls an error (a CSP violation, a missing
        # file, a script error) is.
        text = message.text
        if message.type == "error" and not any(f"status of {s} " in text for s in (400, 409)):
            errors.append(text)

    page.on("console", record)
    page.console_errors = errors
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG A/AA violations on the page as it is now."""
    # evaluate() runs through the DevTools protocol, so our CSP (no inline script) still
    # applies to the page while axe is loaded for the check.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe found on {page.url}: {violations}"


def captions_below_their_table(page: Any) -> list[str]:
    """The shown captions that do not come above their table (Bootstrap puts them under)."""
    result: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('table'))
            .filter(t => t.caption && !t.caption.classList.contains('visually-hidden'))
            .filter(t => t.caption.getBoundingClientRect().bottom
                         > (t.tHead || t.tBodies[0]).getBoundingClientRect().top + 1)
            .map(t => t.caption.textContent.trim())"""
    )
    return result


def chart_titles_reached_by_the_mode_bar(page: Any) -> list[str]:
    """Titles of the drawn charts that do not start below their mode bar (when it is shown):
    on a phone the bar, at the top right, would cover the title at the top left."""
    charts = page.locator(".report-chart.js-plotly-plot")
    assert charts.count() > 0, "no chart was drawn"
    result: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('.report-chart.js-plotly-plot'))
            .filter(el => {
                const bar = el.querySelector('.modebar');
                const title = el.querySelector('.gtitle');
                return bar && title && bar.getBoundingClientRect().height > 0
                    && title.getBoundingClientRect().top < bar.getBoundingClientRect().bottom;
            })
            .map(el => el.querySelector('.gtitle').textContent)"""
    )
    return result


def charts_not_drawn(page: Any) -> list[str]:
    """Charts of the page that did not draw once scrolled to (each is drawn when it comes near
    the screen), or drew a trace whose type our cut-down plotly.js does not register (Plotly
    then draws that trace as a scatter instead of failing)."""
    charts = page.locator(".report-chart")
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
        with contextlib.suppress(PlaywrightTimeout):
            charts.nth(i).locator("svg.main-svg").first.wait_for(timeout=5_000)
    result: list[str] = page.evaluate(
        """() => Array.from(document.querySelectorAll('.report-chart'))
            .filter(el => !el.querySelector('svg.main-svg') || !el._fullData
                || el._fullData.some(t => (el.data[t.index].type || 'scatter') !== t.type))
            .map(el => el.id || el.className)"""
    )
    return result


def assert_charts_and_tables_read_well(page: Any, *, chart: str) -> None:
    """At a desktop width and at a phone's (390 px): captions above their tables, and no
    chart title under Plotly's mode bar."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        page.wait_for_selector(f"{chart} svg.main-svg")
        assert charts_not_drawn(page) == [], width
        assert captions_below_their_table(page) == [], width
        assert chart_titles_reached_by_the_mode_bar(page) == [], width
    page.set_viewport_size({"width": 1280, "height": 900})

"""The worker's headless Chromium: chart images (SVG) drawn by Plotly.js, and PDFs printed.

One browser per process, with one context holding two pages: one that loaded the plotly.min.js
shipped in the plotly package once and answers `Plotly.toImage` calls (about 0.05 s a chart
once warm), and one that documents are loaded into and printed from. Playwright's
synchronous API keeps an event loop in the thread that starts it, and Django refuses ORM
calls from such a thread, so the browser lives in a thread of its own and the caller waits on
a queue.
"""

import json
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Every figure of a report in one evaluate: one round trip to the browser, not one a chart.
ALL_TO_SVG = """async ([figures, w, h]) => {
    const out = [];
    for (const f of figures) {
        out.push(await Plotly.toImage(f, {format: 'svg', width: w, height: h}));
    }
    return out;
}"""
# The same as PNG, at twice the pixels (sharp when printed), for Word documents.
ALL_TO_PNG = """async ([figures, w, h]) => {
    const out = [];
    for (const f of figures) {
        out.push(await Plotly.toImage(f, {format: 'png', width: w, height: h, scale: 2}));
    }
    return out;
}"""


class ChartImageError(RuntimeError):
    """Charts could not be drawn; the message says what a person can do about it."""


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise ChartImageError(
            "Chart images need Chromium on the machine that builds reports "
            "(Debian: apt-get install chromium)."
        )
    return path


@dataclass(frozen=True)
class Pages:
    """The browser's two pages, in one context: Plotly loaded in one, documents in the other."""

    charts: Any  # playwright.sync_api.Page
    documents: Any


Job = tuple[Callable[[Pages], Any], "Future[Any]"]


class _Renderer(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="chart-renderer", daemon=True)
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.ready: Future[None] = Future()

    def run(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                context = browser.new_context()
                charts = context.new_page()
                # Chromium reads plotly.min.js from disk: handed over as a script's content,
                # its 4.6 MB stayed in Playwright's driver and the page, 150 MB of PSS more.
                with tempfile.TemporaryDirectory(prefix="lhs-charts-") as folder:
                    harness = Path(folder) / "charts.html"
                    harness.write_text(
                        "<!DOCTYPE html><html><body><div id='c'></div>"
                        f"<script src='{PLOTLY_JS.as_uri()}'></script></body></html>",
                        encoding="utf-8",
                    )
                    charts.goto(harness.as_uri(), wait_until="load")
                pages = Pages(charts=charts, documents=context.new_page())
                self.ready.set_result(None)
                while (job := self.jobs.get()) is not None:
                    work, done = job
                    try:
                        done.set_result(work(pages))
                    except Exception as exc:  # handed to the waiting caller
                        done.set_exception(exc)
                browser.close()
        except Exception as exc:
            if not self.ready.done():
                self.ready.set_exception(exc)


_renderer: _Renderer | None = None
_lock = threading.Lock()


def _get_renderer() -> _Renderer:
    global _renderer
    with _lock:
        if _renderer is None or not _renderer.is_alive():
            _renderer = _Renderer()
            _renderer.start()
        renderer = _renderer
    try:
        renderer.ready.result(timeout=60)
    except ChartImageError:
        raise
    except Exception as exc:
        raise ChartImageError(f"Chromium could not be started for chart images: {exc}") from exc
    return renderer


def _in_browser(work: Callable[[Pages], Any], timeout: float) -> Any:
    """Run `work` in the browser's thread and wait for its result."""
    done: Future[Any] = Future()
    _get_renderer().jobs.put((work, done))
    return done.result(timeout=timeout)


def warm_up() -> None:
    """Start the browser now (a worker calls this when its process starts)."""
    _get_renderer()


def figures_to_svg(
    figures: list[go.Figure],
    *,
    width: int = 900,
    height: int = 460,
    timeout: float = 60,
) -> list[str]:
    """SVG markup of each figure, in order, all drawn in one call to the browser."""
    specs = [json.loads(f.to_json()) for f in figures]

    def draw(pages: Pages) -> list[str]:
        drawn: list[str] = pages.charts.evaluate(ALL_TO_SVG, [specs, width, height])
        return drawn

    urls: list[str] = _in_browser(draw, timeout)
    return [_svg_from_data_url(u) for u in urls]


def figures_to_png(
    figures: list[go.Figure],
    *,
    width: int = 900,
    height: int = 460,
    timeout: float = 60,
) -> list[bytes]:
    """PNG images of each figure, in order (Word documents take no SVG), in one browser call."""
    import base64

    specs = [json.loads(f.to_json()) for f in figures]

    def draw(pages: Pages) -> list[str]:
        drawn: list[str] = pages.charts.evaluate(ALL_TO_PNG, [specs, width, height])
        return drawn

    prefix = "data:image/png;base64,"
    urls: list[str] = _in_browser(draw, timeout)
    if not all(u.startswith(prefix) for u in urls):
        raise ChartImageError("Plotly did not return a PNG image.")
    return [base64.b64decode(u[len(prefix) :]) for u in urls]


def html_to_pdf(html: str, *, timeout: float = 60) -> bytes:
    """The PDF of a self-contained HTML document, printed by the same browser: tagged (headings,
    tables with header cells, image alternatives, language, title) with bookmarks from the
    headings; page size and margins from the document's own @page rule."""

    def print_(pages: Pages) -> bytes:
        page = pages.documents
        page.set_content(html, wait_until="load")
        pdf: bytes = page.pdf(
            tagged=True, outline=True, print_background=True, prefer_css_page_size=True
        )
        page.set_content("")  # do not keep the last document's images in memory
        return pdf

    pdf: bytes = _in_browser(print_, timeout)
    return pdf


def _svg_from_data_url(url: str) -> str:
    from urllib.parse import unquote

    prefix = "data:image/svg+xml,"
    if not url.startswith(prefix):
        raise ChartImageError("Plotly did not return an SVG image.")
    return unquote(url[len(prefix) :])

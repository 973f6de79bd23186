"""Static chart images (SVG) for the PDF, drawn by Plotly.js in a headless Chromium.

One browser page per process loads the plotly.min.js shipped in the plotly package once and
answers `Plotly.toImage` calls: about 0.05 s a chart once warm. Playwright's synchronous API
keeps an event loop in the thread that starts it, and Django refuses ORM calls from such a
thread, so the browser lives in a thread of its own and the caller waits on a queue.
"""

import json
import queue
import shutil
import threading
from concurrent.futures import Future
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


class _Renderer(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="chart-renderer", daemon=True)
        self.jobs: queue.Queue[tuple[list[dict[str, Any]], int, int, Future[list[str]]] | None] = (
            queue.Queue()
        )
        self.ready: Future[None] = Future()

    def run(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.set_content("<!DOCTYPE html><html><body><div id='c'></div></body></html>")
                page.add_script_tag(content=PLOTLY_JS.read_text(encoding="utf-8"))
                self.ready.set_result(None)
                while (job := self.jobs.get()) is not None:
                    figures, width, height, done = job
                    try:
                        done.set_result(
                            [
                                page.evaluate(
                                    "([f, w, h]) => Plotly.toImage(f, "
                                    "{format: 'svg', width: w, height: h})",
                                    [fig, width, height],
                                )
                                for fig in figures
                            ]
                        )
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


def warm_up() -> None:
    """Start the browser now (a worker calls this when its process starts)."""
    _get_renderer()


def figures_to_svg(
    figures: list[go.Figure], *, width: int = 900, height: int = 460, timeout: float = 60
) -> list[str]:
    """SVG markup of each figure, in order."""
    renderer = _get_renderer()
    done: Future[list[str]] = Future()
    specs = [json.loads(f.to_json()) for f in figures]
    renderer.jobs.put((specs, width, height, done))
    urls = done.result(timeout=timeout)
    return [_svg_from_data_url(u) for u in urls]


def _svg_from_data_url(url: str) -> str:
    from urllib.parse import unquote

    prefix = "data:image/svg+xml,"
    if not url.startswith(prefix):
        raise ChartImageError("Plotly did not return an SVG image.")
    return unquote(url[len(prefix) :])

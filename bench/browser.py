"""Page weight in a real browser: bytes transferred and time to the load event of the main
pages in Debian's Chromium, on a first visit (empty cache) and on the next (cached).

Bytes are what came over the wire (compressed), summed over the page and everything it loaded,
read from the DevTools protocol's `encodedDataLength`; a file taken from the cache adds nothing.
"""

from __future__ import annotations

import statistics
from typing import Any

from playwright.sync_api import sync_playwright

ROUNDS = 5  # first and repeat visits per page, in fresh browser contexts


def _visit(page: Any, cdp: Any, url: str) -> tuple[int, float]:
    """Bytes over the wire and milliseconds to the load event of one visit of `url`."""
    received: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        received[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    load_ms = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    cdp.remove_listener("Network.loadingFinished", finished)
    return sum(received.values()), float(load_ms)


def page_weights(
    port: int, pages: dict[str, tuple[str, str | None]]
) -> dict[str, dict[str, float]]:
    """For each page (name -> path and a `name=value` session cookie or None): median bytes
    and load time of the first visit and of the next one in the same browser."""
    results: dict[str, dict[str, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            for name, (path, cookie) in pages.items():
                first: list[tuple[int, float]] = []
                repeat: list[tuple[int, float]] = []
                for _ in range(ROUNDS):
                    context = browser.new_context(viewport={"width": 1366, "height": 900})
                    if cookie:
                        key, value = cookie.split("=", 1)
                        context.add_cookies(
                            [{"name": key, "value": value, "url": f"http://127.0.0.1:{port}"}]
                        )
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    url = f"http://127.0.0.1:{port}{path}"
                    first.append(_visit(page, cdp, url))
                    repeat.append(_visit(page, cdp, url))
                    context.close()
                results[name] = {
                    "first_kb": round(statistics.median(b for b, _ in first) / 1024, 1),
                    "first_ms": round(statistics.median(t for _, t in first)),
                    "repeat_kb": round(statistics.median(b for b, _ in repeat) / 1024, 1),
                    "repeat_ms": round(statistics.median(t for _, t in repeat)),
                }
        finally:
            browser.close()
    return results

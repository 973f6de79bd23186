"""Lighthouse scores of the main pages (performance and accessibility), in Debian's Chromium.

Lighthouse comes from the npm registry (`npm exec`, cached after the first run); it never
downloads a browser. Each page is scored with Lighthouse's desktop settings (our people work
at a desk for hours) and with its default, a throttled phone, printed beside them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

LIGHTHOUSE = "lighthouse@12.8.2"
CHROMIUM = "/usr/bin/chromium"


def _score(url: str, cookie: str | None, *, desktop: bool) -> dict[str, int]:
    command = [
        "npm", "exec", "--yes", f"--package={LIGHTHOUSE}", "--", "lighthouse", url,
        "--quiet", "--output=json", "--output-path=stdout",
        "--only-categories=performance,accessibility",
        "--chrome-flags=--headless=new --no-sandbox",
    ]  # fmt: skip
    if desktop:
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:  # say what Lighthouse said, not only that it failed
        raise SystemExit(f"Lighthouse failed on {url}: {done.stderr.strip()[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return {name: round(100 * c["score"]) for name, c in report["categories"].items()}


def lighthouse_scores(
    port: int, pages: dict[str, tuple[str, str | None]]
) -> dict[str, dict[str, int]] | dict[str, str]:
    """Per page: desktop performance and accessibility, and the phone's performance."""
    if shutil.which("npm") is None or not os.path.exists(CHROMIUM):
        return {"skipped": "needs npm and Debian's chromium"}
    results: dict[str, dict[str, int]] = {}
    for name, (path, cookie) in pages.items():
        url = f"http://127.0.0.1:{port}{path}"
        desktop = _score(url, cookie, desktop=True)
        phone = _score(url, cookie, desktop=False)
        results[name] = {
            "performance": desktop["performance"],
            "accessibility": desktop["accessibility"],
            "performance_phone": phone["performance"],
        }
    return results

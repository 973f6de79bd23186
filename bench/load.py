"""A bounded load run on loopback: quality leads saving answers while staff read.

Run by bench/run.py against its gunicorn: LOAD_LEADS leads (default 50), each signed in to
their own organization's draft assessment, loop over reading the overview, opening a
commitment page and saving every criterion of it with new levels; LOAD_STAFF staff (default
5) read the review queue and a review page. Every request is bounded by a 10 s timeout and
the run by LOAD_SECONDS (default 120). Afterwards every save answered as saved is checked
against the database: the last level saved for each criterion must be the one stored.
"""

import http.client
import json
import random
import re
import statistics
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="([a-z0-9-]+)-version" value="(\d+)"')
COMMITMENTS = ["engaged", "safe", "effective", "efficient", "fair", "accessible",
               "accountable", "transparent", "secure", "adaptive"]  # fmt: skip


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    saves: int = 0
    # (assessment pk, criterion code) -> last level answered as saved
    last_saved: dict[tuple[int, str], int] = field(default_factory=dict)

    def add(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


class Browser:
    """One signed-in person's HTTP connection with its cookies."""

    def __init__(self, port: int, cookie: str, tally: Tally) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
        self.tally = tally

    def _headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Host": "127.0.0.1", "Cookie": cookie}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = self._headers()
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers |= {"Content-Type": "application/x-www-form-urlencoded",
                        "Referer": f"http://127.0.0.1{path}"}  # fmt: skip
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.add(time.perf_counter() - start, f"{method} {path}: {exc!r}")
            self.conn.close()
            return 0, ""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        ok = response.status in (200, 302)
        self.tally.add(
            time.perf_counter() - start, None if ok else f"{method} {path}: {response.status}"
        )
        return response.status, text


def lead_loop(browser: Browser, assessment: int, stop: Callable[[], bool], seed: int) -> None:
    rng = random.Random(seed)
    while not stop():
        browser.request("GET", f"/assessments/{assessment}/")
        code = rng.choice(COMMITMENTS)
        path = f"/assessments/{assessment}/commitments/{code}/"
        status, html = browser.request("GET", path)
        token = TOKEN.search(html)
        if status != 200 or token is None:
            continue
        form = {"csrfmiddlewaretoken": token.group(1)}
        chosen: dict[str, int] = {}
        for criterion, version in VERSION.findall(html):
            level = rng.randint(1, 5)
            chosen[criterion] = level
            form |= {f"{criterion}-version": version, f"{criterion}-level": str(level),
                     f"{criterion}-evidence": f"Load run note {rng.random():.6f}"}  # fmt: skip
        status, _ = browser.request("POST", path, form)
        if status == 302:
            with browser.tally.lock:
                browser.tally.saves += 1
                for criterion, level in chosen.items():
                    browser.tally.last_saved[(assessment, criterion)] = level


def staff_loop(browser: Browser, review_paths: list[str], stop: Callable[[], bool]) -> None:
    i = 0
    while not stop():
        browser.request("GET", "/consortium/reviews/")
        browser.request("GET", review_paths[i % len(review_paths)])
        i += 1


def run(
    *, port: int, leads: list[tuple[str, int]], staff: list[str], review_paths: list[str],
    seconds: float,
) -> dict[str, object]:  # fmt: skip
    """Run the load; `leads` are (session cookie, draft assessment pk), `staff` cookies."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def stop() -> bool:
        return time.monotonic() >= deadline

    threads = [
        threading.Thread(target=lead_loop, args=(Browser(port, c, tally), pk, stop, n))
        for n, (c, pk) in enumerate(leads)
    ] + [
        threading.Thread(target=staff_loop, args=(Browser(port, c, tally), review_paths, stop))
        for c in staff
    ]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    elapsed = time.monotonic() - started
    q = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0] * 99
    return {
        "seconds": round(elapsed, 1),
        "users": len(leads) + len(staff),
        "requests": tally.requests,
        "requests_per_s": round(tally.requests / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "saves": tally.saves,
        "last_saved": {f"{a}:{c}": level for (a, c), level in tally.last_saved.items()},
    }


def lost_saves(last_saved: dict[str, int]) -> int:
    """Saves answered as saved whose level is not what the database holds now."""
    from assessments.models import Answer

    lost = 0
    wanted: dict[int, dict[str, int]] = {}
    for key, level in last_saved.items():
        assessment, criterion = key.split(":", 1)
        wanted.setdefault(int(assessment), {})[criterion] = level
    for assessment, levels in wanted.items():
        stored = dict(
            Answer.objects.filter(
                assessment_id=assessment, criterion__code__in=list(levels)
            ).values_list("criterion__code", "level")
        )
        lost += sum(1 for code, level in levels.items() if stored.get(code) != level)
    return lost


if __name__ == "__main__":
    print(json.dumps({"usage": "run by bench/run.py"}))

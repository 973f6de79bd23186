"""How many people one machine serves: a load of real people, who read and think.

Leads open their assessment, then a commitment, and change a few criteria one at a time the
way the scoring page does (an autosave per change), pausing a few seconds between actions;
staff read the dashboard, the review queue and a submission, pausing longer. The number of
people is raised step by step (PEOPLE_STEPS, default 10,20,30,40,50,60,80,100,150,200;
PEOPLE_SECONDS a step, default 40); the served figure is the largest step whose p95 stays under
300 ms with no error, so the steps are close together where one 2-core machine's limit lies.
Pauses are random, 2-8 s for leads and 5-15 s for staff; one in ten people is staff.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STEPS = [
    int(n) for n in os.environ.get("PEOPLE_STEPS", "10,20,30,40,50,60,80,100,150,200").split(",")
]
STEP_SECONDS = float(os.environ.get("PEOPLE_SECONDS", "40"))
TARGET_P95_MS = 300.0
IDLE_SECONDS = 1.5
WARMUP_SECONDS = 15.0  # a first, unmeasured step: processes load code and fill their pools
LEAD_PAUSE = (2.0, 8.0)
STAFF_PAUSE = (5.0, 15.0)
COMMITMENTS = ["engaged", "safe", "effective", "efficient", "fair", "accessible",
               "accountable", "transparent", "secure", "adaptive"]  # fmt: skip
SECTION = re.compile(r'data-code="([a-z0-9-]+)"\s+data-prefix="[^"]*"\s+data-save-url="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


class Person:
    """One signed-in person's connection and cookies."""

    def __init__(self, port: int, cookie: str, tally: Tally) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
        self.tally = tally
        self.token = ""
        self.last = 0.0

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> str:
        headers = {
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        data = None
        if body is not None:
            data = json.dumps(body)
            headers |= {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": self.token,
                "Referer": f"http://127.0.0.1:{self.port}/",
            }
        start = time.perf_counter()
        if start - self.last > IDLE_SECONDS:
            # A browser's idle keep-alive connection is closed by the server after a pause
            # (gunicorn: 2 s); it opens a new one, as here.
            self.conn.close()
        self.last = start
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.add(time.perf_counter() - start, f"{method} {path}: {exc!r}")
            self.conn.close()
            return ""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        ok = response.status == 200
        self.tally.add(
            time.perf_counter() - start, None if ok else f"{method} {path}: {response.status}"
        )
        return text


def _pause(stop: Callable[[], bool], rng: random.Random, span: tuple[float, float]) -> None:
    until = time.monotonic() + rng.uniform(*span)
    while time.monotonic() < until and not stop():
        time.sleep(0.1)


def lead(person: Person, assessment: int, stop: Callable[[], bool], seed: int) -> None:
    rng = random.Random(seed)
    _pause(stop, rng, (0, LEAD_PAUSE[1]))  # people do not all arrive in the same second
    while not stop():
        person.request("GET", f"/assessments/{assessment}/")
        _pause(stop, rng, LEAD_PAUSE)
        html = person.request(
            "GET", f"/assessments/{assessment}/commitments/{rng.choice(COMMITMENTS)}/"
        )
        token = TOKEN.search(html)
        sections = SECTION.findall(html)
        if token is None or not sections:
            continue
        person.token = token.group(1)
        versions = dict(re.findall(r'name="([a-z0-9-]+)-version" value="(\d+)"', html))
        for code, url in rng.sample(sections, k=min(len(sections), rng.randint(2, 4))):
            if stop():
                return
            _pause(stop, rng, LEAD_PAUSE)
            body = {"version": int(versions.get(code, 0)), "level": str(rng.randint(1, 5))}
            answer = person.request("POST", url, body)
            if answer:
                versions[code] = str(json.loads(answer).get("version", versions.get(code)))


def staff(person: Person, reviews: list[str], stop: Callable[[], bool], seed: int) -> None:
    rng = random.Random(seed)
    _pause(stop, rng, (0, STAFF_PAUSE[1]))
    while not stop():
        for path in ("/consortium/dashboard/", "/consortium/reviews/", rng.choice(reviews)):
            person.request("GET", path)
            _pause(stop, rng, STAFF_PAUSE)


def step(
    *, port: int, people: int, leads: list[tuple[str, int]], staff_cookies: list[str],
    reviews: list[str], seconds: float,
) -> dict[str, Any]:  # fmt: skip
    """`people` people for `seconds`: one in ten staff, the rest leads of their own drafts."""
    tally = Tally()
    deadline = time.monotonic() + seconds

    def stop() -> bool:
        return time.monotonic() >= deadline

    n_staff = max(1, people // 10)
    n_leads = min(people - n_staff, len(leads))
    threads = [
        threading.Thread(target=lead, args=(Person(port, c, tally), pk, stop, i))
        for i, (c, pk) in enumerate(leads[:n_leads])
    ] + [
        threading.Thread(
            target=staff,
            args=(Person(port, staff_cookies[i % len(staff_cookies)], tally), reviews, stop, i),
        )
        for i in range(n_staff)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    q = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    return {
        "people": n_leads + n_staff,
        "requests_per_s": round(len(tally.latencies) / seconds, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:3],
    }


def served(steps: list[dict[str, Any]]) -> int:
    """The most people of a step with p95 under the target and no error (0 if none)."""
    good = [
        int(s["people"]) for s in steps if float(s["p95_ms"]) < TARGET_P95_MS and s["errors"] == 0
    ]
    return max(good, default=0)


def ramp(
    *, port: int, leads: list[tuple[str, int]], staff_cookies: list[str], reviews: list[str]
) -> dict[str, Any]:
    """Every step in turn, stopping after the first that misses the target."""
    steps: list[dict[str, Any]] = []
    step(port=port, people=STEPS[0], leads=leads, staff_cookies=staff_cookies,
         reviews=reviews, seconds=WARMUP_SECONDS)  # fmt: skip
    for people in STEPS:
        result = step(port=port, people=people, leads=leads, staff_cookies=staff_cookies,
                      reviews=reviews, seconds=STEP_SECONDS)  # fmt: skip
        steps.append(result)
        if float(result["p95_ms"]) >= TARGET_P95_MS or result["errors"]:
            break
    return {"steps": steps, "served": served(steps)}

"""The scoring page's own writes: one criterion's autosave over HTTP, and "keep all unchanged"
on a whole carried-forward assessment.

`measure_autosave` runs against the benchmark's gunicorn (a real round trip: cookie, CSRF,
JSON, the version check, the row locks); `keep_all` and `autosave_queries` run in-process
with the same data. Each autosave changes the level, so every one of them writes.
"""

from __future__ import annotations

import http.client
import json
import re
import statistics
import time
from typing import Any

SAVES = 300
WARMUP = 20


def autosave_target() -> tuple[str, int, int, str]:
    """A lead of a draft in the newest cycle, their assessment, its first answer, its page."""
    from assessments.models import Answer, Assessment, Cycle
    from organizations.models import Membership

    cycle = Cycle.objects.order_by("-opens_on").first()
    draft = (
        Assessment.objects.filter(cycle=cycle, status=Assessment.Status.DRAFT)
        .order_by("pk")
        .first()
    )
    if draft is None:
        raise SystemExit("No draft in the newest cycle to autosave into.")
    lead = Membership.objects.filter(
        organization_id=draft.organization_id, role=Membership.Role.LEAD
    ).select_related("user")[0]
    answer = (
        Answer.objects.filter(assessment=draft, criterion__commitment__code="engaged")
        .order_by("criterion__order")
        .select_related("criterion")
        .first()
    )
    if answer is None:
        raise SystemExit("The draft has no answer to engaged.")
    page = f"/assessments/{draft.pk}/commitments/engaged/"
    return lead.user.email, draft.pk, answer.pk, page


def measure_autosave(port: int, cookie: str, page: str, url: str) -> dict[str, Any]:
    """SAVES sequential autosaves of one criterion, each from the version the last returned."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", page, headers={"Host": "127.0.0.1", "Cookie": cookie})
    response = conn.getresponse()
    body = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 200 or token is None or csrf_cookie is None:
        raise SystemExit(f"{page} answered {response.status} without a CSRF token")
    headers = {
        "Host": "127.0.0.1",
        "Cookie": f"{cookie}; csrftoken={csrf_cookie.group(1)}",
        "X-CSRFToken": token.group(1),
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Referer": f"http://127.0.0.1:{port}{page}",
    }
    version = _version(page, body)
    times: list[float] = []
    for i in range(WARMUP + SAVES):
        payload = json.dumps({"version": version, "level": str(2 + i % 2), "notes": f"save {i}"})
        start = time.perf_counter()
        conn.request("POST", url, body=payload, headers=headers)
        response = conn.getresponse()
        data = json.loads(response.read())
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200 or not data.get("saved"):
            raise SystemExit(f"autosave answered {response.status}: {data}")
        version = data["version"]
        if i >= WARMUP:
            times.append(elapsed)
    conn.close()
    q = statistics.quantiles(times, n=100)
    return {
        "saves": SAVES,
        "p50_ms": round(q[49], 2),
        "p95_ms": round(q[94], 2),
        "p99_ms": round(q[98], 2),
    }


def _version(page: str, html: str) -> int:
    found = re.search(r'name="engaged-1-version" value="(\d+)"', html)
    if found is None:
        raise SystemExit(f"{page} has no version of engaged-1")
    return int(found.group(1))


def autosave_queries(email: str, url: str, answer_pk: int) -> int:
    """SQL queries of one autosave, counted in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from assessments.models import Answer
    from organizations.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    counts = []
    for level in ("4", "5"):
        version = Answer.objects.get(pk=answer_pk).version
        body = json.dumps({"version": version, "level": level})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(url, body, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"autosave answered {response.status_code} in-process")
        counts.append(len(ctx.captured_queries))
    return counts[-1]


def keep_all() -> dict[str, Any]:
    """Time "keep all unchanged" on a whole assessment whose every answer is carried forward
    (a draft of the newest cycle, made so for the measurement), the way the page calls it."""
    from assessments.models import Answer, Assessment, Cycle
    from assessments.services import answers_keep_unchanged
    from organizations.models import Membership

    cycle = Cycle.objects.order_by("-opens_on").first()
    drafts = Assessment.objects.filter(cycle=cycle, status=Assessment.Status.DRAFT).order_by("-pk")
    draft = drafts.first()
    if draft is None:
        raise SystemExit("No draft in the newest cycle to keep.")
    lead = Membership.objects.filter(
        organization_id=draft.organization_id, role=Membership.Role.LEAD
    ).select_related("user")[0]
    answered = Answer.objects.filter(assessment=draft)
    answered.filter(level__isnull=True, not_applicable=False).update(level=3)
    # Plain carries only: one carried across a split or merge is confirmed one by one.
    criteria = answered.update(carried_forward=True, carried_kind="")
    start = time.perf_counter()
    kept = answers_keep_unchanged(assessment=draft, by=lead.user, expected=criteria)
    seconds = time.perf_counter() - start
    return {"criteria": len(kept), "ms": round(seconds * 1000, 1)}

"""Several raters: the consensus view of a round of 12 raters over every criterion, timed over
HTTP against gunicorn (target p95 under 200 ms, queries flat), and the maturity report of an
assessment with that round, built as a warm worker builds it (target p95 under 3 s).

`BENCH_ONLY=ratings make bench` (or `python bench/ratings.py`) seeds a small consortium into a
throwaway SQLite file, or uses DATABASE_URL as it is (for example the 2,000-organization
benchmark database on PostgreSQL); it adds one round to a draft assessment of the open cycle.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RATERS = 12
PARTNERS = 4  # of the twelve
REQUESTS = int(os.environ.get("BENCH_RATINGS_REQUESTS", "300"))
REPORTS = int(os.environ.get("BENCH_RATINGS_REPORTS", "5"))
WARMUP = 20
TARGET_PAGE_P95_MS = 200
TARGET_REPORT_P95_S = 3.0


def _round_of_twelve() -> tuple[Any, Any, int]:
    """A draft assessment of the open cycle with a round on every commitment, 12 raters
    (4 partners) all submitted; returns the round, its lead and the number of criteria."""
    from assessments.models import Assessment
    from organizations.models import Membership, User
    from ratings.services import (
        RatingInput,
        rater_invite,
        rater_submit,
        rating_save,
        round_criteria,
        round_open,
    )

    assessment = (
        Assessment.objects.filter(status=Assessment.Status.DRAFT, cycle__status="open")
        .select_related("cycle__rubric", "organization")
        .order_by("pk")
        .first()
    )
    if assessment is None:
        raise SystemExit("No draft assessment in an open cycle to rate.")
    lead = Membership.objects.get(
        organization=assessment.organization, role=Membership.Role.LEAD
    ).user
    from django.utils import timezone

    rnd = round_open(
        assessment=assessment,
        commitments=list(assessment.cycle.rubric.commitments.all()),
        closes_on=timezone.localdate(),
        named=False,
        by=lead,
    )
    criteria = round_criteria(rnd)
    rng = random.Random(7)
    slug = assessment.organization.slug
    for i in range(RATERS):
        partner = i < PARTNERS
        user, _ = User.objects.get_or_create(email=f"bench-rater{i}@{slug}.bench.test")
        role = Membership.Role.PARTNER if partner else Membership.Role.CONTRIBUTOR
        Membership.objects.get_or_create(
            user=user, organization=assessment.organization, defaults={"role": role}
        )
        rater = rater_invite(rnd=rnd, user=user, is_partner=partner, by=lead)
        for criterion in criteria:
            level = None if rng.random() < 0.05 else rng.randint(1, 5)
            rating_save(
                rater=rater, criterion=criterion,
                data=RatingInput(level, level is None, "A sentence of rationale."),
            )  # fmt: skip
        rater_submit(rater=rater)
    return rnd, lead, len(criteria)


def _cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def measure_page(port: int, path: str, cookie: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1", "Cookie": cookie, "Accept-Encoding": "gzip"}
    times: list[float] = []
    for i in range(WARMUP + REQUESTS):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:200]!r}")
        if i >= WARMUP:
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    q = statistics.quantiles(times, n=100)
    return {"p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1)}


def page_queries(path: str, user: Any) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def report_times(rnd: Any, lead: Any) -> dict[str, Any]:
    """Submit the assessment, then build its maturity report REPORTS times in a warm process."""
    from django.conf import settings

    from assessments.models import Answer
    from assessments.services import (
        AnswerInput,
        answer_confirm,
        answers_save,
        assessment_submit,
    )
    from reports.images import warm_up
    from reports.models import Report
    from reports.pipeline import report_build
    from reports.services import maturity_fingerprint

    assessment = rnd.assessment
    blank = {
        a.pk: (a.version, AnswerInput(3, False, "", "", [], "", ""))
        for a in Answer.objects.filter(assessment=assessment, level__isnull=True).filter(
            not_applicable=False
        )
    }
    if blank:
        answers_save(assessment=assessment, answers=blank, by=lead)
    for carried in Answer.objects.filter(assessment=assessment, carried_forward=True):
        answer_confirm(answer=carried, by=lead)
    assessment = assessment_submit(assessment=assessment, by=lead)
    settings.MEDIA_ROOT = ROOT / "var" / "bench-media"
    warm_up()
    totals = []
    for _ in range(REPORTS):
        Report.objects.filter(assessment=assessment).delete()
        report = Report.objects.create(
            kind=Report.Kind.MATURITY,
            assessment=assessment,
            fingerprint=maturity_fingerprint(assessment=assessment),
        )
        start = time.perf_counter()
        report_build(report_id=report.pk)
        totals.append(time.perf_counter() - start)
    totals.sort()
    p95 = totals[-1] if len(totals) < 20 else statistics.quantiles(totals, n=20)[18]
    return {"reports": len(totals), "p50_s": round(statistics.median(totals), 2),
            "p95_s": round(p95, 2)}  # fmt: skip


def lines(figures: dict[str, Any]) -> list[str]:
    page, report = figures["page"], figures["report"]
    ok_page = "within" if page["p95_ms"] < TARGET_PAGE_P95_MS else "OVER"
    ok_report = "within" if report["p95_s"] < TARGET_REPORT_P95_S else "OVER"
    return [
        f"Consensus view, {RATERS} raters ({PARTNERS} partners) x {figures['criteria']} criteria, "
        f"{REQUESTS} requests, {figures['database']}: p50 {page['p50_ms']} ms, p95 "
        f"{page['p95_ms']} ms, p99 {page['p99_ms']} ms, {figures['queries']} queries "
        f"({ok_page} the {TARGET_PAGE_P95_MS} ms target)",
        f"Maturity report with that round, {report['reports']} builds in a warm process: "
        f"p50 {report['p50_s']} s, slowest {report['p95_s']} s ({ok_report} the "
        f"{TARGET_REPORT_P95_S:g} s target)",
    ]


def main() -> None:
    env = dict(os.environ)
    if "DATABASE_URL" not in env:
        db_file = ROOT / "var" / "bench-ratings.sqlite3"
        db_file.parent.mkdir(parents=True, exist_ok=True)
        for stale in db_file.parent.glob(db_file.name + "*"):
            stale.unlink()
        env["DATABASE_URL"] = f"sqlite:///{db_file}"
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["load_rubric", "--publish"],
            ["seed_demo", "--allow-without-debug", "--organizations", "30", "--cycles", "2"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT,
                env={**env, "DJANGO_SETTINGS_MODULE": "lhs_assess.settings.local",
                     "DJANGO_DEBUG": "0"},
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
    env["DJANGO_SETTINGS_MODULE"] = "lhs_assess.settings.local"
    env["DJANGO_DEBUG"] = "0"
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,testserver")
    # The pages' static files under hashed names, as production serves them.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    rnd, lead, criteria = _round_of_twelve()
    path = f"/ratings/rounds/{rnd.pk}/results/"
    from bench.serve import gunicorn

    with gunicorn(env) as port:
        page = measure_page(port, path, _cookie(lead))
    figures = {
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "criteria": criteria,
        "page": page,
        "queries": page_queries(path, lead),
        "report": report_times(rnd, lead),
    }
    for text in lines(figures):
        print(text)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()

"""Benchmarks: serve the site with gunicorn and measure pages; print figures, write JSON.

Run by `make bench`. Uses DATABASE_URL when set (PostgreSQL), a throwaway SQLite file otherwise.
An empty database is first seeded with a synthetic consortium (BENCH_ORGANIZATIONS, default
2,000, three cycles), and the seeding is timed; a database that holds cycles is used as it is.
Then maturity reports are built in a separate process, as a warm worker builds them.

BENCH_ONLY=reports runs only the report sections (builds in a warm worker, and the scale-out
with one and two workers); BENCH_ONLY=workbook only the workbook round trip (seconds, on a
database of its own); BENCH_ONLY=api only the API's answers list (bench/api.py, on a small
consortium of its own unless DATABASE_URL is set: under a minute); BENCH_ONLY=ratings only the
consensus view of 12 raters and a report with their round (bench/ratings.py, the same way);
unset, everything runs.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "latest.json"
REQUESTS_PER_PAGE = int(os.environ.get("BENCH_REQUESTS", "300"))
ORGANIZATIONS = int(os.environ.get("BENCH_ORGANIZATIONS", "2000"))
WARMUP = 20
ONLY = os.environ.get("BENCH_ONLY", "")
if ONLY not in ("", "reports", "workbook", "api", "ratings"):
    raise SystemExit(
        f"BENCH_ONLY={ONLY!r}: 'reports', 'workbook', 'api', 'ratings' (or unset, for "
        "everything) are known"
    )

# name -> (path, who: "member", "staff", or None for signed out); member pages of one lead's
# own assessment are added once the data is known (see _member_pages).
PAGES: dict[str, tuple[str, str | None]] = {
    # Signed in, base template, no queries of its own (the home page has had its own since it
    # became the to-do list).
    "floor": ("/accessibility/", "member"),
    "home": ("/", "member"),
    "home_staff": ("/", "staff"),
    "rubric": ("/rubric/", "member"),
    "rubric_commitment": ("/rubric/engaged/", "member"),
    "sign_in": ("/accounts/login/", None),
    "healthz": ("/healthz", None),
    # The consortium dashboard over every organization of the newest cycle, and its export.
    "dashboard": ("/consortium/dashboard/", "staff"),
    "dashboard_region": ("/consortium/dashboard/?region=midwest", "staff"),
    "export_scores_xlsx": ("/consortium/dashboard/scores/?format=xlsx", "staff"),
}
# The five pages people spend their time on, weighed in Chromium (bench/browser.py).
BROWSED = ("home", "commitment_form", "dashboard", "report_page", "review_page")
MEMBER = "bench@example.org"
STAFF = "bench-staff@example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    env["DJANGO_SETTINGS_MODULE"] = "lhs_assess.settings.local"
    env["DJANGO_DEBUG"] = "0"  # measure what production does, not the debug toolbar of errors
    # The API bench asks far faster than a tool may: its token's rate limit is lifted.
    env.setdefault("API_RATE_LIMIT", "1000000/hour")
    return env


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _session_cookie(email: str = MEMBER, *, staff: bool = False) -> str:
    """A signed-in session for a bench user, made the way Django's login makes one.

    A staff user belongs to the staff group and has an authenticator app, which is all the
    two-factor middleware asks of a session.
    """
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from organizations.models import STAFF_GROUP, User

    user, _ = User.objects.get_or_create(email=email)
    if staff:
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
        if not is_mfa_enabled(user, types=["totp"]):
            TOTP.activate(user, generate_totp_secret())
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _measure(port: int, path: str, cookie: str | None) -> dict[str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    times: list[float] = []
    for i in range(WARMUP + REQUESTS_PER_PAGE):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:  # a redirect to sign-in would measure the wrong page
            raise SystemExit(f"{path} answered {response.status}, not 200")
        if i >= WARMUP:
            times.append(elapsed)
    conn.close()
    q = statistics.quantiles(times, n=100)
    return {"p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2)}


def _seed(manage: list[str], env: dict[str, str]) -> dict[str, object]:
    """Seed the consortium the pages are measured against; its time, or why it was skipped."""
    seed = [*manage, "seed_demo", "--allow-without-debug", "--cycles", "3"]
    seed += ["--organizations", str(ORGANIZATIONS)]
    start = time.perf_counter()
    done = subprocess.run(seed, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 1)
    summary = [line for line in done.stdout.splitlines() if line.startswith("Seeded ")]
    if not summary:
        return {"skipped": "the database already holds cycles"}
    return {"organizations": ORGANIZATIONS, "cycles": 3, "seconds": seconds, "summary": summary[0]}


def _in_own_process(script: str, env: dict[str, str]) -> dict[str, object]:
    """Run bench/<script> in a fresh process (so its memory is its own); its last line is JSON."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _member_pages() -> tuple[str, dict[str, str]]:
    """A lead whose organization's newest-cycle assessment is submitted and has a ready
    report (bench/reports.py built it), and the member pages to measure for them."""
    from organizations.models import Membership
    from reports.models import Report

    report = (
        Report.objects.filter(status=Report.Status.READY, assessment__isnull=False)
        .select_related("assessment")
        .order_by("pk")
        .first()
    )
    if report is None or report.assessment is None:
        raise SystemExit("No ready report to measure pages against.")
    assessment = report.assessment
    lead = (
        Membership.objects.filter(
            organization_id=assessment.organization_id, role=Membership.Role.LEAD
        )
        .select_related("user")
        .first()
    )
    if lead is None:
        raise SystemExit("The measured organization has no lead.")
    pages = {
        "assessment_overview": f"/assessments/{assessment.pk}/",
        "commitment_form": f"/assessments/{assessment.pk}/commitments/engaged/",
        "report_page": f"/reports/assessments/{assessment.pk}/",
    }
    return lead.user.email, pages


REVIEW_COMMENTS = 100


def _review_page() -> str:
    """The review page of a submitted assessment of the newest cycle, with 100 comments spread
    over its criteria's threads (written once; a second run finds them)."""
    from assessments.models import Assessment, Comment, Cycle
    from assessments.services import comment_add
    from commitments.models import Criterion
    from organizations.models import User

    cycle = Cycle.objects.order_by("-opens_on").first()
    a = (
        Assessment.objects.filter(cycle=cycle, status=Assessment.Status.SUBMITTED)
        .order_by("pk")
        .first()
    )
    if a is None:
        raise SystemExit("No submitted assessment in the newest cycle to review.")
    criteria = list(Criterion.objects.filter(commitment__rubric_id=a.cycle.rubric_id))
    staff = User.objects.get(email=STAFF)
    have = Comment.objects.filter(thread__assessment=a).count()
    for i in range(have, REVIEW_COMMENTS):
        comment_add(
            assessment=a, criterion=criteria[i % len(criteria)],
            body=f"Bench comment {i}: which document shows this level?", by=staff,
        )  # fmt: skip
    return f"/consortium/reviews/{a.pk}/"


def _queries(pages: dict[str, tuple[str, str | None]]) -> dict[str, int]:
    """SQL queries of one request to each page, counted in-process with the same data."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from organizations.models import User

    counts: dict[str, int] = {}
    for name, (path, email) in pages.items():
        client = Client()
        if email:
            client.force_login(User.objects.get(email=email))
            client.get(path)  # the first request after sign-in also saves the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code} in-process")
        counts[name] = len(ctx.captured_queries)
    return counts


LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "120"))
LOAD_LEADS = int(os.environ.get("LOAD_LEADS", "50"))
LOAD_STAFF = int(os.environ.get("LOAD_STAFF", "5"))


def _load_cast(
    leads_wanted: int = LOAD_LEADS,
) -> tuple[list[tuple[str, int]], list[str], list[str]]:
    """Leads of organizations with a draft in the newest cycle, staff people, review pages."""

    from assessments.models import Assessment, Cycle
    from organizations.models import Membership

    cycle = Cycle.objects.order_by("-opens_on").first()
    drafts = list(
        Assessment.objects.filter(cycle=cycle, status=Assessment.Status.DRAFT).order_by("pk")[
            :leads_wanted
        ]
    )
    leads = {
        m.organization_id: m.user.email
        for m in Membership.objects.filter(
            organization_id__in=[a.organization_id for a in drafts], role=Membership.Role.LEAD
        ).select_related("user")
    }
    lead_cookies = [(_session_cookie(leads[a.organization_id]), a.pk) for a in drafts]
    staff_cookies = []
    for n in range(LOAD_STAFF):
        staff_cookies.append(_session_cookie(f"bench-staff-{n}@example.org", staff=True))
    reviews = [
        f"/consortium/reviews/{pk}/"
        for pk in Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)[:20]
    ]
    return lead_cookies, staff_cookies, reviews


def _print_workbook(workbook: dict[str, object]) -> None:
    print(
        f"Workbook import of a full assessment ({workbook['criteria']} criteria, every answer "
        f"changed), {workbook['database']}: {workbook['import_s']} s (target under 2 s): "
        f"upload and check {workbook['upload_check_s']} s, confirm {workbook['confirm_s']} s; "
        f"download {workbook['download_s']} s"
    )


def main() -> None:
    if ONLY in ("api", "ratings"):
        script = str(ROOT / "bench" / f"{ONLY}.py")
        subprocess.run([sys.executable, script], cwd=ROOT, check=True)
        return
    env = _env()
    if ONLY == "workbook":
        workbook = _in_own_process("workbook.py", env)
        _print_workbook(workbook)  # printed only: latest.json keeps the last full run
        return
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    # Static files as production serves them: compressed, hashed names, cached for a year.
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    load = [*manage, "load_rubric", "--publish"]
    subprocess.run(load, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    seeding = _seed(manage, env)
    print(f"Seed: {seeding.get('summary') or seeding.get('skipped')}")
    # First: the report page needs a ready report.
    report = _in_own_process("reports.py", env)
    if ONLY == "reports":
        scaleout = _in_own_process("scaleout.py", env)  # needs REDIS_URL
        _print_reports(report, scaleout)
        _write({"database": _database(env), "seed": seeding, "report": report,
                "scaleout": scaleout})  # fmt: skip
        return
    _django(env)
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    lead_email, member_pages = _member_pages()
    cookies = {
        None: None,
        MEMBER: _session_cookie(MEMBER),
        STAFF: _session_cookie(STAFF, staff=True),
        lead_email: _session_cookie(lead_email),
    }
    who = {"member": MEMBER, "staff": STAFF, None: None}
    measured: dict[str, tuple[str, str | None]] = {
        name: (path, who[kind]) for name, (path, kind) in PAGES.items()
    }
    measured |= {name: (path, lead_email) for name, path in member_pages.items()}
    measured["review_page"] = (_review_page(), STAFF)
    port = _free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "lhs_assess.wsgi:application"]
    options = ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"]
    server = subprocess.Popen([*gunicorn, *options], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        results: dict[str, dict[str, float]] = {}
        for name, (path, email) in measured.items():
            results[name] = _measure(port, path, cookies[email])
        from bench import autosave

        saver, _, answer_pk, saver_page = autosave.autosave_target()
        saver_url = f"{saver_page.split('/commitments/')[0]}/answers/{answer_pk}/"
        autosaves = autosave.measure_autosave(port, _session_cookie(saver), saver_page, saver_url)
        from bench import api as api_bench

        api_header, api_assessment, api_answers = api_bench.api_target()
        api_figures = api_bench.measure_answers(port, api_header, api_assessment)
        floor = results["floor"]["p95_ms"]
        for figures in results.values():
            figures["ratio_to_floor"] = round(figures["p95_ms"] / floor, 2)
        from bench.browser import page_weights

        weights = page_weights(
            port, {name: (measured[name][0], cookies[measured[name][1]]) for name in BROWSED}
        )
        from bench.lighthouse import lighthouse_scores

        scores = lighthouse_scores(
            port, {name: (measured[name][0], cookies[measured[name][1]]) for name in BROWSED}
        )
        from bench.load import lost_saves
        from bench.load import run as load_run

        leads, staff, reviews = _load_cast()
        load = load_run(port=port, leads=leads, staff=staff, review_paths=reviews,
                        seconds=LOAD_SECONDS)  # fmt: skip
        load["lost_saves"] = lost_saves(load.pop("last_saved"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    from bench.people import STEPS
    from bench.webscale import people_per_machine

    people_leads, people_staff, people_reviews = _load_cast(max(STEPS))
    people = people_per_machine(
        env, {"leads": people_leads, "staff_cookies": people_staff, "reviews": people_reviews}
    )
    for name, count in _queries(measured).items():
        results[name]["queries"] = count
    autosaves["queries"] = autosave.autosave_queries(saver, saver_url, answer_pk)
    api_figures |= {
        "answers": api_answers,
        "queries": api_bench.answers_queries(api_header, api_assessment),
    }
    kept = autosave.keep_all()
    export = _in_own_process("export.py", env)
    workbook = _in_own_process("workbook.py", env)
    scaleout = _in_own_process("scaleout.py", env)  # needs REDIS_URL

    database = _database(env)
    print(f"Pages, {REQUESTS_PER_PAGE} sequential requests each, gunicorn 2 workers, {database}:")
    print(f"  {'page':<20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'x floor':>8} {'queries':>8}")
    for name, f in results.items():
        print(
            f"  {name:<20} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['p99_ms']:>8}"
            f" {f['ratio_to_floor']:>8} {f['queries']:>8}"
        )
    print("Pages in Chromium, median of 5 visits: KB over the wire and ms to the load event")
    print(f"  {'page':<20} {'first KB':>9} {'first ms':>9} {'next KB':>8} {'next ms':>8}")
    for name, w in weights.items():
        print(
            f"  {name:<20} {w['first_kb']:>9} {w['first_ms']:>9}"
            f" {w['repeat_kb']:>8} {w['repeat_ms']:>8}"
        )
    if "skipped" in scores:
        print(f"Lighthouse: skipped, {scores['skipped']}")
    else:
        print("Lighthouse (desktop settings; performance on a throttled phone beside)")
        print(f"  {'page':<20} {'perf':>6} {'a11y':>6} {'phone':>6}")
        for name, sc in scores.items():
            print(
                f"  {name:<20} {sc['performance']:>6} {sc['accessibility']:>6}"
                f" {sc['performance_phone']:>6}"
            )
    print(
        f"Load, {load['users']} people ({LOAD_LEADS} leads saving, {LOAD_STAFF} staff reading) "
        f"for {load['seconds']} s: {load['requests']} requests, {load['requests_per_s']}/s, "
        f"p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, {load['errors']} errors, "
        f"{load['saves']} saves, {load['lost_saves']} lost"
    )
    print(
        "People who read and think (leads autosaving, 1 in 10 staff reading), p95 under 300 ms"
        " with no error:"
    )
    for run_name, run in people.items():
        if "skipped" in run:
            print(f"  {run_name}: skipped, {run['skipped']}")
            continue
        steps = ", ".join(
            f"{s['people']}: p95 {s['p95_ms']} ms, {s['requests_per_s']}/s, {s['errors']} errors"
            for s in run["steps"]
        )
        print(f"  {run_name}: {run['served']} people served ({steps})")
    print(
        f"Autosave, {autosaves['saves']} sequential saves of one criterion over HTTP: "
        f"p50 {autosaves['p50_ms']} ms, p95 {autosaves['p95_ms']} ms, "
        f"p99 {autosaves['p99_ms']} ms, {autosaves['queries']} queries each"
    )
    print(f"Keep all unchanged, {kept['criteria']} carried-forward criteria: {kept['ms']} ms")
    print(api_bench.line(api_figures))
    print(
        f"Export, scores of every organization and cycle as XLSX: {export['xlsx_s']} s, "
        f"{export['xlsx_bytes']:,} bytes, peak memory {export['rss_mb']} MB "
        f"({export['rss_before_mb']} MB before)"
    )
    _print_workbook(workbook)
    _print_reports(report, scaleout)
    _write(
        {
            "workbook": workbook,
            "database": database,
            "seed": seeding,
            "pages": results,
            "page_weights": weights,
            "lighthouse": scores,
            "report": report,
            "load": load,
            "people": people,
            "autosave": autosaves,
            "api": api_figures,
            "keep_all": kept,
            "scaleout": scaleout,
            "export": export,
        }
    )


def _database(env: dict[str, str]) -> str:
    return env["DATABASE_URL"].split(":", 1)[0]


def _print_reports(report: dict[str, object], scaleout: dict[str, object]) -> None:
    print(
        f"Maturity report, {report['reports']} builds in a warm worker process: "
        f"p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, "
        f"peak memory {report['rss_mb']} MB (PSS, with its Chromium)"
    )
    steps = report["steps_ms_median"]
    assert isinstance(steps, dict)
    print("  median per step (ms): " + ", ".join(f"{k} {v}" for k, v in steps.items()))
    if "skipped" in scaleout:
        print(f"Scale-out: skipped, {scaleout['skipped']}")
        return
    print(
        f"Scale-out, {scaleout['reports_per_round']} reports a round: "
        f"{scaleout['workers_1_per_minute']} a minute with one worker "
        f"(peak {scaleout['workers_1_peak_mb']} MB), "
        f"{scaleout['workers_2_per_minute']} with two "
        f"(largest worker's peak {scaleout['workers_2_peak_mb']} MB; PSS, with its Chromium)"
    )


def _write(figures: dict[str, object]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

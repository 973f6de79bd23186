"""Scale-out shown, not claimed: maturity reports built per minute by one and by two worker
processes on the same queue.

Run by bench/run.py in a process of its own when REDIS_URL is set (it prints why not
otherwise). Each round queues SCALE_REPORTS (default 12) reports for submitted assessments,
sends them to the queue, and times until all are ready; workers are started before the
clock starts and have drawn a first chart (their browser is warm). Each worker's memory
(PSS of the worker and its Chromium) is sampled through the round, and the peak of the
largest worker is given.
"""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("SCALE_REPORTS", "12"))
QUEUE = "lhs-bench-scaleout"


def _sample_peak(
    procs: list[subprocess.Popen[bytes]],
    stop: threading.Event,
    peak: list[float],
    measure: Callable[[int], float],
) -> None:
    """Keep in peak[0] the largest memory any one worker (with its Chromium) has had."""
    while not stop.is_set():
        peak[0] = max([peak[0], *(measure(p.pid) for p in procs)])
        time.sleep(0.2)


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        print(json.dumps({"skipped": "REDIS_URL is not set: no broker for real workers"}))
        return
    os.environ["CELERY_QUEUE"] = QUEUE
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from assessments.models import Assessment, Cycle
    from bench.reports import pss_mb_of_tree
    from lhs_assess.celery import app
    from reports.models import Report
    from reports.services import maturity_fingerprint
    from reports.tasks import report_send

    cycle = Cycle.objects.order_by("-opens_on").first()
    pool = list(
        Assessment.objects.filter(cycle=cycle, status__in=Assessment.SUBMITTED_STATES).order_by(
            "-pk"
        )[: COUNT * 3]
    )
    results: dict[str, float] = {}
    for workers, batch in ((1, pool[:COUNT]), (2, pool[COUNT : COUNT * 2])):
        procs = []
        for n in range(workers):
            command = [sys.executable, "-m", "celery", "-A", "lhs_assess", "worker",
                       "--pool=solo", "-Q", QUEUE, "-n", f"scale{workers}-{n}@%h",
                       "--loglevel=WARNING", "--without-gossip", "--without-mingle",
                       "--without-heartbeat"]  # fmt: skip
            procs.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env={**os.environ},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        try:
            deadline = time.monotonic() + 60
            while len(app.control.ping(timeout=1.0) or []) < workers:
                if time.monotonic() > deadline:
                    raise SystemExit("the workers did not start")
            time.sleep(3)  # each worker starts its chart browser with its process
            reports = []
            for assessment in batch:
                Report.objects.filter(assessment=assessment).delete()
                reports.append(
                    Report.objects.create(
                        kind=Report.Kind.MATURITY,
                        assessment=assessment,
                        fingerprint=maturity_fingerprint(assessment=assessment),
                    ).pk
                )
            peak = [0.0]
            sampling = threading.Event()
            sampler = threading.Thread(
                target=_sample_peak, args=(procs, sampling, peak, pss_mb_of_tree), daemon=True
            )
            sampler.start()
            start = time.monotonic()
            for pk in reports:
                report_send(report_id=pk)
            while Report.objects.filter(pk__in=reports, status=Report.Status.READY).count() < len(
                reports
            ):
                if Report.objects.filter(pk__in=reports, status=Report.Status.FAILED).exists():
                    raise SystemExit("a report failed during the scale-out run")
                if time.monotonic() - start > 600:
                    raise SystemExit("the scale-out run took over ten minutes")
                time.sleep(0.2)
            elapsed = time.monotonic() - start
            sampling.set()
            sampler.join()
            results[f"workers_{workers}_per_minute"] = round(len(reports) / elapsed * 60, 1)
            results[f"workers_{workers}_peak_mb"] = round(peak[0])
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=20)
    print(json.dumps({"reports_per_round": COUNT, **results}))


if __name__ == "__main__":
    main()

"""Maturity report build time and memory, as a warm worker process sees them.

Run by bench/run.py in a process of its own (so its memory is a worker's): builds
BENCH_REPORTS reports for submitted assessments of the newest cycle, one after another, with
the chart browser already started, and prints JSON with p50/p95 build time, how the time
splits between the steps, and the peak memory (PSS) of this process plus its Chromium.
"""

import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNT = int(os.environ.get("BENCH_REPORTS", "20"))


def pss_mb_of_tree(pid: int) -> float:
    """Memory of a process and all its descendants (the browser's processes), counted as
    proportional set size so pages that Chromium's processes share are counted once."""
    total = 0
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
        stack += children.get(current, [])
    return total / 1024


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from assessments.models import Assessment, Cycle
    from reports.images import warm_up
    from reports.models import Report
    from reports.pipeline import report_build
    from reports.services import maturity_fingerprint

    settings.MEDIA_ROOT = ROOT / "var" / "bench-media"
    cycle = Cycle.objects.order_by("-opens_on").first()
    assessments = list(
        Assessment.objects.filter(cycle=cycle, status__in=Assessment.SUBMITTED_STATES).order_by(
            "pk"
        )[:COUNT]
    )
    warm_up()
    peak = [0.0]
    running = [True]

    def sample() -> None:
        while running[0]:
            peak[0] = max(peak[0], pss_mb_of_tree(os.getpid()))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    totals: list[float] = []
    steps: dict[str, list[float]] = {}
    for assessment in assessments:
        Report.objects.filter(assessment=assessment).delete()
        report = Report.objects.create(
            kind=Report.Kind.MATURITY,
            assessment=assessment,
            fingerprint=maturity_fingerprint(assessment=assessment),
        )
        start = time.perf_counter()
        built = report_build(report_id=report.pk)
        totals.append(time.perf_counter() - start)
        for step, seconds in built.params["timings"].items():
            steps.setdefault(step, []).append(seconds)
    running[0] = False
    sampler.join()
    q = statistics.quantiles(totals, n=20) if len(totals) > 1 else totals * 19
    print(
        json.dumps(
            {
                "reports": len(totals),
                "p50_ms": round(statistics.median(totals) * 1000),
                "p95_ms": round(q[18] * 1000),
                "steps_ms_median": {
                    k: round(statistics.median(v) * 1000) for k, v in steps.items()
                },
                "rss_mb": round(peak[0]),
            }
        )
    )


if __name__ == "__main__":
    main()

"""The full scores export (every organization, every cycle, XLSX): time and peak memory.

Run by bench/run.py in a process of its own, so the peak resident memory it reports is the
export's (a web worker's, plus Django itself), not the benchmark's.
"""

import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from organizations.models import STAFF_GROUP, User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    staff, _ = User.objects.get_or_create(email="bench-export@example.org")
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    if not is_mfa_enabled(staff, types=["totp"]):
        TOTP.activate(staff, generate_totp_secret())
    client = Client()
    client.force_login(staff)
    before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    response = client.get("/consortium/dashboard/scores/", {"format": "xlsx", "cycles": "all"})
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"the export answered {response.status_code}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "xlsx_s": round(seconds, 2),
                "xlsx_bytes": size,
                "rss_mb": round(peak_mb),
                "rss_before_mb": round(before_mb),
            }
        )
    )


if __name__ == "__main__":
    main()

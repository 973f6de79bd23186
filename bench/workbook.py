"""The workbook round trip of a full assessment (the real rubric): every answer changed offline,
then uploaded, previewed and confirmed through the pages. Target: the import under 2 s.

Run by bench/run.py in a process of its own, on a throwaway SQLite database of its own
(var/bench-workbook.sqlite3, or BENCH_WORKBOOK_DATABASE_URL for PostgreSQL), so it needs no
seeded consortium and takes seconds. Its last line is JSON.
"""

import io
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_WORKBOOK_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-workbook.sqlite3'}"
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from openpyxl import load_workbook

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("load_rubric", "--publish", stdout=io.StringIO())
    from assessments.models import Answer, Cycle
    from assessments.services import assessment_start
    from commitments.models import Rubric
    from consortium.services import cycle_create, cycle_set_status
    from organizations.models import Membership, Organization, User

    stamp = f"{time.time_ns()}"
    lead = User.objects.create(email=f"bench-workbook-{stamp}@example.org")
    organization = Organization.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    Membership.objects.create(user=lead, organization=organization, role=Membership.Role.LEAD)
    today = timezone.localdate()
    rubric = Rubric.objects.filter(status=Rubric.Status.PUBLISHED).order_by("-published_at").first()
    assert rubric is not None
    cycle = cycle_create(
        name=f"Workbook {stamp}", rubric=rubric, opens_on=today - timedelta(days=1),
        due_on=today + timedelta(days=30), closes_on=today + timedelta(days=60), by=lead,
    )  # fmt: skip
    cycle = cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN, by=lead)
    assessment = assessment_start(organization=organization, cycle=cycle, by=lead)
    client = Client()
    client.force_login(lead)

    start = time.perf_counter()
    response = client.get(f"/assessments/{assessment.pk}/workbook/")
    download_s = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.content))
    changed = 0
    for sheet in book.worksheets[1:-1]:
        for row in range(4, sheet.max_row + 1):
            if sheet.cell(row, 1).value:
                sheet.cell(row, 3).value = 1 + changed % 5
                sheet.cell(row, 5).value = f"Minutes of meeting {changed}, with the board's notes."
                sheet.cell(row, 7).value = "medium"
                changed += 1
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("filled.xlsx", out.getvalue())

    start = time.perf_counter()
    response = client.post(f"/assessments/{assessment.pk}/workbook/upload/", {"file": upload})
    check_s = time.perf_counter() - start
    assert response.status_code == 302, response.content.decode()[-2000:]
    start = time.perf_counter()
    response = client.post(f"/assessments/{assessment.pk}/workbook/preview/")
    confirm_s = time.perf_counter() - start
    assert response.status_code == 302
    saved = Answer.objects.filter(assessment=assessment, level__isnull=False).count()
    assert saved == changed, (saved, changed)
    print(
        json.dumps(
            {
                "criteria": changed,
                "download_s": round(download_s, 3),
                "upload_check_s": round(check_s, 3),
                "confirm_s": round(confirm_s, 3),
                "import_s": round(check_s + confirm_s, 3),
                "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            }
        )
    )


if __name__ == "__main__":
    main()

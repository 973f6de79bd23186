"""The zero-setup demo's worker: no Redis, tasks through files on disk (kombu's filesystem
transport, as `make demo` runs it), and a report asked for on a page is built by that worker."""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import point_celery_at, start_celery_worker, stop_process
from lhs_assess.celery import app
from lhs_assess.settings.base import filesystem_broker
from reports.models import Report
from reports.services import report_request

from . import consortium

pytestmark = pytest.mark.django_db(transaction=True)

URL = "filesystem://localhost//"


@pytest.fixture
def file_broker(tmp_path: Path) -> Iterator[Path]:
    """Point this process at a filesystem broker in a folder of the test's own."""
    folder = tmp_path / "broker"
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    point_celery_at(URL)
    app.conf.broker_transport_options = {**saved[1], **filesystem_broker(folder)}
    app.conf.task_always_eager = False
    try:
        yield folder
    finally:
        point_celery_at(saved[0])
        app.conf.broker_transport_options = saved[1]
        app.conf.task_always_eager = saved[2]


def test_the_demo_worker_builds_a_report_through_files_on_disk(
    file_broker: Path, chromium: None
) -> None:
    env = {"REDIS_URL": "", "CELERY_BROKER_URL": URL, "CELERY_BROKER_FOLDER": str(file_broker)}
    worker = start_celery_worker(broker_url=URL, name="demo", extra_env=env)
    try:
        _, _, assessments = consortium.build()
        started = time.monotonic()
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
        asked = time.monotonic() - started
        report.refresh_from_db()
        # The request answered before the build: the report waits for the worker.
        assert report.status in (Report.Status.QUEUED, Report.Status.RUNNING)
        assert asked < 2, f"asking for a report took {asked:.1f} s: built in-process?"
        deadline = time.monotonic() + 90
        while report.status not in (Report.Status.READY, Report.Status.FAILED):
            assert time.monotonic() < deadline, f"report still {report.status} after 90 s"
            time.sleep(0.1)
            report.refresh_from_db()
        assert report.status == Report.Status.READY, report.error
        for f in (report.html_file, report.pdf_file, report.xlsx_file):
            assert Path(f.path).stat().st_size > 0
    finally:
        stop_process(worker)
    assert not list((file_broker / "queue").iterdir())  # the message was taken and acknowledged


def test_the_demo_settings_send_tasks_to_a_worker_through_files(tmp_path: Path) -> None:
    """`make demo`'s settings: without REDIS_URL, a filesystem broker and no in-process tasks."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "lhs_assess.settings.local",
        "CELERY_BROKER_FOLDER": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["filesystem://localhost//", "False", str(tmp_path / "queue")]

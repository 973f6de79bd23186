"""The report pipeline through real Celery workers and a real Redis: the happy path, a broker
that is down when the report is asked for, and a worker killed in the middle of a build.

The last two run against a Redis of their own (started and stopped by the test), so stopping
it disturbs nothing else.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from conftest import REQUIRE_SERVICES, point_celery_at, start_celery_worker, stop_process
from lhs_assess.celery import app
from reports.models import Report
from reports.services import report_request
from reports.tasks import reports_resend_stale

from . import consortium

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def status_of(report: Report) -> str:
    report.refresh_from_db()
    return report.status


def test_a_real_worker_builds_the_report_queued_running_ready(
    celery_worker: str, chromium: None
) -> None:
    _, _, assessments = consortium.build()
    report = report_request(assessment=assessments[4], by=assessments[4].created_by)
    seen = {status_of(report)}
    deadline = time.monotonic() + 90
    while status_of(report) not in (Report.Status.READY, Report.Status.FAILED):
        seen.add(report.status)
        assert time.monotonic() < deadline, f"report still {report.status} after 90 s"
        time.sleep(0.05)
    assert report.status == Report.Status.READY, report.error
    assert seen <= {Report.Status.QUEUED, Report.Status.RUNNING}
    assert seen  # it was seen before it was ready
    for f in (report.html_file, report.pdf_file, report.xlsx_file, report.docx_file):
        assert Path(f.path).stat().st_size > 0
    assert report.attempts == 1


# --- A Redis of the test's own ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        wait_for(lambda: self._answers(client), timeout=10, what="the private Redis")

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@pytest.fixture
def private_redis(redis_url: str) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES is set but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    point_celery_at(server.url)
    app.conf.task_always_eager = False
    try:
        yield server
    finally:
        point_celery_at(saved[0])
        app.conf.task_always_eager = saved[1]
        server.stop()


def test_a_report_asked_for_while_redis_is_down_is_delivered_once_it_is_back(
    private_redis: PrivateRedis, chromium: None
) -> None:
    worker = start_celery_worker(broker_url=private_redis.url, name="outbox")
    try:
        _, _, assessments = consortium.build()
        private_redis.stop()
        point_celery_at(private_redis.url)  # no pooled connection survives the stop
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
        assert (status_of(report), report.sent_at) == (Report.Status.QUEUED, None)
        private_redis.start()  # the worker reconnects by itself
        point_celery_at(private_redis.url)
        Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(minutes=2))
        assert reports_resend_stale() == 1  # what the beat task does every minute
        wait_for(lambda: status_of(report) == Report.Status.READY, timeout=90, what="the report")
    finally:
        stop_process(worker)


def test_a_worker_killed_mid_build_leaves_the_report_to_another_worker(
    private_redis: PrivateRedis, chromium: None
) -> None:
    # Short visibility timeout so Redis hands the unacknowledged message on quickly; a pause
    # before the files are written gives the test time to kill the first worker.
    slow = {"CELERY_VISIBILITY_TIMEOUT": "3", "REPORT_PAUSE_SECONDS": "30"}
    first = start_celery_worker(
        broker_url=private_redis.url,
        name="doomed",
        extra_env=slow,
        app_module="reports.tests.slow_worker",
    )
    second = None
    try:
        _, _, assessments = consortium.build()
        report = report_request(assessment=assessments[4], by=assessments[4].created_by)
        wait_for(
            lambda: status_of(report) == Report.Status.RUNNING and report.progress == 90,
            timeout=90,
            what="the first worker to reach the pause",
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        fast = {"CELERY_VISIBILITY_TIMEOUT": "3"}
        second = start_celery_worker(broker_url=private_redis.url, name="rescuer", extra_env=fast)
        wait_for(lambda: status_of(report) == Report.Status.READY, timeout=120, what="the rescue")
        assert report.attempts == 2
        assert Path(report.pdf_file.path).stat().st_size > 0
    finally:
        if first.poll() is None:
            stop_process(first)
        if second is not None:
            stop_process(second)

"""A broker outage delays mail and never loses it: a real Redis of the test's own is stopped
while a decision is mailed, then started again; a real Celery worker then sends the mail."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from assessments.models import Assessment
from assessments.tests.factories import open_cycle, submitted
from conftest import _unavailable, point_celery_at, start_celery_worker, stop_process
from consortium.services import assessment_accept
from notifications.models import Mail
from notifications.tasks import send_waiting_mail
from notifications.tests.conftest import Inbox
from tests.cast import Cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    """A redis-server of this test only, on its own port, that can be stopped and started."""

    def __init__(self) -> None:
        self.port = _port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@pytest.fixture
def own_redis() -> Iterator[Redis]:
    if shutil.which("redis-server") is None:
        _unavailable("redis-server is not installed: no broker to stop and start.")
    from django.conf import settings

    from lhs_assess.celery import app

    before = app.conf.broker_url
    redis = Redis()
    redis.start()
    point_celery_at(redis.url)
    app.conf.broker_connection_retry = False  # the web side: fail fast, keep the outbox row
    app.conf.broker_connection_timeout = 1
    try:
        yield redis
    finally:
        redis.stop()
        point_celery_at(before)
        app.conf.task_always_eager = True
        settings.CELERY_TASK_ALWAYS_EAGER = True


def test_mail_written_while_redis_is_down_is_sent_once_it_is_back(
    cast: Cast, own_redis: Redis, smtp: Inbox, settings: Any
) -> None:
    from lhs_assess.celery import app

    a = submitted(organization=cast.org_a, by=cast.lead_a, cycle=open_cycle(by=cast.staff))
    worker = start_celery_worker(
        broker_url=own_redis.url,
        name="mail",
        extra_env={
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "DJANGO_EMAIL_HOST": "127.0.0.1",
            "DJANGO_EMAIL_PORT": str(settings.EMAIL_PORT),
            "DJANGO_SITE_URL": settings.SITE_URL,
        },
    )
    try:
        app.conf.task_always_eager = False
        own_redis.stop()
        assessment_accept(assessment=a, by=cast.staff)  # commits: the hand-over fails
        mail = Mail.objects.get()
        assert mail.sent_at is None
        time.sleep(1)
        assert smtp.messages == []
        own_redis.start()
        send_waiting_mail.apply_async(kwargs={"older_than_seconds": 0}, retry=False)
        # The worker marks the mail sent after the SMTP server has it: wait for both, or a
        # read between the two finds the message delivered and the row not yet marked.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            mail.refresh_from_db()
            if smtp.messages and mail.sent_at is not None:
                break
            time.sleep(0.1)
    finally:
        stop_process(worker)
    assert smtp.recipients() == ["lead@alpha.test"]
    assert mail.sent_at is not None
    assert Assessment.objects.get(pk=a.pk).status == Assessment.Status.ACCEPTED

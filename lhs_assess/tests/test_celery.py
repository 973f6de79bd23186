"""A task crosses Redis to a real worker process and comes back done."""

import time
import uuid

import pytest
from django.core.cache import cache

from lhs_assess.celery import PING_KEY, ping

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_ping_runs_in_a_real_worker_through_redis(celery_worker: str) -> None:
    token = uuid.uuid4().hex
    ping.delay(token)  # not eager: the fixture turned that off
    deadline = time.monotonic() + 20
    while cache.get(PING_KEY.format(token=token)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cache.get(PING_KEY.format(token=token)) == token


def test_tasks_refuse_pickle() -> None:
    from lhs_assess.celery import app

    assert app.conf.task_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]

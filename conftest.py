"""Fixtures shared by every test: real services when present, and a real Celery worker."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip with the reason, or fail when the environment promised the services."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the suite was given; skip (or fail under REQUIRE_SERVICES) without one."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _unavailable("REDIS_URL is not set: no Redis to test against.")
    if not _redis_answers(url):
        _unavailable(f"Redis at {url} does not answer.")
    return url


@pytest.fixture(scope="session")
def postgres_database() -> None:
    """Tests that need PostgreSQL's own behaviour ask for this."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        _unavailable("DATABASE_URL does not point at PostgreSQL.")


@pytest.fixture(scope="session")
def celery_worker(
    redis_url: str, django_db_setup: None, django_db_blocker: object
) -> Iterator[str]:
    """A real `celery worker` process on a queue of its own, against Redis and the test database.

    Yields the queue name (the test settings' default queue, emptied first); tasks sent while
    it runs go to that process, not in-process.
    """
    from django.db import connection

    from lhs_assess.celery import app

    queue = app.conf.task_default_queue
    node = f"{queue}-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lhs_assess.settings.test",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        # The worker must read and write the test database, not the development one.
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    log_path = ROOT / "var" / "celery-worker-test.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "lhs_assess", "worker",
                "--pool=solo", "--loglevel=INFO", "-Q", queue, "-n", node,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[node], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start; see {log_path}:\n{log_path.read_text()}")
        yield queue
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

"""Fixtures shared by every test: real services when present, and a real Celery worker."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

pytest_plugins = ["tests.cast"]

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


def start_celery_worker(
    *,
    broker_url: str,
    name: str,
    extra_env: dict[str, str] | None = None,
    app_module: str = "lhs_assess",
) -> subprocess.Popen[bytes]:
    """Start a real `celery worker` process of `app_module`'s app on the test queue against
    `broker_url` and the test database, and wait until it answers a ping; the caller stops it."""
    from django.db import connection

    from lhs_assess.celery import app

    queue = app.conf.task_default_queue
    node = f"{name}-{uuid.uuid4().hex[:8]}@{os.uname().nodename}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lhs_assess.settings.test",
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    db = connection.settings_dict
    # The worker must read and write the test database, not the development one.
    if db["ENGINE"] == "django.db.backends.postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    log_path = ROOT / "var" / f"celery-worker-{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", app_module, "worker",
                "--pool=solo", "--loglevel=INFO", "-Q", queue, "-n", node,
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    # The ping goes through the app's own broker, which must be the worker's.
    if app.conf.broker_url != broker_url:
        raise RuntimeError("point the app at the worker's broker first (point_celery_at)")
    deadline = time.monotonic() + 40
    while not app.control.ping(destination=[node], timeout=0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc)
            pytest.fail(f"Celery worker did not start; see {log_path}:\n{log_path.read_text()}")
    return proc


def point_celery_at(broker_url: str) -> None:
    """Send tasks and control messages to `broker_url` from now on. Celery caches a connection
    pool and a producer pool bound to the old broker; both are dropped (as Celery itself does
    after a fork) so nothing is published to the previous broker."""
    import kombu.pools

    from lhs_assess.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()  # kombu's process-wide producer pools, keyed by broker URL
    app.conf.broker_url = broker_url


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def celery_worker(
    redis_url: str, django_db_setup: None, django_db_blocker: object
) -> Iterator[str]:
    """A real `celery worker` process against Redis and the test database.

    Yields the queue name (the test settings' default queue, emptied first); tasks sent while
    it runs go to that process, not in-process.
    """
    from lhs_assess.celery import app

    queue = app.conf.task_default_queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    proc = start_celery_worker(broker_url=redis_url, name="session")
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        stop_process(proc)


@pytest.fixture
def chromium() -> None:
    """Reports draw their charts in Chromium; without one, skip (or fail under REQUIRE_SERVICES)."""
    if shutil.which("chromium") is None:
        _unavailable("no chromium on this machine (apt-get install chromium)")

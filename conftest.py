"""Fixtures shared by every test: real services when present, and a real Celery worker.

`make test` runs the suite on several pytest-xdist worker processes. pytest-django gives each
its own test database (suffix _gw0, _gw1, ...); everything else two workers could share is
made per worker here: the Celery queue, the media folder, the cache keys and the worker logs.
"""

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
# "gw0", "gw1", ... in a pytest-xdist worker process; empty in a plain (serial) run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_configure(config: pytest.Config) -> None:
    """In an xdist worker, suffix the worker's id to what would otherwise be shared with the
    other workers: the Celery queue (a real worker of gw0 must not take gw1's tasks, which name
    rows of gw1's database, nor the purge of one empty the other's), MEDIA_ROOT (report files
    live at reports/<pk>/, and both databases have a report 1) and the cache's key prefix
    (allauth's rate-limit counters are keyed by email and 127.0.0.1, the same in every worker,
    and each test deletes them). Django's settings are loaded by now; nothing has read these
    yet (the Celery app, the cache and the storage are all built lazily)."""
    if not XDIST_WORKER:
        return
    settings.CELERY_TASK_DEFAULT_QUEUE = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{XDIST_WORKER}"
    settings.MEDIA_ROOT = Path(settings.MEDIA_ROOT) / XDIST_WORKER
    for cache in settings.CACHES.values():
        cache["KEY_PREFIX"] = "-".join(filter(None, (cache.get("KEY_PREFIX"), XDIST_WORKER)))


# Work units for `--dist loadgroup` (make test): each group runs whole on one xdist worker.
# - browser, browser-2: one Chromium for each half (the package-scoped fixture in
#   tests/browser/ starts one per worker that runs browser tests).
# - celery-worker: one session Celery worker instead of one per xdist worker, and no two report
#   builds by real workers (each with its own Chromium) at once on two cores.
# Neither is needed for correctness: queue, media folder and cache keys are per xdist worker.
# pytest-xdist 3.8.0 cannot take these as xdist_group marks added here: its loadgroup writes
# the group into `item._nodeid`, which pytest 9.2's structured node ids ignore, so the marks are
# silently dropped (pytest-dev/pytest-xdist#1386). The controller sees only node ids, hence paths.
XDIST_GROUPS = {
    # The browser tests in two halves, each with its own Chromium, so that they run on both
    # workers side by side (together they are the longest group of the suite).
    **{
        f"tests/browser/test_{name}": "browser-2"
        for name in ("ratings", "report", "review", "scoring", "sso", "trust", "workbook")
    },
    "tests/browser/": "browser",
    "reports/tests/test_worker.py::": "celery-worker",
    "lhs_assess/tests/test_celery.py::": "celery-worker",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadgroup`, with the groups above added to any xdist_group marks."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in XDIST_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return super()._split_scope(nodeid)

    return PathGroupScheduling(config, log)


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


# `python -m celery`, after applying what this test process set for itself in pytest_configure
# and that the test settings do not read from the environment: the worker then writes report
# files where the test looks for them and cache keys (the ping) under the test's prefix.
_CELERY_MAIN = """\
import os, sys
from django.conf import settings
settings.MEDIA_ROOT = os.environ["LHS_TEST_MEDIA_ROOT"]
settings.CACHES["default"]["KEY_PREFIX"] = os.environ["LHS_TEST_CACHE_KEY_PREFIX"]
sys.argv[0] = "celery"
from celery.__main__ import main
main()
"""


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
        "LHS_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LHS_TEST_CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
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
    # One log per xdist worker: two session workers must not write (and truncate) one file.
    suffix = f"-{XDIST_WORKER}" if XDIST_WORKER else ""
    log_path = ROOT / "var" / f"celery-worker-{name}{suffix}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-c", _CELERY_MAIN, "-A", app_module, "worker",
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
def _celery_worker_process(
    redis_url: str, django_db_setup: None, django_db_blocker: object
) -> Iterator[str]:
    """One real `celery worker` process for the session, against Redis and the test database;
    yields its queue (the test settings' default queue, emptied first)."""
    from lhs_assess.celery import app

    queue = app.conf.task_default_queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    proc = start_celery_worker(broker_url=redis_url, name="session")
    try:
        yield queue
    finally:
        stop_process(proc)


@pytest.fixture
def celery_worker(_celery_worker_process: str) -> Iterator[str]:
    """Tasks sent during this test go to the real worker process, not in-process; the tests
    after it (which, on an xdist worker, may come in any order) run tasks in-process again."""
    from lhs_assess.celery import app

    app.conf.task_always_eager = False
    try:
        yield _celery_worker_process
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def chromium() -> None:
    """Reports draw their charts in Chromium; without one, skip (or fail under REQUIRE_SERVICES)."""
    if shutil.which("chromium") is None:
        _unavailable("no chromium on this machine (apt-get install chromium)")

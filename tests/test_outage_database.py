"""Faults with real services: leads autosaving over HTTP while Redis, then PostgreSQL, stop.

The test starts its own PostgreSQL cluster and redis-server on free ports (never the machine's
shared ones), migrates and seeds the cluster, and serves the site with gunicorn against them.
Leads save their own criterion every ~100 ms. Redis is stopped for 8 s (nothing may change for
saves), then PostgreSQL for 20 s. Afterwards:
- every save answered as saved is in the database (its notes are in the answer's history, at
  the version the answer reported);
- every save that failed was told so in plain words (a 503 saying it was not saved);
- the site recovers by itself, without a restart of gunicorn.
The figures are printed and written to var/outage-latest-pool<n>.json. The run is made with
persistent connections and with psycopg's pool (DJANGO_DB_POOL), the two ways production connects.
"""

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import _unavailable, stop_process

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parent.parent
LEADS = 8
REDIS_DOWN_S = 8.0
POSTGRES_DOWN_S = 20.0
NOT_SAVED = "not saved"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Postgres:
    """A PostgreSQL cluster of this test only, in a temporary folder, run as user postgres."""

    def __init__(self, root: Path) -> None:
        bins = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins or shutil.which("runuser") is None:
            _unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        self.bin = Path(bins[-1]).parent
        self.port = _port()
        self.data = root / "pgdata"
        self.root = root

    def _as_postgres(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def init(self) -> None:
        os.chmod(self.root, 0o777)  # noqa: S103 - a throwaway folder the postgres user writes in
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "--no-sync")  # fmt: skip

    def start(self) -> None:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"),
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                          "stop")  # fmt: skip

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/outage"


class Redis:
    def __init__(self) -> None:
        self.port = _port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


SEED = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from assessments.tests.factories import open_cycle, started
from organizations.models import Membership
from organizations.tests.factories import OrganizationFactory, UserFactory, staff_user
staff = staff_user(email="staff@outage.test")
cycle = open_cycle(by=staff, criteria=3)
leads = []
for i in range(int(__import__("sys").argv[1])):
    org = OrganizationFactory(name=f"Outage {i}", slug=f"outage-{i}")
    user = UserFactory(email=f"lead{i}@outage.test")
    Membership.objects.create(user=user, organization=org, role="lead")
    assessment = started(organization=org, by=staff, cycle=cycle)
    answer = assessment.answers.order_by("id").first()
    client = Client()
    client.force_login(user)
    leads.append({"session": client.cookies["sessionid"].value, "assessment": assessment.pk,
                  "answer": answer.pk})
print(json.dumps(leads))
"""


@dataclass
class Tally:
    attempted: int = 0
    saved: list[tuple[int, int, str]] = field(default_factory=list)  # answer, version, notes
    told: int = 0  # 503 saying "not saved"
    conflicts: int = 0
    untold: list[str] = field(default_factory=list)  # anything else: a failure not explained
    during_redis: list[int] = field(default_factory=list)  # statuses while Redis was down
    first_ok_after_restart: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextlib.contextmanager
def _services_of_our_own() -> Iterator[tuple[Postgres, Redis, Path]]:
    root = Path(tempfile.mkdtemp(prefix="lhs-outage-"))
    pg = Postgres(root)
    redis = Redis()
    pg.init()
    pg.start()
    redis.start()
    subprocess.run(
        [str(pg.bin / "createdb"), "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
         "outage"], check=True,
    )  # fmt: skip
    try:
        yield pg, redis, root
    finally:
        redis.stop()
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)


Services = tuple[Postgres, Redis, Path]


@pytest.fixture
def two_sets_of_services() -> Iterator[tuple[Services, Services]]:
    """A PostgreSQL cluster and a redis-server for each of the two runs."""
    if shutil.which("redis-server") is None:
        _unavailable("redis-server is not installed")
    with _services_of_our_own() as first, _services_of_our_own() as second:
        yield first, second


def _save(port: int, lead: dict[str, Any], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(
            "POST",
            f"/assessments/{lead['assessment']}/answers/{lead['answer']}/",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-CSRFToken": "o" * 32,
                "Cookie": f"sessionid={lead['session']}; csrftoken={'o' * 32}",
            },
        )
        response = conn.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return response.status, data
    finally:
        conn.close()


def _outage_run(services: Services, db_pool: str) -> tuple[Tally, dict[str, Any], list[Any]]:
    """One run against its own services, with DJANGO_DB_POOL=`db_pool` (0: persistent
    connections): the tally of the saves, the figures, and the saves lost."""
    pg, redis, root = services
    env = {
        **os.environ,
        "DJANGO_DB_POOL": db_pool,
        "DJANGO_SETTINGS_MODULE": "lhs_assess.settings.test",
        "DATABASE_URL": pg.url,
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_MEDIA_ROOT": str(root / "media"),
    }
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, str(LEADS)], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    leads = json.loads(seeded.stdout.strip().splitlines()[-1])
    web_port = _port()
    log = (root / "gunicorn.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lhs_assess.wsgi:application", "--bind",
         f"127.0.0.1:{web_port}", "--workers", "2", "--threads", "4", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_port(web_port)
        tally = Tally()
        state = {"phase": "warm-up", "stop": False, "pg_back_at": 0.0}
        versions = dict.fromkeys(range(LEADS), 0)

        def lead_loop(i: int) -> None:
            n = 0
            while not state["stop"]:
                n += 1
                notes = f"lead{i}-save{n}"
                body = {"version": versions[i], "level": str(1 + n % 5), "notes": notes}
                phase = state["phase"]
                try:
                    status, data = _save(web_port, leads[i], body)
                except OSError as exc:
                    status, data = -1, {"raw": type(exc).__name__}
                with tally.lock:
                    tally.attempted += 1
                    if phase == "redis down":
                        tally.during_redis.append(status)
                    if status == 200 and data.get("saved"):
                        versions[i] = data["version"]
                        tally.saved.append((leads[i]["answer"], data["version"], notes))
                        if phase == "recovering" and tally.first_ok_after_restart is None:
                            tally.first_ok_after_restart = time.monotonic() - state["pg_back_at"]
                    elif status == 409:
                        versions[i] = data["conflict"]["version"]
                        tally.conflicts += 1
                    elif status == 503 and NOT_SAVED in data.get("unavailable", ""):
                        tally.told += 1
                    else:
                        tally.untold.append(f"{phase}: {status} {str(data)[:120]}")
                time.sleep(0.1)

        threads = [threading.Thread(target=lead_loop, args=(i,)) for i in range(LEADS)]
        for t in threads:
            t.start()
        time.sleep(4)
        state["phase"] = "redis down"
        redis.stop()
        time.sleep(REDIS_DOWN_S)
        redis.start()
        state["phase"] = "after redis"
        time.sleep(3)
        state["phase"] = "postgres down"
        pg.stop()
        stopped_at = time.monotonic()
        time.sleep(POSTGRES_DOWN_S)
        pg.start()
        state["pg_back_at"] = time.monotonic()
        state["phase"] = "recovering"
        time.sleep(10)
        state["stop"] = True
        for t in threads:
            t.join(timeout=30)
        down_for = state["pg_back_at"] - stopped_at
    finally:
        stop_process(web)
        log.close()

    with psycopg.connect(pg.url) as conn:
        stored = set(
            conn.execute(
                "SELECT id, version, notes FROM assessments_historicalanswer WHERE notes <> ''"
            ).fetchall()
        )
    lost = [s for s in tally.saved if s not in stored]
    figures = {
        "connections": "psycopg pool of " + db_pool if db_pool != "0" else "persistent",
        "leads": LEADS,
        "postgres_down_s": round(down_for, 1),
        "redis_down_s": REDIS_DOWN_S,
        "saves_attempted": tally.attempted,
        "answered_saved": len(tally.saved),
        "found_in_database": len(tally.saved) - len(lost),
        "failed_and_told": tally.told,
        "conflicts": tally.conflicts,
        "failed_untold": len(tally.untold),
        "saves_while_redis_down": len(tally.during_redis),
        "recovered_after_s": round(tally.first_ok_after_restart or -1, 2),
    }
    return tally, figures, lost


def test_saves_survive_a_redis_and_a_postgresql_outage(
    two_sets_of_services: tuple[Services, Services],
) -> None:
    """Both ways production may connect (DJANGO_DB_POOL), each against its own services, run
    side by side: the runs mostly wait for the outages, so together they take the time of one."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(_outage_run, two_sets_of_services, ["0", "4"]))
    (ROOT / "var").mkdir(exist_ok=True)
    for db_pool, (_, figures, _) in zip(["0", "4"], runs, strict=True):
        (ROOT / "var" / f"outage-latest-pool{db_pool}.json").write_text(
            json.dumps(figures, indent=2)
        )
        print("\noutage run:", json.dumps(figures))
    for tally, figures, lost in runs:
        mode = figures["connections"]
        assert not lost, f"{mode}: answered as saved but not in the database: {lost[:5]}"
        assert not tally.untold, (mode, tally.untold[:10])
        assert tally.during_redis, mode
        assert set(tally.during_redis) == {200}, f"{mode}: Redis down must change nothing"
        assert tally.told > 0, f"{mode}: the PostgreSQL outage was not felt: did it stop?"
        assert tally.first_ok_after_restart is not None, f"{mode}: no recovery without restart"
        assert tally.first_ok_after_restart < 10, mode

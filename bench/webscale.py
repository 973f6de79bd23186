"""People per machine, and what a second web process adds.

Both runs use gunicorn with 2 worker processes of 4 threads each (gthread): on 2 cores, two
processes keep both busy, and the threads let one request use the CPU while another waits for
PostgreSQL, which sync workers cannot; more processes would only add memory. Each process
keeps its database connections in psycopg's pool (DJANGO_DB_POOL), as web processes multiply.
The second run puts two such gunicorns, on two ports, behind HAProxy (Debian's), the way more
machines would sit behind a load balancer.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.people import ramp

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def _gunicorn(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "lhs_assess.wsgi:application",
               "--bind", f"127.0.0.1:{port}", *GUNICORN, "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env={**env, "DJANGO_DB_POOL": "4"})
    _wait(port)
    return server, port


def _haproxy(backends: list[int], folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    servers = "\n".join(
        f"    server web{i} 127.0.0.1:{p} maxconn 64" for i, p in enumerate(backends)
    )
    config = folder / "haproxy.cfg"
    config.write_text(
        "defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n"
        "    timeout server 30s\n"
        f"frontend web\n    bind 127.0.0.1:{port}\n    default_backend app\n"
        f"backend app\n    balance leastconn\n{servers}\n"
    )
    proxy = subprocess.Popen(["haproxy", "-f", str(config)])
    _wait(port)
    return proxy, port


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        p.wait(timeout=15)


def people_per_machine(env: dict[str, str], cast: dict[str, Any]) -> dict[str, Any]:
    """The people ramp against one gunicorn, then against two behind HAProxy."""
    server, port = _gunicorn(env)
    try:
        one = ramp(port=port, **cast)
    finally:
        _stop(server)
    if shutil.which("haproxy") is None:
        return {"one_process": one, "two_processes": {"skipped": "haproxy is not installed"}}
    first, p1 = _gunicorn(env)
    second, p2 = _gunicorn(env)
    with tempfile.TemporaryDirectory() as folder:
        proxy, port = _haproxy([p1, p2], Path(folder))
        try:
            two = ramp(port=port, **cast)
        finally:
            _stop(proxy, first, second)
    return {"one_process": one, "two_processes": two}

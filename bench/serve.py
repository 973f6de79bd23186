"""The site under gunicorn on a free loopback port, for the bench scripts that time it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> Iterator[int]:
    """gunicorn with `workers` processes serving the site; yields its port, stops it after."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lhs_assess.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)

"""What the HTTP benchmarks share: a throwaway database, the server's environment, a gunicorn
serving it on a free loopback port, and percentiles."""

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz/live")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)  # polling a server we just started; not a test
    raise RuntimeError(f"server on port {port} did not start")


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile of durations in seconds, in milliseconds (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index] * 1000


def throwaway_database(workdir: Path, label: str) -> tuple[str, callable]:
    """A fresh database for one benchmark (PostgreSQL when DATABASE_URL names one, else SQLite in
    ``workdir``) and the function that drops it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    import psycopg

    base, _, name = url.rpartition("/")
    scratch = f"{name}_bench_{label}"
    admin = psycopg.connect(f"{base}/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    admin.execute(f'CREATE DATABASE "{scratch}"')

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()

    return f"{base}/{scratch}", drop


def server_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "valuepartner.settings.base",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def gunicorn(env: dict, *, log: Path | None = None) -> Iterator[int]:
    """Two sync workers on a free loopback port, up and answering; yields the port."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "valuepartner.wsgi"]
    with open(log, "ab") if log else open(os.devnull, "wb") as errors:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            wait_until_up(port)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=10)

"""Latency of the price history API for one symbol over 30+ years, under gunicorn (2 sync workers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python benchmarks/price_history_api.py

Loads the bundled skfolio dataset into a throwaway database (``<name>_bench_prices`` on PostgreSQL,
created and dropped here; a temporary file for SQLite), then asks
``/api/v1/instruments/AAPL/prices/?start=1990-01-01&end=2022-12-31`` (8,313 rows) one request at a
time, and prints p50/p99 as the median of --runs rounds.
"""

import argparse
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import gunicorn, percentile, server_env, throwaway_database  # noqa: E402

PATH = "/api/v1/instruments/AAPL/prices/?start=1990-01-01&end=2022-12-31"


def prepare(env: dict) -> str:
    """Migrate, load the bundled stocks, and return a session cookie of an advisor."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client as TestClient

    from accounts.services import create_firm, create_user
    from marketdata.services import load_bundled

    call_command("migrate", verbosity=0)
    load_bundled(datasets=["skfolio"])
    firm = create_firm(name="Benchmark Advisors")
    advisor = create_user(firm=firm, username="bench-advisor", role="advisor", password=None)
    test_client = TestClient()
    test_client.force_login(advisor)
    return test_client.cookies["sessionid"].value


def timed_requests(port: int, cookie: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={cookie}"}
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", PATH, headers=headers)
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        if response.status != 200 or body.count(b"],[") != 8312:
            raise RuntimeError(f"price history answered {response.status} with {len(body)} bytes")
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-prices-"))
    database_url, drop = throwaway_database(workdir, "prices")
    env = server_env(database_url)
    rounds = []
    try:
        cookie = prepare(env)
        from django.db import connections

        connections.close_all()
        for _ in range(args.runs):
            with gunicorn(env) as port:
                timed_requests(port, cookie, 20)  # warm both workers' connections and caches
                timings = timed_requests(port, cookie, args.requests)
                rounds.append((percentile(timings, 50), percentile(timings, 99)))
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    print(f"price history, AAPL 1990-2022 (8,313 rows), {vendor}, gunicorn 2 sync, median of {args.runs} runs")
    print(f"p50 {statistics.median(r[0] for r in rounds):.1f} ms, p99 {statistics.median(r[1] for r in rounds):.1f} ms")
    print(f"rounds (p50, p99): {[(round(a, 1), round(b, 1)) for a, b in rounds]}")


if __name__ == "__main__":
    main()

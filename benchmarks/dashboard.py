"""Advisor dashboard latency and throughput under gunicorn (2 sync workers) and daphne.

Prints p50/p99 one request at a time and at 32 concurrent clients, and requests/s, as the median of
--runs rounds; both servers are measured in each round on the same data so their ratio is fair.
"""

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import free_port, percentile, wait_until_up  # noqa: E402


def prepare(env: dict, households: int) -> str:
    """Migrate a throwaway database, fill one advisor's book, and return a session cookie for them."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client as TestClient

    from accounts.services import create_firm, create_user
    from portfolios.services import create_client, create_household

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the servers use the manifest storage
    firm = create_firm(name="Benchmark Advisors")
    advisor = create_user(firm=firm, username="bench-advisor", role="advisor", password=None)
    for number in range(households):
        household = create_household(actor=advisor, name=f"Household {number:04d}")
        for person in range(2):
            create_client(actor=advisor, household=household, first_name=f"Client{person}", last_name=f"H{number}")
    test_client = TestClient()
    test_client.force_login(advisor)
    return test_client.cookies["sessionid"].value


def start_server(kind: str, port: int, env: dict) -> subprocess.Popen:
    bin_dir = Path(sys.executable).parent
    if kind == "gunicorn":
        command = [str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "valuepartner.wsgi"]
    else:
        command = [str(bin_dir / "daphne"), "-b", "127.0.0.1", "-p", str(port), "valuepartner.asgi:application"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port)
    return process


def timed_requests(port: int, cookie: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={cookie}"}
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200 or b"Recently updated households" not in body:
            raise RuntimeError(f"dashboard answered {response.status}")
        timings.append(time.perf_counter() - started)
    connection.close()
    return timings


def measure(port: int, cookie: str, sequential: int, concurrent: int, per_client: int) -> dict:
    timed_requests(port, cookie, 10)  # warm caches and connections
    one = timed_requests(port, cookie, sequential)
    lock = threading.Lock()
    many: list[float] = []

    def client(_):
        timings = timed_requests(port, cookie, per_client)
        with lock:
            many.extend(timings)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrent) as pool:
        list(pool.map(client, range(concurrent)))
    elapsed = time.perf_counter() - started
    return {
        "p50_1": percentile(one, 50),
        "p99_1": percentile(one, 99),
        "p50_32": percentile(many, 50),
        "p99_32": percentile(many, 99),
        "rps_32": len(many) / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--households", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--per-client", type=int, default=20, help="requests per concurrent client")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "valuepartner.settings.base",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"),
        "LOG_LEVEL": "WARNING",
    }
    try:
        cookie = prepare(env, args.households)
        results: dict[str, list[dict]] = {"gunicorn": [], "daphne": []}
        for _ in range(args.runs):
            for kind in results:
                port = free_port()
                server = start_server(kind, port, env)
                try:
                    results[kind].append(measure(port, cookie, args.sequential, 32, args.per_client))
                finally:
                    server.terminate()
                    server.wait(timeout=10)
        print(f"advisor dashboard, {args.households} households, median of {args.runs} runs")
        print(f"{'server':<22}{'p50 1x':>10}{'p99 1x':>10}{'p50 32x':>10}{'p99 32x':>10}{'req/s 32x':>12}")
        for kind, label in (("gunicorn", "gunicorn 2 sync"), ("daphne", "daphne")):
            rows = results[kind]
            med = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
            print(
                f"{label:<22}{med['p50_1']:>8.1f}ms{med['p99_1']:>8.1f}ms{med['p50_32']:>8.1f}ms"
                f"{med['p99_32']:>8.1f}ms{med['rps_32']:>12.0f}"
            )
        ratios = [g["rps_32"] / d["rps_32"] for g, d in zip(results["gunicorn"], results["daphne"], strict=True)]
        print(f"gunicorn/daphne throughput ratio at 32 concurrent (same runs): {statistics.median(ratios):.1f}x")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

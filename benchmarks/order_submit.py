"""API order submission to the paper simulator on PostgreSQL, under gunicorn, with a Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python benchmarks/order_submit.py

Builds, in a throwaway database, one advisor with 16 paper accounts (10,000,000 cash each) and one
instrument with a last close. Then POSTs market buys of 1 share to ``/api/v1/orders/`` (JWT, a fresh
``Idempotency-Key`` each) against gunicorn (2 sync workers, as every benchmark here):

- one at a time (one account): p50/p99 of the request, median of --runs rounds;
- 16 concurrent clients (one account each): orders/s over the burst, p50/p99, errors.

The answer is the order entered (``queued``; pre-trade checks passed under the account's row lock);
a Celery worker (prefork, 2 processes as in docker-compose; its own Redis database --broker-db so no
other worker takes the tasks) dispatches each to the simulator after commit, and the simulator fills
it against the last close and books the fill in the ledger. The script waits for that backlog to
drain and prints how long it took, the worker's rate, and how the orders ended: every order must be
filled and every request answered 201 (0 errors).
With --worker-after the worker starts only once the requests are done, which shows what the API
alone sustains on the two cores (the worker's dispatch, matching and ledger booking compete for them).
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import free_port, gunicorn, percentile, server_env, throwaway_database, wait_until_up  # noqa: E402

CLIENTS = 16
SYMBOL = "BNCH"


def build() -> tuple[list[int], int]:
    """The accounts (one per concurrent client) and the advisor's id."""
    from django.core.management import call_command

    from accounts.services import create_firm, create_user
    from marketdata.models import DailyBar, Instrument
    from portfolios.services import create_account, create_client, create_household, record_transaction

    call_command("migrate", verbosity=0)
    firm = create_firm(name="Order Benchmark")
    advisor = create_user(firm=firm, username="bench-orders", role="advisor", password=None)
    household = create_household(actor=advisor, name="Benchmark household")
    client = create_client(actor=advisor, household=household, first_name="Bench", last_name="Mark")
    instrument = Instrument.objects.create(symbol=SYMBOL, name="Benchmark Corp", exchange="XNYS")
    DailyBar.objects.create(
        instrument=instrument,
        date=dt.date(2024, 1, 2),
        open=Decimal("50"),
        high=Decimal("51"),
        low=Decimal("49"),
        close=Decimal("50"),
        adj_close=Decimal("50"),
        volume=10_000_000,
    )
    accounts = []
    for number in range(CLIENTS):
        account = create_account(actor=advisor, client=client, name=f"Paper {number}", trading_mode="paper")
        record_transaction(
            account=account, kind="deposit", trade_date=dt.date(2024, 1, 2), actor=None, amount=Decimal("10000000")
        )
        accounts.append(account.pk)
    return accounts, advisor.pk


def token_for(user_id: int) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    return str(AccessToken.for_user(User.objects.get(pk=user_id)))


def submit(connection, token: str, account_id: int) -> tuple[float, int, bytes]:
    body = json.dumps({"account": account_id, "symbol": SYMBOL, "side": "buy", "qty": "1"})
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    started = time.perf_counter()
    connection.request("POST", "/api/v1/orders/", body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    return time.perf_counter() - started, response.status, payload


def one_at_a_time(port: int, token: str, account_id: int, count: int) -> tuple[list[float], list[str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings, errors = [], []
    for _ in range(count):
        seconds, status, payload = submit(connection, token, account_id)
        timings.append(seconds)
        if status != 201:
            errors.append(f"{status}: {payload[:200]!r}")
    connection.close()
    return timings, errors


def concurrent(port: int, token: str, accounts: list[int], per_client: int) -> tuple[float, list[float], list[str]]:
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(accounts) + 1)

    def client(account_id: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        for _ in range(per_client):
            try:
                seconds, status, payload = submit(connection, token, account_id)
            except OSError as error:
                with lock:
                    errors.append(repr(error))
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            with lock:
                timings.append(seconds)
                if status != 201:
                    errors.append(f"{status}: {payload[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client, args=(account_id,)) for account_id in accounts]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, timings, errors


def drain(expected: int, timeout: float) -> tuple[float, dict]:
    """Seconds until no order is still on its way to the simulator, and the orders by status."""
    from django.db import connections
    from django.db.models import Count

    from trading.models import Order

    began = time.perf_counter()
    while True:
        counts = dict(Order.objects.values_list("status").annotate(n=Count("id")).order_by())
        connections.close_all()
        if sum(counts.values()) >= expected and not set(counts) - {"filled", "rejected", "canceled", "expired"}:
            return time.perf_counter() - began, counts
        if time.perf_counter() - began > timeout:
            return float("nan"), counts
        time.sleep(0.2)  # polling the worker's progress; not a test


def worker(env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "valuepartner",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "2",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
    ]
    with open(log, "ab") as errors:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)


def stop(celery: subprocess.Popen) -> None:
    """Warm shutdown (the worker finishes what it holds), timed: a worker that hangs is a finding."""
    began = time.perf_counter()
    celery.terminate()
    try:
        celery.wait(timeout=60)
    except subprocess.TimeoutExpired:
        celery.kill()
        celery.wait()
        print("worker did not stop within 60 s of SIGTERM; killed")
        return
    print(f"worker stopped {time.perf_counter() - began:.1f} s after SIGTERM")


@contextlib.contextmanager
def server(env: dict, *, workers: int, log: Path):
    """The harness's gunicorn (2 sync workers) by default; ``workers`` sync workers otherwise."""
    if workers == 2:
        with gunicorn(env, log=log) as port:
            yield port
        return
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    with open(log, "ab") as errors:
        process = subprocess.Popen(
            [*command, "valuepartner.wsgi"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors
        )
        try:
            wait_until_up(port)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="one-at-a-time orders per run")
    parser.add_argument("--per-client", type=int, default=40, help="orders per concurrent client per run")
    parser.add_argument("--broker-db", type=int, default=9, help="Redis database of the benchmark's task queue")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2 like every benchmark here)")
    parser.add_argument(
        "--worker-after",
        action="store_true",
        help="start the Celery worker only after the requests (the API alone on the CPU), then drain",
    )
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        sys.exit("Set REDIS_URL: the worker's task queue and the live blotter's channel layer use Redis.")
    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-orders-"))
    database_url, drop = throwaway_database(workdir, "order_submit")
    env = {
        **server_env(database_url),
        "CELERY_BROKER_URL": f"{redis_url.rsplit('/', 1)[0]}/{args.broker_db}",
        "CHANNELS_PREFIX": f"bench-orders-{uuid.uuid4().hex[:8]}",
        "CACHE_KEY_PREFIX": f"bench-orders-{uuid.uuid4().hex[:8]}",
    }
    single, burst, drains = [], [], []
    all_errors: list[str] = []
    submitted = 0
    log = workdir / "server.log"
    try:
        os.environ.update(env)
        import django

        django.setup()
        accounts, advisor_id = build()
        token = token_for(advisor_id)
        from django.db import connections

        connections.close_all()
        celery = None if args.worker_after else worker(env, log)
        try:
            for _ in range(args.runs):
                with server(env, workers=args.workers, log=log) as port:
                    one_at_a_time(port, token, accounts[0], 20)  # warm the workers (imports, connections)
                    timings, errors = one_at_a_time(port, token, accounts[0], args.requests)
                    single.append((percentile(timings, 50), percentile(timings, 99)))
                    elapsed, timings, burst_errors = concurrent(port, token, accounts, args.per_client)
                    burst.append((len(timings) / elapsed, percentile(timings, 50), percentile(timings, 99)))
                    submitted += 20 + args.requests + CLIENTS * args.per_client
                    all_errors += errors + burst_errors
                if args.worker_after:
                    celery = worker(env, log)
                drains.append(drain(submitted, timeout=180))
                if args.worker_after:
                    stop(celery)
                    celery = None
        finally:
            if celery is not None:
                stop(celery)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        if all_errors or any(d[0] != d[0] for d in drains):
            print(f"server log kept: {log}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    worker_note = "worker started after the requests" if args.worker_after else "Celery worker running alongside"
    print(
        f"order submission API (market buy, paper simulator), {vendor}, gunicorn {args.workers} sync, {worker_note}, "
        f"median of {args.runs} runs"
    )
    print(
        f"one at a time: p50 {statistics.median(r[0] for r in single):.1f} ms, "
        f"p99 {statistics.median(r[1] for r in single):.1f} ms  (target p50 <= 15, p99 <= 30)"
    )
    print(
        f"{CLIENTS} concurrent clients: {statistics.median(r[0] for r in burst):.0f} orders/s, "
        f"p50 {statistics.median(r[1] for r in burst):.1f} ms, p99 {statistics.median(r[2] for r in burst):.1f} ms"
        f"  (target >= 100 orders/s)"
    )
    print(f"errors: {len(all_errors)}" + (f" e.g. {all_errors[:3]}" if all_errors else ""))
    print(
        "worker backlog drained after the requests in (s): "
        f"{[round(d[0], 1) for d in drains]}; orders by status at the end: {drains[-1][1]}"
    )
    if args.worker_after:
        per_run = 20 + args.requests + CLIENTS * args.per_client
        rates = [per_run / d[0] for d in drains if d[0] == d[0] and d[0] > 0]
        if rates:
            print(f"worker alone (dispatch, simulator fill, ledger booking): {statistics.median(rates):.0f} orders/s")
    print(f"rounds one-at-a-time (p50, p99): {[(round(a, 1), round(b, 1)) for a, b in single]}")
    print(f"rounds concurrent (orders/s, p50, p99): {[(round(a), round(b, 1), round(c, 1)) for a, b, c in burst]}")


if __name__ == "__main__":
    main()

"""Account page latency with 500 positions and 10 years of daily values, on PostgreSQL, under gunicorn.

Prints p50/p99 one request at a time and at 32 concurrent clients (median of --runs rounds), the
error count, and how long ``refresh_account_values`` took to build the 10-year history.

Data (SYNTHETIC prices, labelled as such: source "synthetic-benchmark"): 500 instruments with a
seeded random walk of closes over every XNYS session of ten years, loaded with COPY. The ledger
(a deposit, one buy per instrument, monthly deposits), lots and positions are bulk-created: this
measures reads, not the ledger's write path. The value history is then computed by the real
``refresh_account_values``. The data is kept between runs; pass --rebuild to start again.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_valuation_bench \\
       .venv/bin/python benchmarks/account_page.py --runs 3
"""

import argparse
import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import free_port, percentile, wait_until_up  # noqa: E402

SYMBOL_PREFIX = "SYN"
SECTORS = ("Technology", "Health Care", "Financials", "Energy", "Industrials", "Utilities", "Materials")
ACCOUNT_NAME = "Benchmark 500 positions"


def _setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def build(positions: int, years: int, rebuild: bool) -> tuple[int, float | None]:
    """Create (or reuse) the benchmark account; returns its id and the refresh time if it ran."""
    import numpy as np
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.services import create_firm, create_user
    from marketdata.calendar import sessions_in_range
    from marketdata.models import DailyBar, Instrument
    from portfolios.models import Account, Lot, Position, Transaction
    from portfolios.services import create_account, create_client, create_household, refresh_account_values

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    existing = Account.objects.filter(name=ACCOUNT_NAME).first()
    if existing is not None and not rebuild:
        return existing.pk, None
    if existing is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE compliance_auditevent, portfolios_accountvalue, portfolios_lotrelief, portfolios_lot, "
                "portfolios_position, portfolios_transaction, portfolios_account, portfolios_client, "
                "portfolios_household, marketdata_dailybar, marketdata_instrument, accounts_user, accounts_firm "
                "RESTART IDENTITY CASCADE"
            )

    end = dt.date(2024, 12, 31)
    sessions = sessions_in_range(dt.date(end.year - years + 1, 1, 1), end)
    started = time.perf_counter()
    firm = create_firm(name="Account Page Benchmark")
    advisor = create_user(firm=firm, username="bench-accounts", role="advisor", password=None)
    household = create_household(actor=advisor, name="Benchmark household")
    client = create_client(actor=advisor, household=household, first_name="Bench", last_name="Mark")
    account = create_account(actor=advisor, client=client, name=ACCOUNT_NAME)
    Instrument.objects.bulk_create(
        Instrument(
            symbol=f"{SYMBOL_PREFIX}{n:03d}",
            name=f"Synthetic company {n:03d}",
            sector=SECTORS[n % len(SECTORS)],
            exchange="XNYS",
        )
        for n in range(positions)
    )
    instruments = list(Instrument.objects.filter(symbol__startswith=SYMBOL_PREFIX).order_by("symbol"))

    # A seeded geometric random walk per instrument: synthetic, reproducible, never below a cent.
    rng = np.random.default_rng(20240101)
    steps = rng.normal(0.0003, 0.015, size=(len(sessions), len(instruments)))
    closes = np.round(np.maximum(50 * np.exp(np.cumsum(steps, axis=0)), 0.01), 4)
    buffer = io.StringIO()
    for j, instrument in enumerate(instruments):
        for i, day in enumerate(sessions):
            price = closes[i, j]
            buffer.write(f"{instrument.pk}\t{day.isoformat()}\t{price}\t{price}\tsynthetic-benchmark\n")
    buffer.seek(0)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {DailyBar._meta.db_table} (instrument_id, date, close, adj_close, source) FROM STDIN"
        ) as copy,
    ):
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)
    loaded = time.perf_counter() - started

    first = sessions[0]
    quantity = Decimal("10")
    with transaction.atomic():
        cost = {
            inst.pk: (quantity * Decimal(str(closes[0, j]))).quantize(Decimal("0.01"))
            for j, inst in enumerate(instruments)
        }
        monthly = [day for k, day in enumerate(sessions) if k and day.month != sessions[k - 1].month]
        deposits = [Transaction(account=account, kind="deposit", trade_date=first, amount=sum(cost.values()) + 10000)]
        deposits += [
            Transaction(account=account, kind="deposit", trade_date=day, amount=Decimal("1000")) for day in monthly
        ]
        Transaction.objects.bulk_create(deposits)
        buys = Transaction.objects.bulk_create(
            Transaction(
                account=account,
                kind="buy",
                trade_date=first,
                instrument=inst,
                quantity=quantity,
                price=Decimal(str(closes[0, j])),
                amount=-cost[inst.pk],
            )
            for j, inst in enumerate(instruments)
        )
        Lot.objects.bulk_create(
            Lot(
                account=account,
                instrument_id=buy.instrument_id,
                opening_transaction=buy,
                acquired_on=first,
                quantity=quantity,
                remaining_quantity=quantity,
                cost_basis=cost[buy.instrument_id],
            )
            for buy in buys
        )
        Position.objects.bulk_create(
            Position(account=account, instrument=inst, quantity=quantity, cost_basis=cost[inst.pk])
            for inst in instruments
        )
        Account.objects.filter(pk=account.pk).update(cash=Decimal("10000") + Decimal("1000") * len(monthly))
    account.refresh_from_db()
    print(f"loaded {len(instruments)} instruments x {len(sessions)} sessions of synthetic bars in {loaded:.1f} s")

    started = time.perf_counter()
    rows = refresh_account_values(account=account)
    refresh_seconds = time.perf_counter() - started
    print(f"refresh_account_values: {rows} daily rows for {len(instruments)} positions in {refresh_seconds:.2f} s")
    return account.pk, refresh_seconds


def start_gunicorn(port: int, env: dict, log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "valuepartner.wsgi"]
    with log.open("ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        wait_until_up(port, timeout=120)
    except RuntimeError:
        process.terminate()
        sys.exit(f"gunicorn did not start; see {log}")
    return process


def session_cookie() -> str:
    from django.test import Client as TestClient

    from accounts.models import User

    test_client = TestClient()
    test_client.force_login(User.objects.get(username="bench-accounts"))
    return test_client.cookies["sessionid"].value


def timed_requests(port: int, cookie: str, path: str, count: int, errors: list) -> list[float]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={cookie}"}
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except OSError as error:
            errors.append(repr(error))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = time.perf_counter() - started
        if response.status != 200 or b"holdings-table" not in body:
            errors.append(f"status {response.status}")
        timings.append(elapsed)
    connection.close()
    return timings


def measure(port: int, cookie: str, path: str, sequential: int, concurrent: int, per_client: int) -> dict:
    errors: list = []
    timed_requests(port, cookie, path, 10, errors)  # warm connections, pools and caches
    one = timed_requests(port, cookie, path, sequential, errors)
    lock = threading.Lock()
    many: list[float] = []

    def client(_):
        timings = timed_requests(port, cookie, path, per_client, errors)
        with lock:
            many.extend(timings)

    with ThreadPoolExecutor(max_workers=concurrent) as pool:
        list(pool.map(client, range(concurrent)))
    return {
        "p50_1": percentile(one, 50),
        "p99_1": percentile(one, 99),
        "p50_32": percentile(many, 50),
        "p99_32": percentile(many, 99),
        "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--positions", type=int, default=500)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--per-client", type=int, default=10, help="requests per concurrent client")
    parser.add_argument("--range", default="MAX", help="chart range requested (default MAX: 10 years)")
    parser.add_argument("--rebuild", action="store_true", help="drop the benchmark data and build it again")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point at a PostgreSQL database (its data is replaced with --rebuild).")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "valuepartner.settings.base", "LOG_LEVEL": "WARNING"}
    _setup_django(env)
    account_id, _ = build(args.positions, args.years, args.rebuild)
    cookie = session_cookie()
    path = f"/accounts/{account_id}/?range={args.range}"

    rounds = []
    for _ in range(args.runs):
        port = free_port()
        server = start_gunicorn(port, env, Path(tempfile.gettempdir()) / "vp-account-page-gunicorn.log")
        try:
            rounds.append(measure(port, cookie, path, args.sequential, 32, args.per_client))
        finally:
            server.terminate()
            server.wait(timeout=10)
    med = {key: statistics.median(row[key] for row in rounds) for key in rounds[0]}
    spread = {key: (min(row[key] for row in rounds), max(row[key] for row in rounds)) for key in ("p50_1", "p99_1")}
    print(
        f"account page, {args.positions} positions, {args.years} years of values, range {args.range}, gunicorn 2 sync"
    )
    print(
        f"median of {args.runs} runs: p50 1x {med['p50_1']:.1f} ms, p99 1x {med['p99_1']:.1f} ms, "
        f"p50 32x {med['p50_32']:.1f} ms, p99 32x {med['p99_32']:.1f} ms, errors {sum(r['errors'] for r in rounds)}"
    )
    print(
        f"spread of p50 1x {spread['p50_1'][0]:.1f}-{spread['p50_1'][1]:.1f} ms, "
        f"p99 1x {spread['p99_1'][0]:.1f}-{spread['p99_1'][1]:.1f} ms"
    )


if __name__ == "__main__":
    main()

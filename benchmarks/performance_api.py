"""Latency of the account performance API: 10 years of daily values and 200 flows, under gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python benchmarks/performance_api.py

Builds, in a throwaway database (``<name>_bench_performance`` on PostgreSQL, created and dropped
here; a temporary file for SQLite), one account with a SYNTHETIC value history: a seeded random
walk over every XNYS session of 2013-2022 (2,518 rows), 200 deposits and withdrawals (a quarter
of them dated on a Saturday, so the working lists moved flows) and 40 fees, with their ledger
transactions; the value rows are bulk-created (this measures reads, not the valuation). Then asks
``/api/v1/accounts/<id>/performance/`` one request at a time, cycling through since inception
(net), 5Y gross, YTD and a custom range, and prints p50/p99 as the median of --runs rounds, plus
an in-process split of one request into loading, arithmetic and payload.
"""

import argparse
import datetime as dt
import http.client
import os
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from harness import gunicorn, percentile, server_env, throwaway_database  # noqa: E402

FLOWS = 200
FEES = 40
QUERIES = (
    "period=ITD",
    "period=5Y&net=false",
    "period=YTD",
    "period=custom&start=2016-03-01&end=2019-09-30",
)


def build() -> tuple[int, int]:
    """The benchmark account and its advisor's id."""
    import numpy as np
    from django.core.management import call_command

    from accounts.services import create_firm, create_user
    from marketdata.calendar import sessions_in_range
    from portfolios.models import AccountValue, Transaction
    from portfolios.services import create_account, create_client, create_household

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    firm = create_firm(name="Performance Benchmark")
    advisor = create_user(firm=firm, username="bench-performance", role="advisor", password=None)
    household = create_household(actor=advisor, name="Benchmark household")
    client = create_client(actor=advisor, household=household, first_name="Bench", last_name="Mark")
    account = create_account(actor=advisor, client=client, name="Benchmark 10 years")

    sessions = sessions_in_range(dt.date(2013, 1, 2), dt.date(2022, 12, 30))
    rng = np.random.default_rng(20130102)
    flow_rows = np.sort(rng.choice(np.arange(1, len(sessions)), size=FLOWS, replace=False))
    fee_rows = np.sort(rng.choice(np.arange(1, len(sessions)), size=FEES, replace=False))
    flows = np.zeros(len(sessions))
    flows[flow_rows] = np.round(rng.choice([1, 1, 1, -1], size=FLOWS) * rng.uniform(1_000, 20_000, FLOWS), 2)
    fees = np.zeros(len(sessions))
    fees[fee_rows] = -np.round(rng.uniform(50, 500, FEES), 2)
    values = np.empty(len(sessions))
    values[0] = 250_000.0
    for t in range(1, len(sessions)):
        values[t] = round(max(values[t - 1] * (1 + rng.normal(0.0003, 0.01)) + flows[t] + fees[t], 0.0), 2)

    transactions = [Transaction(account=account, kind="deposit", trade_date=sessions[0], amount=Decimal("250000"))]
    for number, row in enumerate(flow_rows):
        day = sessions[row]
        if number % 4 == 0 and day.weekday() == 0:
            day -= dt.timedelta(days=2)  # a Saturday deposit the valuation counted on Monday
        kind = "deposit" if flows[row] > 0 else "withdrawal"
        transactions.append(
            Transaction(account=account, kind=kind, trade_date=day, amount=Decimal(f"{flows[row]:.2f}"))
        )
    transactions += [
        Transaction(account=account, kind="fee", trade_date=sessions[row], amount=Decimal(f"{fees[row]:.2f}"))
        for row in fee_rows
    ]
    Transaction.objects.bulk_create(transactions)
    AccountValue.objects.bulk_create(
        AccountValue(
            account=account,
            date=day,
            cash=Decimal(f"{values[i]:.2f}"),
            market_value=Decimal("0"),
            total_value=Decimal(f"{values[i]:.2f}"),
            cost_basis=Decimal("0"),
            net_external_flow=Decimal(f"{(values[0] if i == 0 else flows[i]):.2f}"),
        )
        for i, day in enumerate(sessions)
    )
    print(f"account {account.pk}: {len(sessions)} daily values, {FLOWS} flows, {FEES} fees (synthetic)")
    return account.pk, advisor.pk


def in_process_split(account_id: int, rounds: int = 50) -> dict[str, float]:
    """Median ms of loading + period + arithmetic, and of building the payload, for ITD."""
    from portfolios.models import Account
    from reporting.api.serializers import performance_payload
    from reporting.selectors import account_performance
    from reporting.selectors_benchmark import benchmark_comparison

    account = Account.objects.get(pk=account_id)
    report_ms, payload_ms = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        report = account_performance(account)
        middle = time.perf_counter()
        performance_payload("account", account_id, report, benchmark_comparison(report))
        report_ms.append((middle - started) * 1000)
        payload_ms.append((time.perf_counter() - middle) * 1000)
    return {"selector_and_math": statistics.median(report_ms), "payload": statistics.median(payload_ms)}


def token_for(user_id: int) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    return str(AccessToken.for_user(User.objects.get(pk=user_id)))


def timed_requests(port: int, account_id: int, token: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for number in range(count):
        path = f"/api/v1/accounts/{account_id}/performance/?{QUERIES[number % len(QUERIES)]}"
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        if response.status != 200 or b'"sub_periods"' not in body:
            raise RuntimeError(f"{path} answered {response.status}: {body[:300]!r}")
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-performance-"))
    database_url, drop = throwaway_database(workdir, "performance")
    env = server_env(database_url)
    rounds = []
    try:
        os.environ.update(env)
        import django

        django.setup()
        account_id, advisor_id = build()
        split = in_process_split(account_id)
        token = token_for(advisor_id)
        from django.db import connections

        connections.close_all()
        for _ in range(args.runs):
            with gunicorn(env) as port:
                timed_requests(port, account_id, token, 20)  # warm both workers (calendar, connections)
                timings = timed_requests(port, account_id, token, args.requests)
                rounds.append((percentile(timings, 50), percentile(timings, 99)))
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    print(
        f"account performance API, 10 years daily, {FLOWS} flows, {FEES} fees, {vendor}, gunicorn 2 sync, "
        f"one request at a time, median of {args.runs} runs"
    )
    print(f"p50 {statistics.median(r[0] for r in rounds):.1f} ms, p99 {statistics.median(r[1] for r in rounds):.1f} ms")
    print(f"rounds (p50, p99): {[(round(a, 1), round(b, 1)) for a, b in rounds]}")
    print(
        f"in process (ITD): selector + arithmetic {split['selector_and_math']:.1f} ms, "
        f"payload {split['payload']:.1f} ms"
    )


if __name__ == "__main__":
    main()

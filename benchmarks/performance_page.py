"""Latency of the account and household performance pages: 10 years of daily values and 200 flows, under gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python benchmarks/performance_page.py

Reuses the data of ``performance_api.py`` (a throwaway database with one SYNTHETIC account: 2,518
daily values over 2013-2022, 200 flows, 40 fees) and adds the S&P 500 index closes from the
bundled dataset as the benchmark (and the factor ETFs for the exposures). A second account with its
own 10-year history and 200 flows joins the household, so the household page sums two accounts.
Then asks, one request at a time, signed in through a session cookie, cycling through since
inception (net), 5Y gross, YTD and a custom range:

- the account page ``/reporting/accounts/<id>/performance/``,
- the household page ``/reporting/households/<id>/performance/``,
- the factor-exposure and attribution panel each page loads after itself (htmx fragment; the
  synthetic accounts hold cash, so attribution stops at "no model portfolio": the figure is the
  factor regression over the period),

and prints p50/p99 of each as the median of --runs rounds, plus the in-process time of the
account page's figures and charts.
"""

import argparse
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

from harness import (  # noqa: E402
    gunicorn,
    percentile,
    server_env,
    throwaway_database,
)
from performance_api import FEES, FLOWS, QUERIES, build  # noqa: E402


def load_spx() -> int:
    from django.core.management import call_command

    from marketdata.models import DailyBar

    call_command("load_market_data", dataset=["index", "factors"], verbosity=0)
    return DailyBar.objects.filter(instrument__symbol="SPX").count()


def second_account(account_id: int) -> int:
    """A second account in the benchmark account's household: the same dates, its own values and 200 flows."""
    import numpy as np

    from portfolios.models import Account, AccountValue, Transaction
    from portfolios.services import create_account

    first = Account.objects.select_related("client__household__advisor").get(pk=account_id)
    account = create_account(actor=first.client.household.advisor, client=first.client, name="Benchmark IRA")
    rows = list(AccountValue.objects.filter(account_id=account_id).order_by("date").values_list("date", flat=True))
    rng = np.random.default_rng(7)
    flows = np.zeros(len(rows))
    flow_rows = np.sort(rng.choice(np.arange(1, len(rows)), size=FLOWS, replace=False))
    flows[flow_rows] = np.round(rng.uniform(500, 5_000, FLOWS), 2)
    values = np.empty(len(rows))
    values[0] = 100_000.0
    for t in range(1, len(rows)):
        values[t] = round(values[t - 1] * (1 + rng.normal(0.0002, 0.008)) + flows[t], 2)
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
        for i, day in enumerate(rows)
    )
    Transaction.objects.bulk_create(
        [Transaction(account=account, kind="deposit", trade_date=rows[0], amount=Decimal("100000"))]
        + [
            Transaction(account=account, kind="deposit", trade_date=rows[i], amount=Decimal(f"{flows[i]:.2f}"))
            for i in flow_rows
        ]
    )
    return first.client.household_id


def session_cookie(user_id: int) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User

    user = User.objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"  # axes answers no get_user
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def in_process(account_id: int, rounds: int = 30) -> float:
    """Median ms of the report plus every figure, table and chart of the page, since inception."""
    from portfolios.models import Account
    from reporting.performance_page import performance_context
    from reporting.selectors import account_performance
    from reporting.selectors_benchmark import benchmark_comparison

    account = Account.objects.get(pk=account_id)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        report = account_performance(account)
        performance_context(report, benchmark_comparison(report, with_series=True))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# What each measured URL must contain to count as a good answer.
PAGE_MARKERS = (b'id="sub-periods"', b"S&amp;P 500", b'id="period-table"')
ANALYSIS_MARKERS = (b'id="factor-table"', b'id="attribution"')


def timed_requests(port: int, base: str, cookie: str, count: int, *, htmx: bool = False) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} | ({"HX-Request": "true"} if htmx else {})
    markers = ANALYSIS_MARKERS if htmx else PAGE_MARKERS
    timings = []
    for number in range(count):
        path = f"{base}?{QUERIES[number % len(QUERIES)]}"
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        if response.status != 200 or not all(marker in body for marker in markers):
            raise RuntimeError(f"{path} answered {response.status}")
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--fragment-requests", type=int, default=60)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-performance-page-"))
    database_url, drop = throwaway_database(workdir, "performance_page")
    env = server_env(database_url)
    targets = {}
    rounds: dict[str, list[tuple[float, float]]] = {}
    try:
        os.environ.update(env)
        import django

        django.setup()
        account_id, advisor_id = build()
        print(f"SPX closes loaded: {load_spx()}")
        household_id = second_account(account_id)
        targets = {
            "account page": (f"/reporting/accounts/{account_id}/performance/", False, args.requests),
            "household page (2 accounts)": (f"/reporting/households/{household_id}/performance/", False, args.requests),
            "account analysis panel": (
                f"/reporting/accounts/{account_id}/performance/analysis/",
                True,
                args.fragment_requests,
            ),
            "household analysis panel": (
                f"/reporting/households/{household_id}/performance/analysis/",
                True,
                args.fragment_requests,
            ),
        }
        page_ms = in_process(account_id)
        cookie = session_cookie(advisor_id)
        from django.db import connections

        connections.close_all()
        for _ in range(args.runs):
            try:
                with gunicorn(env, log=workdir / "gunicorn.log") as port:
                    for name, (base, htmx, count) in targets.items():
                        timed_requests(port, base, cookie, 12, htmx=htmx)  # warm both workers
                        timings = timed_requests(port, base, cookie, count, htmx=htmx)
                        rounds.setdefault(name, []).append((percentile(timings, 50), percentile(timings, 99)))
            except RuntimeError:
                print((workdir / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
                raise
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    print(
        f"performance pages, 10 years daily, {FLOWS} flows, {FEES} fees per account, SPX benchmark, {vendor}, "
        f"gunicorn 2 sync, one request at a time, median of {args.runs} runs"
    )
    for name, measured in rounds.items():
        p50 = statistics.median(r[0] for r in measured)
        p99 = statistics.median(r[1] for r in measured)
        listed = [(round(a, 1), round(b, 1)) for a, b in measured]
        print(f"{name:30s} p50 {p50:6.1f} ms, p99 {p99:6.1f} ms  rounds {listed}")
    print(f"in process (ITD): report + figures + charts {page_ms:.1f} ms")


if __name__ == "__main__":
    main()

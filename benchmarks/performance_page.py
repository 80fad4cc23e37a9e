"""Latency of the account performance page: 10 years of daily values and 200 flows, under gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python benchmarks/performance_page.py

Reuses the data of ``performance_api.py`` (a throwaway database with one SYNTHETIC account: 2,518
daily values over 2013-2022, 200 flows, 40 fees) and adds the S&P 500 index closes from the
bundled dataset as the benchmark. Then asks ``/reporting/accounts/<id>/performance/`` one request at
a time, signed in through a session cookie, cycling through since inception (net), 5Y gross, YTD and
a custom range, and prints p50/p99 as the median of --runs rounds, plus the in-process time of
the page's figures and charts.
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

    call_command("load_market_data", dataset=["index"], verbosity=0)
    return DailyBar.objects.filter(instrument__symbol="SPX").count()


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
    from reporting.performance_page import benchmark_closes, performance_context
    from reporting.selectors import account_performance

    account = Account.objects.get(pk=account_id)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        report = account_performance(account)
        performance_context(report, benchmark_closes(report.performance.base_date, report.performance.end_date))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def timed_requests(port: int, account_id: int, cookie: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings = []
    for number in range(count):
        path = f"/reporting/accounts/{account_id}/performance/?{QUERIES[number % len(QUERIES)]}"
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read()
        timings.append(time.perf_counter() - started)
        if response.status != 200 or b'id="sub-periods"' not in body or b"S&amp;P 500" not in body:
            raise RuntimeError(f"{path} answered {response.status}")
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-performance-page-"))
    database_url, drop = throwaway_database(workdir, "performance_page")
    env = server_env(database_url)
    rounds = []
    try:
        os.environ.update(env)
        import django

        django.setup()
        account_id, advisor_id = build()
        print(f"SPX closes loaded: {load_spx()}")
        page_ms = in_process(account_id)
        cookie = session_cookie(advisor_id)
        from django.db import connections

        connections.close_all()
        for _ in range(args.runs):
            try:
                with gunicorn(env, log=workdir / "gunicorn.log") as port:
                    timed_requests(port, account_id, cookie, 20)  # warm both workers (calendar, connections)
                    timings = timed_requests(port, account_id, cookie, args.requests)
                    rounds.append((percentile(timings, 50), percentile(timings, 99)))
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
        f"account performance page, 10 years daily, {FLOWS} flows, {FEES} fees, SPX benchmark, {vendor}, "
        f"gunicorn 2 sync, one request at a time, median of {args.runs} runs"
    )
    print(f"p50 {statistics.median(r[0] for r in rounds):.1f} ms, p99 {statistics.median(r[1] for r in rounds):.1f} ms")
    print(f"rounds (p50, p99): {[(round(a, 1), round(b, 1)) for a, b in rounds]}")
    print(f"in process (ITD): report + figures + charts {page_ms:.1f} ms")


if __name__ == "__main__":
    main()

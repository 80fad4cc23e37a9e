"""Time to produce a 10-page client performance report (PDF), in process, on a throwaway database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vp_bench .venv/bin/python benchmarks/report_pdf.py

Data: the SYNTHETIC account of ``performance_api.py`` (2,518 daily values over 2013-2022, 200 flows,
40 fees: ~240 ledger entries, which fill the activity pages), the bundled S&P 500 closes as the
benchmark and the bundled real prices of the 20 skfolio stocks and the factor ETFs, of which the
account is given one position each (positions written directly: this measures the report, not the
ledger). The report is since inception, net of fees. Each round runs the whole service
``produce_report``: read every figure (returns, table by period, benchmark, risk, holdings, activity),
draw the PDF, hash and store it, audit it. Prints pages, bytes and seconds (median of --runs, with
the split between gathering and drawing).
"""

import argparse
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

from harness import server_env, throwaway_database  # noqa: E402
from performance_api import FEES, FLOWS, build  # noqa: E402

TARGET_SECONDS = 3.0


def add_positions(account_id: int) -> int:
    """One position per bundled stock and factor ETF, on real prices."""
    from django.core.management import call_command

    from marketdata.models import Instrument
    from portfolios.models import Position

    call_command("load_market_data", dataset=["index", "skfolio", "factors"], verbosity=0)
    instruments = Instrument.objects.exclude(symbol="SPX").order_by("symbol")
    Position.objects.bulk_create(
        Position(
            account_id=account_id,
            instrument=instrument,
            quantity=Decimal(10 + 5 * i),
            cost_basis=Decimal(1000 + 75 * i),
        )
        for i, instrument in enumerate(instruments)
    )
    return instruments.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vp-bench-report-pdf-"))
    database_url, drop = throwaway_database(workdir, "report_pdf")
    env = server_env(database_url)
    os.environ.update(env)
    os.environ["REPORTS_ROOT"] = str(workdir / "reports")
    try:
        import django

        django.setup()
        account_id, advisor_id = build()
        positions = add_positions(account_id)

        from accounts.models import User
        from reporting.reports.content import build_content
        from reporting.reports.pdf import render_pdf
        from reporting.reports.services import ReportRequest, produce_report, subject_for

        advisor = User.objects.get(pk=advisor_id)
        request = ReportRequest("account", account_id)
        produce_report(subject=subject_for("account", account_id, user=advisor), actor=advisor, request=request)  # warm
        totals, gathers, draws = [], [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            report = produce_report(
                subject=subject_for("account", account_id, user=advisor), actor=advisor, request=request
            )
            totals.append(time.perf_counter() - started)
            started = time.perf_counter()
            content = build_content(subject_for("account", account_id, user=advisor))
            middle = time.perf_counter()
            render_pdf(content)
            gathers.append(middle - started)
            draws.append(time.perf_counter() - middle)
        vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    finally:
        from django.db import connections

        connections.close_all()
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    seconds = statistics.median(totals)
    print(
        f"client performance report PDF: 10 years daily, {FLOWS} flows, {FEES} fees, {positions} positions, "
        f"{len(content.activity)} activity rows, SPX benchmark, {vendor}, median of {args.runs} runs"
    )
    print(f"pages {report.pages}, {report.size:,} bytes")
    print(
        f"seconds {seconds:.3f} (target <= {TARGET_SECONDS:.1f}: {'met' if seconds <= TARGET_SECONDS else 'MISSED'}); "
        f"gather {statistics.median(gathers):.3f} s, draw {statistics.median(draws):.3f} s; "
        f"runs {[round(t, 3) for t in totals]}"
    )


if __name__ == "__main__":
    main()

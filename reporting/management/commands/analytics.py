"""Return and risk metrics of a CSV series, optionally against a benchmark, printed as text or one JSON object.

    python manage.py analytics --returns RETURNS.csv [--benchmark BENCH.csv] [--risk-free 0.0] --json
    python manage.py analytics --prices PRICES.csv [--benchmark BENCH.csv] ...

The numbers come from reporting.metrics.summary (definitions in its docstrings). A benchmark file may hold
returns or closes (its header says which); it is compared on the dates both files share. Values that are
undefined (NaN) or infinite print as null in JSON: JSON has no NaN or infinity.
"""

import datetime as dt
import json
import math

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from reporting import metrics
from reporting.series_io import SeriesFileError, read_returns

# the keys every run prints first, in this order; the rest of summary follows
HEADLINE = (
    "total_return",
    "cagr",
    "annual_volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "var_95",
    "cvar_95",
)
BENCHMARK_HEADLINE = ("beta", "alpha", "tracking_error", "information_ratio")


def _plain(value):
    """A summary value as JSON can hold it: None for NaN, infinity or a missing date."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


class Command(BaseCommand):
    help = "Print return and risk metrics of a daily returns (or prices) CSV, optionally against a benchmark."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--returns", metavar="RETURNS.csv", help="CSV with header date,return (daily simple returns)"
        )
        source.add_argument("--prices", metavar="PRICES.csv", help="CSV with header date,close")
        parser.add_argument("--benchmark", metavar="BENCH.csv", help="CSV with header date,return or date,close")
        parser.add_argument("--risk-free", type=float, default=0.0, help="annual risk-free rate, e.g. 0.02")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        risk_free = options["risk_free"]
        try:
            if options["returns"]:
                own = read_returns(options["returns"], kind="return")
            else:
                own = read_returns(options["prices"], kind="close")
            bench = read_returns(options["benchmark"]) if options["benchmark"] else None
        except SeriesFileError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = metrics.summary(
                own.values,
                None if bench is None else bench.values,
                risk_free,
                dates=own.dates,
                benchmark_dates=None if bench is None else bench.dates,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = self._report(own, result, risk_free)
        if options["json"]:
            self.stdout.write(json.dumps(report, allow_nan=False))
            return
        width = max(len(key) for key in report)
        for key, value in report.items():
            shown = "n/a" if value is None else (f"{value:.6g}" if isinstance(value, float) else str(value))
            self.stdout.write(f"{key.ljust(width)}  {shown}")

    def _report(self, own, result: dict, risk_free: float) -> dict:
        report = {
            "start": _plain(own.dates[0].astype(dt.date)),
            "end": _plain(own.dates[-1].astype(dt.date)),
            "risk_free": risk_free,
        }
        ordered = [*HEADLINE, *(key for key in BENCHMARK_HEADLINE if key in result)]
        ordered += [key for key in result if key not in ordered]
        report.update({key: _plain(result[key]) for key in ordered})
        return report

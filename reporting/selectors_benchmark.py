"""The S&P 500 closes a performance page or API answer compares against, read in one query.

See ``reporting.benchmark`` for what is compared and how; this module only loads the closes: the
whole range a chart draws (optional) plus the week before every base and end session the period
table needs, so a 10-year history costs the same single query as a month.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import FloatField, Q
from django.db.models.functions import Cast

from marketdata.models import DailyBar

from .benchmark import (
    BENCHMARK_SYMBOL,
    MAX_STALE_DAYS,
    Benchmark,
    PeriodComparison,
    compare,
    compare_standard_periods,
    standard_periods,
)
from .history import day_array
from .selectors import PerformanceReport

STALE = dt.timedelta(days=MAX_STALE_DAYS)


def benchmark_closes(
    start: dt.date | None = None, end: dt.date | None = None, *, points: Iterable[dt.date] = ()
) -> Benchmark:
    """SPX closes from a week before ``start`` through ``end`` (when given) and in the week up to
    each of ``points``, oldest first, in one query."""
    windows = Q()
    if start is not None and end is not None:
        windows |= Q(date__gte=start - STALE, date__lte=end)
    for day in sorted(set(points)):
        windows |= Q(date__gte=day - STALE, date__lte=day)
    if not windows:
        return Benchmark.empty()
    rows = list(
        DailyBar.objects.filter(windows, instrument__symbol=BENCHMARK_SYMBOL)
        .order_by("date")
        .values_list("date", Cast("close", FloatField()))
    )
    return Benchmark(
        dates=day_array([row[0] for row in rows]),
        closes=np.fromiter((row[1] for row in rows), dtype=float, count=len(rows)),
    )


@dataclass(frozen=True)
class BenchmarkComparison:
    benchmark: Benchmark
    period: PeriodComparison  # the report's own period
    by_period: list[PeriodComparison]  # MTD..ITD to the same end


def benchmark_comparison(report: PerformanceReport, *, with_series: bool = False) -> BenchmarkComparison:
    """The report's period and every standard period against SPX; ``with_series`` also loads the
    daily closes over the report's period (for the growth chart and the risk panel)."""
    perf, history = report.performance, report.history
    periods = standard_periods(history, perf.end_date)
    points = [perf.base_date, perf.end_date, *(base for _, _, base, _ in periods if base is not None)]
    if with_series:
        benchmark = benchmark_closes(perf.base_date, perf.end_date, points=points)
    else:
        benchmark = benchmark_closes(points=points)
    gross = perf.gross
    own = compare(
        history,
        benchmark,
        key=report.period.key,
        label=report.period.label,
        base=perf.base_date,
        end=perf.end_date,
        gross=gross,
    )
    return BenchmarkComparison(
        benchmark=benchmark,
        period=own,
        by_period=compare_standard_periods(history, benchmark, periods, as_of=perf.end_date, gross=gross),
    )

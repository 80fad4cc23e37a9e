"""Everything the performance page shows, computed and formatted in Python from one PerformanceReport.

The daily time-weighted returns behind the report's TWR (same flow convention, same net/gross
choice: ``returns.daily_returns``) drive the growth, drawdown, rolling volatility and Sharpe
(``reporting.metrics`` over each trailing window) and monthly charts and the risk panel
(``reporting.metrics.summary``), so every figure on the page agrees with the return measures at its
top. The benchmark is the S&P 500 index (instrument ``SPX``, ``reporting.benchmark``) read in one
query: its return over the same days, the excess return and a table of every standard period;
without its closes the page shows the account alone and says so.
"""

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from . import metrics
from .benchmark import BENCHMARK_LABEL, MAX_STALE_DAYS, Benchmark, PeriodComparison
from .charts import Line, date_line_chart, heat_class
from .returns import daily_returns, index_on_or_before
from .selectors import PerformanceReport
from .selectors_benchmark import BenchmarkComparison, benchmark_closes

__all__ = ["Benchmark", "benchmark_closes", "daily_twr", "performance_context"]

GROWTH_BASE = 10_000.0
ROLLING_WINDOW = 63  # sessions, about a quarter
DASH = "—"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pct(value: float | None, *, signed: bool = True) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value * 100:+.2f} %" if signed else f"{value * 100:.2f} %"


def money(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value + 0.0:,.2f}"


def ratio(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return DASH
    return f"{value:.2f}"


def gain_class(value: float | None) -> str:
    if value is None or not math.isfinite(value) or value == 0:
        return ""
    return "gain" if value > 0 else "loss"


@dataclass(frozen=True)
class DailySeries:
    dates: np.ndarray  # base session first; returns[i] is the return of dates[i + 1]
    returns: np.ndarray


def daily_twr(report: PerformanceReport) -> DailySeries:
    """The daily returns chained into the report's TWR, over its base..end sessions."""
    history, perf = report.history, report.performance
    first = index_on_or_before(history.dates, perf.base_date)
    last = index_on_or_before(history.dates, perf.end_date)
    flows = history.flows[first + 1 : last + 1]
    if perf.gross:
        flows = flows + history.fees[first + 1 : last + 1]
    return DailySeries(history.dates[first : last + 1], daily_returns(history.values[first : last + 1], flows))


def _points(dates: np.ndarray, values: np.ndarray) -> list[tuple[dt.date, float]]:
    return list(zip(dates.tolist(), values.tolist(), strict=True))


def _benchmark_series(series: DailySeries, benchmark: Benchmark) -> DailySeries | None:
    """The benchmark's daily returns from the account's base session on, or None when it has no close
    on or before the base (it cannot start where the account starts)."""
    if benchmark.dates.size < 2:
        return None
    start = int(np.searchsorted(benchmark.dates, series.dates[0], side="right")) - 1
    if start < 0 or (series.dates[0] - benchmark.dates[start]).astype(int) > MAX_STALE_DAYS:
        return None
    dates = benchmark.dates[start:]
    closes = benchmark.closes[start:]
    if dates.size < 2:
        return None
    dates = dates.copy()
    dates[0] = series.dates[0]  # its last close before the base stands for the base day
    return DailySeries(dates, closes[1:] / closes[:-1] - 1.0)


def _finite_points(dates: np.ndarray, values: np.ndarray) -> list[tuple[dt.date, float]]:
    keep = np.isfinite(values)
    return _points(dates[keep], values[keep])


def _rolling(series: DailySeries) -> tuple[list[tuple[dt.date, float]], list[tuple[dt.date, float]]]:
    """Annualised volatility and Sharpe ratio (risk-free 0) of each trailing ROLLING_WINDOW sessions,
    dated at the window's last session: ``reporting.metrics`` over all windows at once (one column
    per window). A window of identical returns has no Sharpe ratio (0 / 0 or +-inf) and no point."""
    if series.returns.size < ROLLING_WINDOW:
        return [], []
    windows = np.lib.stride_tricks.sliding_window_view(series.returns, ROLLING_WINDOW).T
    days = series.dates[ROLLING_WINDOW:]
    volatility = np.asarray(metrics.annual_volatility(windows), dtype=float)
    sharpe = np.asarray(metrics.sharpe(windows), dtype=float)
    return _finite_points(days, volatility), _finite_points(days, sharpe)


def _monthly_rows(series: DailySeries) -> list[dict]:
    """Years (newest first), each with 12 month cells and the year's return, over the period's days."""
    months = series.dates[1:].astype("datetime64[M]")
    if not months.size:
        return []
    unique, index = np.unique(months, return_inverse=True)
    growth = np.ones(unique.size)
    np.multiply.at(growth, index, 1.0 + series.returns)
    by_month = dict(zip(unique.astype(dt.date).tolist(), (growth - 1.0).tolist(), strict=True))
    rows = []
    for year in range(unique[-1].astype(dt.date).year, unique[0].astype(dt.date).year - 1, -1):
        cells, year_growth, seen = [], 1.0, False
        for month in range(1, 13):
            value = by_month.get(dt.date(year, month, 1))
            if value is not None:
                year_growth *= 1.0 + value
                seen = True
            cells.append({"text": pct(value, signed=False) if value is not None else "", "css": heat_class(value)})
        year_value = year_growth - 1.0 if seen else None
        rows.append({"year": year, "cells": cells, "total": pct(year_value), "total_css": heat_class(year_value)})
    return rows


def _risk_panel(series: DailySeries, bench: DailySeries | None) -> list[dict]:
    returns_dates = series.dates[1:]
    if bench is not None:
        stats = metrics.summary(series.returns, bench.returns, dates=returns_dates, benchmark_dates=bench.dates[1:])
    else:
        stats = metrics.summary(series.returns, dates=returns_dates)
    rows = [
        ("Annual volatility", pct(stats["annual_volatility"], signed=False)),
        ("Sharpe ratio (risk-free 0 %)", ratio(stats["sharpe"])),
        ("Sortino ratio", ratio(stats["sortino"])),
        ("Maximum drawdown", pct(stats["max_drawdown"])),
        ("Value at risk 95 % (one day, historical)", pct(stats["var_95"])),
    ]
    if bench is not None:
        rows += [
            (f"Beta vs {BENCHMARK_LABEL}", ratio(stats["beta"])),
            ("Alpha (annual)", pct(stats["alpha"])),
            ("Tracking error", pct(stats["tracking_error"], signed=False)),
        ]
    return [{"label": label, "value": value} for label, value in rows]


def _measures(report: PerformanceReport, own: PeriodComparison) -> list[dict]:
    perf = report.performance
    rows = [
        ("Time-weighted return (TWR)", perf.twr, "Chained daily; not moved by the size or timing of flows."),
        ("Annualised TWR", perf.twr_annualized, "Only for periods of a year or more."),
        ("Modified Dietz", perf.modified_dietz, "Gain over the starting value plus day-weighted flows."),
        ("Money-weighted return (MWR, annual)", perf.mwr_annualized, "XIRR of the flows and values."),
        ("MWR over the period", perf.mwr_period, "The XIRR rate over the period's own length."),
        ("Simple return", perf.simple, "Gain divided by the starting value."),
        (
            f"{BENCHMARK_LABEL} price return",
            own.benchmark_return,
            own.reason or "The index from the same base close to the same end close (no dividends).",
        ),
        ("Excess return (TWR - S&P 500)", own.excess_return, "The TWR less the index's return over the same days."),
    ]
    return [
        {"label": label, "value": pct(value), "css": gain_class(value), "help": help_text}
        for label, value, help_text in rows
    ]


def _by_period(rows: list[PeriodComparison], current: str) -> list[dict]:
    return [
        {
            "key": row.key,
            "label": row.label,
            "current": row.key == current,
            "base": row.base_date.isoformat() if row.base_date else "",
            "end": row.end_date.isoformat() if row.end_date else "",
            "twr": pct(row.twr),
            "twr_css": gain_class(row.twr),
            "benchmark": pct(row.benchmark_return),
            "excess": pct(row.excess_return),
            "excess_css": gain_class(row.excess_return),
            "twr_annualized": pct(row.twr_annualized),
            "benchmark_annualized": pct(row.benchmark_annualized),
            "reason": row.reason,
        }
        for row in rows
    ]


def _working(report: PerformanceReport) -> dict:
    working = report.performance.working
    return {
        "convention": working.convention,
        "formula": working.formula,
        "notes": working.notes,
        "sub_periods": [
            {
                "start": row.start_date.isoformat(),
                "end": row.end_date.isoformat(),
                "sessions": row.sessions,
                "start_value": money(row.start_value),
                "flow": money(row.flow) if row.flow else "",
                "fees": money(row.fees) if row.fees else "",
                "end_value": money(row.end_value),
                "return": pct(row.return_),
                "return_css": gain_class(row.return_),
                "cumulative": pct(row.cumulative_return),
            }
            for row in working.sub_periods
        ],
        "moved": [
            {
                "kind": event.kind,
                "dated": event.dated.isoformat(),
                "counted_on": event.counted_on.isoformat(),
                "amount": money(event.amount),
            }
            for event in working.moved
        ],
    }


def performance_context(
    report: PerformanceReport, comparison: BenchmarkComparison, *, subject: str = "Account"
) -> dict:
    """The page's figures, tables and SVG charts for ``report`` against ``comparison``'s benchmark
    (``selectors_benchmark.benchmark_comparison(report, with_series=True)``); ``subject`` names the
    measured line ("Account", "Household")."""
    perf = report.performance
    series = daily_twr(report)
    bench = _benchmark_series(series, comparison.benchmark)
    wealth = GROWTH_BASE * np.concatenate(([1.0], np.cumprod(1.0 + series.returns)))
    lines = [Line(f"{subject} (TWR)", _points(series.dates.astype(dt.date), wealth), "series-0")]
    if bench is not None:
        bench_wealth = GROWTH_BASE * np.concatenate(([1.0], np.cumprod(1.0 + bench.returns)))
        lines.append(Line(BENCHMARK_LABEL, _points(bench.dates.astype(dt.date), bench_wealth), "series-1"))
    days = series.dates.astype(dt.date)
    drawdown = wealth / np.maximum.accumulate(wealth) - 1.0
    volatility, sharpe = _rolling(DailySeries(days, series.returns))
    return {
        "summary": {
            "base_date": perf.base_date.isoformat(),
            "end_date": perf.end_date.isoformat(),
            "sessions": perf.sessions,
            "start_value": money(perf.start_value),
            "end_value": money(perf.end_value),
            "net_flows": money(perf.net_flows),
            "fees": money(perf.fees),
            "gain": money(perf.gain),
            "gain_css": gain_class(perf.gain),
        },
        "measures": _measures(report, comparison.period),
        "by_period": _by_period(comparison.by_period, report.period.key),
        "working": _working(report),
        "notes": list(report.notes),
        "subject": subject,
        "has_benchmark": bench is not None,
        "benchmark_label": BENCHMARK_LABEL,
        "growth_chart": date_line_chart(
            lines, label="Growth of 10,000", format_value=lambda v: f"{v:,.0f}", baseline=GROWTH_BASE
        ),
        "drawdown_chart": date_line_chart(
            [Line("Drawdown", _points(days, drawdown), "series-loss")],
            label="Drawdown",
            format_value=lambda v: f"{v * 100:.0f} %",
            baseline=0.0,
        ),
        "volatility_chart": date_line_chart(
            [Line("Rolling volatility", volatility, "series-0")],
            label=f"Rolling {ROLLING_WINDOW}-day volatility (annualised)",
            format_value=lambda v: f"{v * 100:.0f} %",
        ),
        "sharpe_chart": date_line_chart(
            [Line("Rolling Sharpe ratio", sharpe, "series-0")],
            label=f"Rolling {ROLLING_WINDOW}-day Sharpe ratio (annualised, risk-free 0 %)",
            format_value=lambda v: f"{v:.1f}",
            baseline=0.0,
        ),
        "rolling_window": ROLLING_WINDOW,
        "months": MONTHS,
        "monthly_rows": _monthly_rows(series),
        "risk": _risk_panel(series, bench),
    }

"""What the strategy pages show of stored runs: charts, metrics and tables, built in Python once.

Equity is charted against the benchmark's closes rebased to the run's starting equity; drawdowns
come from ``reporting.metrics.drawdown_series`` and paper-trading returns from
``reporting.returns.daily_returns`` (flows at the end of the day), so no formula lives here.
"""

import datetime as dt
import math

import numpy as np

from marketdata.models import DailyBar
from portfolios.choices import TradingMode
from portfolios.models import AccountValue
from reporting.charts import Line, date_line_chart
from reporting.metrics import drawdown_series
from reporting.performance_page import money, pct, ratio
from reporting.returns import daily_returns

from .models import BacktestRun
from .views_charts import regime_timeline

METRIC_ROWS = (
    ("total_return", "Total return", "pct"),
    ("cagr", "CAGR", "pct"),
    ("annual_volatility", "Volatility (annual)", "pct"),
    ("sharpe", "Sharpe ratio", "ratio"),
    ("sortino", "Sortino ratio", "ratio"),
    ("max_drawdown", "Maximum drawdown", "pct"),
    ("calmar", "Calmar ratio", "ratio"),
    ("var_95", "VaR 95 % (1 day)", "pct"),
    ("beta", "Beta vs benchmark", "ratio"),
    ("alpha", "Alpha (annual)", "pct"),
    ("information_ratio", "Information ratio", "ratio"),
    ("best_day", "Best day", "pct"),
    ("worst_day", "Worst day", "pct"),
)
FORMATS = {"pct": lambda v: pct(v), "ratio": ratio}


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def metric_rows(metrics: dict) -> list[dict]:
    return [
        {"key": key, "label": label, "value": FORMATS[kind](_number(metrics.get(key)))}
        for key, label, kind in METRIC_ROWS
        if key in metrics
    ]


def equity_points(result: dict) -> list[tuple[dt.date, float]]:
    return [(dt.date.fromisoformat(str(day)[:10]), float(value)) for day, value in result.get("equity_curve") or []]


def benchmark_points(symbol: str, points: list[tuple[dt.date, float]]) -> list[tuple[dt.date, float]]:
    """The benchmark's closes over the run's dates, rebased to the run's first equity value."""
    if not points or not symbol:
        return []
    rows = list(
        DailyBar.objects.filter(
            instrument__symbol=symbol, date__gte=points[0][0] - dt.timedelta(days=7), date__lte=points[-1][0]
        )
        .order_by("date")
        .values_list("date", "adj_close")
    )
    base = next((float(close) for day, close in reversed(rows) if day <= points[0][0]), None)
    if base is None or base <= 0:
        return []
    start_value = points[0][1]
    return [(day, start_value * float(close) / base) for day, close in rows if day >= points[0][0]]


def drawdown_points(points: list[tuple[dt.date, float]]) -> list[tuple[dt.date, float]]:
    if len(points) < 2:
        return []
    values = np.array([value for _, value in points])
    returns = values[1:] / values[:-1] - 1.0
    drawdowns = drawdown_series(returns)
    return [(points[0][0], 0.0), *((points[i + 1][0], float(dd)) for i, dd in enumerate(drawdowns))]


def win_rate_rows(result: dict) -> list[dict]:
    rows = []
    for regime, row in (result.get("win_rate_by_regime") or {}).items():
        if isinstance(row, dict):
            rate, closed, wins = _number(row.get("win_rate")), row.get("closed"), row.get("wins")
        else:
            rate, closed, wins = _number(row), None, None
        rows.append(
            {
                "regime": regime,
                "win_rate": pct(rate, signed=False) if rate is not None else "—",
                "closed": closed,
                "wins": wins,
                "bar": f"{(rate or 0) * 100:.1f}",
            }
        )
    return rows


def robustness_summary(result: dict) -> dict:
    data = result.get("robustness") or {}
    spread = _number(data.get("spread_pp"))
    overall = _number(data.get("overall_win_rate"))
    return {
        "spread": f"{spread:.1f} pp" if spread is not None else "—",
        "best": data.get("best"),
        "worst": data.get("worst"),
        "overall": pct(overall, signed=False) if overall is not None else "—",
        "closed": data.get("closed_positions"),
        "open": data.get("open_positions"),
        "note": data.get("note", ""),
    }


def run_charts(run: BacktestRun, result: dict | None = None) -> dict:
    """Everything the run and dashboard pages draw for one stored run."""
    result = run.result if result is None else result
    points = equity_points(result)
    benchmark = (result.get("data") or {}).get("benchmark") or run.config.get("benchmark", "")
    bench = benchmark_points(benchmark, points)
    growth = date_line_chart(
        [Line("Strategy", points, "series-0"), Line(benchmark, bench, "series-1")],
        label="Equity against the benchmark",
        format_value=lambda v: f"{v:,.0f}",
    )
    drawdown = date_line_chart(
        [Line("Drawdown", drawdown_points(points), "series-loss")],
        label="Drawdown",
        format_value=lambda v: f"{v * 100:.0f}%",
        baseline=0.0,
    )
    spans = list(run.regime_spans.all())
    return {
        "growth_chart": growth,
        "drawdown_chart": drawdown,
        "benchmark_label": benchmark,
        "benchmark_missing": bool(points) and not bench,
        "regime_chart": regime_timeline(spans),
        "regime_spans": spans,
        "metrics": metric_rows(result.get("metrics") or {}),
        "win_rates": win_rate_rows(result),
        "robustness": robustness_summary(result),
        "final_equity": money(_number(result.get("final_equity"))),
        "turnover": pct(_number(result.get("turnover")), signed=False),
        "trade_count": result.get("trade_count"),
        "parameters_in_force": result.get("parameters_in_force") or [],
        "breaker_changes": (result.get("breaker") or {}).get("changes") or [],
        "notes": result.get("notes") or [],
    }


def _cumulative(points: list[tuple[dt.date, float]], start: dt.date, end: dt.date) -> float | None:
    inside = [value for day, value in points if start <= day <= end]
    if len(inside) < 2 or inside[0] <= 0:
        return None
    return inside[-1] / inside[0] - 1.0


def paper_results(assignments, run: BacktestRun | None) -> list[dict]:
    """Each paper account's return since it followed the strategy, beside the backtest's over the same dates."""
    accounts = [a for a in assignments if a.account.trading_mode == TradingMode.PAPER]
    if not accounts:
        return []
    values = {}
    for account_id, day, total, flow in (
        AccountValue.objects.filter(
            account_id__in=[a.account_id for a in accounts],
            date__gte=min(a.started_on for a in accounts),
        )
        .order_by("account_id", "date")
        .values_list("account_id", "date", "total_value", "net_external_flow")
    ):
        values.setdefault(account_id, []).append((day, float(total), float(flow)))
    expected_points = equity_points(run.result) if run is not None else []
    rows = []
    for assignment in accounts:
        history = [row for row in values.get(assignment.account_id, []) if row[0] >= assignment.started_on]
        row = {"assignment": assignment, "sessions": len(history), "actual": "—", "expected": "—", "gap": "—"}
        if len(history) >= 2:
            days = [day for day, _, _ in history]
            series = daily_returns(np.array([v for _, v, _ in history]), np.array([f for _, _, f in history[1:]]))
            actual = float(np.prod(1.0 + series) - 1.0)
            row["actual"] = pct(actual)
            row["start"], row["end"] = days[0], days[-1]
            expected = _cumulative(expected_points, days[0], days[-1])
            if expected is not None:
                row["expected"] = pct(expected)
                row["gap"] = pct(actual - expected)
            else:
                row["note"] = "The backtest does not cover these dates; run it on data that does."
        else:
            row["note"] = "Fewer than two valued sessions since the account started following the strategy."
        rows.append(row)
    return rows

"""The one home of every return and risk metric: pages, API, reports, commands and backtests call these.

Definitions follow empyrical-reloaded (daily simple returns, 252 periods a year, sample standard deviation
with ddof=1, historical VaR as the 5th percentile, risk-free rate given per year and converted per period
as (1 + rf) ** (1 / 252) - 1); each function's docstring states its formula and the empyrical function it
matches, and reporting/tests/test_metrics_vs_empyrical.py holds them to 1e-9 on real prices.

Input is anything NumPy turns into a 1-D array (one series) or a 2-D array (periods x series, one column
per series). 1-D input gives floats, 2-D input one value per column. NaN marks a missing return and is
skipped (see inputs.py); undefined results are NaN, never an exception, while unusable input (infinite
values, returns below -1, misaligned lengths, unsorted dates) raises ValueError.
"""

from .constants import PERIODS_PER_YEAR, VAR_LEVELS
from .drawdown import calmar, drawdown_series, max_drawdown, max_drawdown_details
from .growth import best_period, cagr, total_return, worst_period
from .inputs import per_period_rate
from .relative import (
    align_on_dates,
    alpha,
    beta,
    down_capture,
    information_ratio,
    tracking_error,
    up_capture,
)
from .risk import (
    annual_volatility,
    conditional_value_at_risk,
    downside_risk,
    parametric_conditional_value_at_risk,
    parametric_value_at_risk,
    sharpe,
    sortino,
    value_at_risk,
)
from .summary import summary

__all__ = [
    "PERIODS_PER_YEAR",
    "VAR_LEVELS",
    "align_on_dates",
    "alpha",
    "annual_volatility",
    "best_period",
    "beta",
    "cagr",
    "calmar",
    "conditional_value_at_risk",
    "down_capture",
    "downside_risk",
    "drawdown_series",
    "information_ratio",
    "max_drawdown",
    "max_drawdown_details",
    "parametric_conditional_value_at_risk",
    "parametric_value_at_risk",
    "per_period_rate",
    "sharpe",
    "sortino",
    "summary",
    "total_return",
    "tracking_error",
    "up_capture",
    "value_at_risk",
    "worst_period",
]

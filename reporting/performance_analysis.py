"""The attribution and factor-exposure panels of a performance page, over the page's own period.

Both are costlier than the rest of the page (prices of every holding, a regression), so the page
loads them after itself (htmx) from their own URL; the figures come from the one implementation in
``reporting.selectors_attribution`` (Brinson-Fachler by sector against the model portfolio, OLS on
the factor ETFs and the S&P 500), formatted here.

- **Factor exposures** regress the same daily returns as the page's TWR (same flows, net or gross)
  on the factors' daily returns: an account's or a household's summed history alike.
- **Attribution** needs a benchmark, which is an account's model portfolio; it covers the sessions
  after the period's base close through its end (a day's weights are the previous close's). A
  household's accounts may follow different models, so the household page says so and links to
  each account's attribution instead of blending models.
"""

import datetime as dt
import math

import numpy as np

from portfolios.models import Account

from .attribution import AttributionError
from .charts import bar_chart
from .factors import FactorError
from .performance_page import gain_class, pct, ratio
from .returns import index_on_or_before
from .selectors import PerformanceReport
from .selectors_attribution import MARKET_FACTOR, account_attribution, factor_exposures_of_values

FACTOR_LABELS = {
    MARKET_FACTOR: "Market (S&P 500)",
    "MTUM": "Momentum (MTUM)",
    "QUAL": "Quality (QUAL)",
    "SIZE": "Size (SIZE)",
    "USMV": "Min. volatility (USMV)",
    "VLUE": "Value (VLUE)",
}
# |t| at or above this is significant at about the 5 % level for the sample sizes used here.
SIGNIFICANT_T = 1.96


def period_values(report: PerformanceReport) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """The base..end slice of the measured history, flows as the TWR uses them (fees added when gross)."""
    history, perf = report.history, report.performance
    first = index_on_or_before(history.dates, perf.base_date)
    last = index_on_or_before(history.dates, perf.end_date)
    flows = history.flows[first : last + 1]
    if perf.gross:
        flows = flows + history.fees[first : last + 1]
    return history.dates[first : last + 1].astype(dt.date).tolist(), history.values[first : last + 1], flows


def factor_panel(report: PerformanceReport) -> dict:
    """Exposures (table and bar chart) or the reason there are none (too few days, no factor prices)."""
    try:
        factors = factor_exposures_of_values(*period_values(report))
    except FactorError as error:
        return {"problem": error.message, "code": error.code}
    regression = factors.regression
    rows = [
        {
            "factor": exposure.factor,
            "label": FACTOR_LABELS.get(exposure.factor, exposure.factor),
            "beta": ratio(exposure.beta),
            "standard_error": ratio(exposure.standard_error),
            "t_stat": ratio(exposure.t_stat),
            "significant": math.isfinite(exposure.t_stat) and abs(exposure.t_stat) >= SIGNIFICANT_T,
        }
        for exposure in regression.exposures
    ]
    return {
        "start": factors.start.isoformat(),
        "end": factors.end.isoformat(),
        "observations": regression.observations,
        "rows": rows,
        "alpha_annualized": pct(regression.alpha_annualized),
        "alpha_t_stat": ratio(regression.alpha_t_stat),
        "r_squared": ratio(regression.r_squared),
        "chart": bar_chart(
            [(FACTOR_LABELS.get(e.factor, e.factor), e.beta) for e in regression.exposures],
            label="Factor betas",
            format_value=lambda v: f"{v:+.2f}",
        ),
    }


def attribution_panel(account: Account, report: PerformanceReport) -> dict:
    """Brinson-Fachler by sector against the account's model portfolio over the page's period, or
    the reason there is none (no model, no holdings, missing prices)."""
    perf = report.performance
    try:
        result = account_attribution(account, start=perf.base_date + dt.timedelta(days=1), end=perf.end_date)
    except AttributionError as error:
        return {"problem": error.message, "code": error.code}
    linked = result.linked
    sectors = sorted(linked.sectors, key=lambda row: -abs(row.total_linked))
    return {
        "start": result.start.isoformat(),
        "end": result.end.isoformat(),
        "sessions": len(linked.dates),
        "model": result.model_portfolio,
        "portfolio_return": pct(linked.portfolio_return),
        "benchmark_return": pct(linked.benchmark_return),
        "active_return": pct(linked.active_return),
        "active_css": gain_class(linked.active_return),
        "residual": pct(linked.residual),
        "totals": {
            "allocation": pct(sum(row.allocation_linked for row in linked.sectors)),
            "selection": pct(sum(row.selection_linked for row in linked.sectors)),
            "interaction": pct(sum(row.interaction_linked for row in linked.sectors)),
            "total": pct(sum(row.total_linked for row in linked.sectors)),
        },
        "rows": [
            {
                "sector": row.sector,
                "portfolio_weight": pct(row.average_portfolio_weight, signed=False),
                "benchmark_weight": pct(row.average_benchmark_weight, signed=False),
                "allocation": pct(row.allocation_linked),
                "selection": pct(row.selection_linked),
                "interaction": pct(row.interaction_linked),
                "total": pct(row.total_linked),
                "total_css": gain_class(row.total_linked),
            }
            for row in sectors
        ],
        "notes": list(result.notes),
        "chart": bar_chart(
            [(row.sector, row.total_linked * 100) for row in sectors],
            label="Active return by sector (percentage points)",
            format_value=lambda v: f"{v:+.2f}",
        ),
    }

"""What a backtest result derives once from the engine's daily equity and TradeLog.

Closed positions (what the win rates count), the metrics over the invested stretch and the turnover are
arithmetic over the whole log's flat arrays at once; ``BacktestResult.build`` calls them a single time so
that reading and formatting a result (strategies.backtest.result) never recomputes them.
"""

from dataclasses import dataclass

import numpy as np

from reporting import metrics as metric_module

from ..constants import TRADING_DAYS


@dataclass(frozen=True, eq=False)
class ClosedPositions:
    columns: np.ndarray
    entry_bar: np.ndarray
    exit_bar: np.ndarray
    returns: np.ndarray
    entry_regime: np.ndarray


def closed_positions_of(prepared, log) -> tuple[ClosedPositions, int]:
    """Every trade of the run (the TradeLog's flat arrays) ordered by column then bar: a buy from zero
    shares starts a position, a sale to zero ends it; costs and proceeds are summed per position with
    bincount."""
    if not len(log.event):
        empty = (np.zeros(0, dtype=np.int64) for _ in range(3))
        return ClosedPositions(*empty, np.zeros(0), np.zeros(0, dtype=np.int8)), 0
    column = log.column.astype(np.uint16) if len(log.column) and log.column.max() < 2**16 else log.column
    order = np.argsort(column, kind="stable")  # the log runs bar by bar: stable keeps bars in order (radix)
    bar = log.bars[log.event[order]]
    column, before, delta, prices, commission = (
        a[order] for a in (log.column, log.before, log.delta, log.price, log.commission)
    )
    after = before + delta
    slip = prepared.config.slippage_bps / 10_000
    filled = delta * prices * (1 + slip * np.sign(delta))
    opens = before == 0
    position = np.cumsum(opens, dtype=np.int64) - 1  # no trade precedes a column's first open (all start at 0)
    count = int(position[-1]) + 1
    buys = delta > 0
    cost = np.bincount(position, weights=np.where(buys, filled + commission, 0.0), minlength=count)
    proceeds = np.bincount(position, weights=np.where(buys, 0.0, -filled - commission), minlength=count)
    closing = (before > 0) & (np.abs(after) <= 1e-12 * np.maximum(np.abs(before), 1))
    entry = bar[opens]
    closed_ids = position[closing]
    codes = prepared.regimes.codes
    closed = ClosedPositions(
        columns=column[closing],
        entry_bar=entry[closed_ids],
        exit_bar=bar[closing],
        returns=proceeds[closed_ids] / cost[closed_ids] - 1.0,
        entry_regime=codes[entry[closed_ids]],
    )
    return closed, count - len(closed_ids)


def invested_metrics(panel, equity: np.ndarray, first: int) -> dict:
    """reporting.metrics.summary over the invested stretch: daily returns from the first rebalance on
    (the flat warm-up would dilute volatility and Sharpe), against the benchmark's returns on those dates."""
    if first >= len(equity) - 1:
        return {}
    returns = equity[first + 1 :] / equity[first:-1] - 1.0
    dates = panel.dates[first + 1 :]
    bench = None
    if panel.benchmark is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            bench = panel.benchmark[first + 1 :] / panel.benchmark[first:-1] - 1.0
        if not np.isfinite(bench).any():
            bench = None
    try:
        return metric_module.summary(returns, bench, dates=dates)
    except ValueError:
        return metric_module.summary(returns, dates=dates)


def turnover_summary(log, first: int, bars: int) -> dict:
    """One-sided turnover: half the traded notional over the equity before trading, per rebalance;
    annualised = their sum over the invested years."""
    traded = log.traded_notional()
    before = log.value_before
    per_event = np.divide(traded / 2, before, out=np.zeros(len(log)), where=before > 0)
    years = max(bars - first, 1) / TRADING_DAYS
    return {
        "annualised": float(per_event.sum() / years) if len(log) else 0.0,
        "average_per_rebalance": float(per_event.mean()) if len(log) else 0.0,
        "traded_notional": float(traded.sum()),
        "rebalances": len(log),
    }

"""Target weights of a strategy on a date: what the backtest engine would hold after rebalancing there.

The same code path as a backtest (regimes, adaptive rules, hybrid confidence and the circuit breaker
replayed over the history up to ``as_of``, so a live strategy and its backtest agree), with one extra
rebalance on the last bar on or before ``as_of``, at fractional shares (targets are weights, not orders).
"""

import dataclasses
import datetime as dt

from .backtest import BacktestConfig, run_backtest
from .breaker import STATE_NAMES
from .constants import regime_name
from .panel import PriceDataError, PricePanel


def target_details(config: BacktestConfig, panel: PricePanel, as_of: dt.date) -> dict:
    """{as_of (the bar used), weights {symbol: fraction}, cash, regime, breaker_state, exposure,
    parameters (lookback, threshold, position size in force), selection (counts), notes}."""
    bar = panel.bar_on_or_before(as_of)
    if bar < config.warmup_bars:
        raise PriceDataError(
            [f"too little history before {as_of}: {bar + 1} dates, the warm-up needs {config.warmup_bars + 1}"],
            code="too_little_history",
        )
    config = dataclasses.replace(config, fractional=True)
    result = run_backtest(config, panel.window(0, bar + 1), targets_on_last_bar=True)
    weights = {s: w for s, w in result.weights_at(bar).items() if w > 0}
    p = result.prepared
    code = int(p.regimes.codes[bar]) if config.regimes.enabled else -1
    return {
        "as_of": str(panel.dates[bar]),
        "weights": dict(sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))),
        "cash": max(0.0, 1.0 - sum(weights.values())),
        "regime": regime_name(int(p.regimes.codes[bar])),
        "regime_enabled": config.regimes.enabled,
        "breaker_state": STATE_NAMES[int(p.breaker.state[bar])],
        "exposure": float(p.breaker.exposure[bar]),
        "parameters": {
            "lookback_bars": int(p.adaptive.lookback[bar]),
            "confidence_threshold": float(p.adaptive.threshold[bar]),
            "position_size": float(p.adaptive.position_size[bar]),
            "why": p.adaptive.explain(bar, code),
        },
        "selection": result.events[-1].info if result.events else {},
        "notes": list(p.notes),
    }


def target_weights(config: BacktestConfig, panel: PricePanel, as_of: dt.date) -> dict[str, float]:
    """Symbol -> weight (fraction of the portfolio; the rest is cash) on the last bar on or before ``as_of``."""
    return target_details(config, panel, as_of)["weights"]

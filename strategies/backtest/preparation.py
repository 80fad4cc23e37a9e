"""Everything about a backtest run that does not depend on the trading path, worked out once before it.

``prepare`` narrows the prices to the universe, refuses a warm-up too short for what the strategy looks
back over (``required_history``), and classifies the regimes, breaker states and adaptive parameters of
every bar, so the engine's two paths (the loop and the vectorised solve) start from the same ``Prepared``.
"""

from dataclasses import dataclass

import numpy as np

from .. import adaptive as adaptive_rules
from .. import breaker as breaker_rules
from .. import regimes
from ..errors import EngineError
from ..factors.library import history_needed, params_for, value_source
from ..panel import PriceDataError, PricePanel
from .config import BacktestConfig


@dataclass(frozen=True)
class Prepared:
    """Everything about a run that does not depend on the trading path."""

    config: BacktestConfig
    panel: PricePanel
    delay: int
    params: dict
    regimes: regimes.RegimeSeries
    breaker: breaker_rules.BreakerSeries
    adaptive: adaptive_rules.AdaptiveSeries
    sector_codes: np.ndarray
    notes: tuple


def restrict_to_universe(config: BacktestConfig, panel: PricePanel) -> PricePanel:
    if not config.universe or tuple(config.universe) == panel.symbols:
        return panel
    column = {s: i for i, s in enumerate(panel.symbols)}
    absent = [s for s in config.universe if s not in column]
    if absent:
        raise PriceDataError([f"symbols of the universe without prices: {', '.join(absent)}"])
    keep = [column[s] for s in config.universe]
    from dataclasses import replace

    return replace(
        panel,
        symbols=tuple(config.universe),
        close=panel.close[:, keep],
        sectors=tuple(panel.sectors[i] for i in keep),
        volumes=None if panel.volumes is None else panel.volumes[:, keep],
        fundamentals={k: v[:, keep] for k, v in panel.fundamentals.items()},
    )


def required_history(config: BacktestConfig, panel: PricePanel | None = None) -> dict[str, int]:
    """Bars each part of the strategy needs before its first signal bar."""
    fundamentals = panel.fundamentals if panel is not None else None
    longest_adaptive = 0
    if config.regimes.enabled and config.regimes.adaptive:
        longest_adaptive = max(rule.lookback_bars for rule in config.regimes.rules.values())
    needs = {}
    for name in config.factors:
        params = params_for(name, config.factor_params.get(name))
        override = longest_adaptive if name in ("momentum_12_1", "low_volatility") else None
        needs[f"factor {name}"] = history_needed(name, params, fundamentals=fundamentals, lookback_override=override)
    if config.hybrid.enabled:
        needs["hybrid trend"] = config.hybrid.trend_lookback
    if config.weighting == "inverse_vol":
        needs["inverse-volatility weights"] = 2
    return needs


def prepare(config: BacktestConfig, panel: PricePanel, *, regime_series=None) -> Prepared:
    panel = restrict_to_universe(config, panel)
    delay = 1 if config.execution == "next_close" else 0
    if panel.bars <= config.warmup_bars:
        raise PriceDataError(
            [
                f"too little history: {panel.bars} dates, the warm-up of {config.warmup_bars} bars needs at least "
                f"{config.warmup_bars + 1} for one rebalance"
            ],
            code="too_little_history",
        )
    if not panel.symbols:
        raise PriceDataError(["the prices hold no tradable symbols"])
    available = config.warmup_bars - delay
    for part, bars in required_history(config, panel).items():
        if bars > available:
            raise EngineError(
                "warmup_too_short",
                f"The {part} looks back {bars} bars but the first rebalance (bar {config.warmup_bars}) has only "
                f"{available} before its signal; raise rebalance.warmup_bars to at least {bars + delay}.",
                fields={"rebalance.warmup_bars": f"must be at least {bars + delay} for the {part}"},
            )
    params = {name: params_for(name, config.factor_params.get(name)) for name in config.factors}
    if regime_series is None:
        closes, source = regimes.regime_benchmark(panel)
        regime_series = regimes.classify(closes, config.regimes, source=source)
    elif len(regime_series.codes) != panel.bars:
        raise ValueError("regime_series must have one regime per bar of the panel")
    codes = regime_series.codes if config.regimes.enabled else np.full(panel.bars, -1, dtype=np.int8)
    breaker_series = breaker_rules.run_breaker(codes, config.circuit_breaker)
    base_lookback = params.get("momentum_12_1", params.get("low_volatility", {"lookback_bars": 252}))["lookback_bars"]
    adaptive_series = adaptive_rules.parameters_in_force(codes, config, base_lookback)
    names = [str(sector) for sector in panel.sectors]
    labels = {label: code for code, label in enumerate(sorted(set(names)))}  # what np.unique's inverse gives
    sector_codes = np.fromiter((labels[name] for name in names), dtype=np.int64, count=len(names))
    notes = list(panel.notes)
    if "value" in config.factors:
        notes.append(f"value factor: {value_source(panel.fundamentals)}")
    if config.top_n > len(panel.symbols):
        notes.append(f"top_n {config.top_n} exceeds the {len(panel.symbols)} symbols: every eligible symbol is held")
    return Prepared(
        config, panel, delay, params, regime_series, breaker_series, adaptive_series, sector_codes, tuple(notes)
    )

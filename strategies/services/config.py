"""A stored strategy as the engine's configuration dict, and checking such a dict with the engine.

The dict is the same one ``manage.py backtest --config`` reads, so a run's stored ``config`` can be
replayed from the command line unchanged. Keys of the reference strategy keep the issue's meaning.
"""

from decimal import Decimal

from .errors import field_error, from_engine

# Factor names the engine knows, in the order the strategy form shows them.
FACTORS = {
    "momentum_12_1": "Momentum 12-1",
    "low_volatility": "Low volatility",
    "value": "Value",
    "quality": "Quality",
    "size": "Size",
}
# Sweep and walk-forward grids may vary these config keys (dotted for nested ones).
GRID_KEYS = {
    "top_n": int,
    "weighting": str,
    "max_weight": float,
    "sector_cap": float,
    "rebalance.every_bars": int,
    "commission_bps": float,
    "slippage_bps": float,
    "sector_neutral": bool,
}
MAX_GRID_COMBINATIONS = 256


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def config_for(strategy, overrides: dict | None = None) -> dict:
    """The engine configuration of ``strategy`` with ``overrides`` (dotted keys) applied."""
    config = {
        "factors": {name: float(weight) for name, weight in strategy.factors.items()},
        "top_n": strategy.top_n,
        "weighting": strategy.weighting,
        "rebalance": {"every_bars": int(strategy.rebalance_every), "warmup_bars": int(strategy.warmup_bars)},
        "execution": "close",
        "fractional": strategy.fractional,
        "commission_bps": float(strategy.commission_bps),
        "slippage_bps": float(strategy.slippage_bps),
        "initial_cash": float(strategy.initial_cash),
        "max_weight": _number(strategy.max_weight),
        "sector_cap": _number(strategy.sector_cap),
        "sector_neutral": strategy.sector_neutral,
        "benchmark": strategy.benchmark_symbol,
        "universe": list(strategy.universe),
        "regimes": dict(strategy.regime_settings) if strategy.regimes_enabled else False,
        "hybrid": dict(strategy.hybrid_settings) if strategy.hybrid_enabled else False,
        "circuit_breaker": dict(strategy.breaker_settings) if strategy.breaker_enabled else False,
    }
    for key, value in (overrides or {}).items():
        apply_override(config, key, value)
    return config


def with_range(config: dict, start, end) -> dict:
    """``config`` limited to the dates a run asked for (None keeps the whole stored history)."""
    return {**config, "start": start.isoformat() if start else None, "end": end.isoformat() if end else None}


def apply_override(config: dict, key: str, value) -> None:
    head, _, rest = key.partition(".")
    if rest:
        inner = config.get(head)
        config[head] = inner = dict(inner) if isinstance(inner, dict) else {}
        apply_override(inner, rest, value)
    else:
        config[key] = value


# Where an engine complaint about a config key belongs on the strategy form.
_FORM_FIELDS = {
    "rebalance": "rebalance_every",
    "regimes": "regime_settings",
    "hybrid": "hybrid_settings",
    "circuit_breaker": "breaker_settings",
    "benchmark": "benchmark_symbol",
    "universe": "universe",
}


def form_field(config_key: str) -> str:
    head = config_key.split(".", 1)[0]
    if config_key == "rebalance.warmup_bars":
        return "warmup_bars"
    return _FORM_FIELDS.get(head, head)


def engine_config(config: dict):
    """The engine's parsed ``BacktestConfig``, or a StrategiesError naming what it refused (by form field)."""
    from ..backtest.config import BacktestConfig
    from ..errors import EngineError

    try:
        return BacktestConfig.from_dict(config)
    except EngineError as error:
        raise from_engine(error, field_names=form_field) from None


def with_overrides(config, overrides: dict, *, describe: str = ""):
    """``config.with_overrides`` with the engine's refusal as a field error on ``grid``."""
    from ..errors import EngineError

    try:
        return config.with_overrides(overrides)
    except EngineError as error:
        prefix = f"{describe}: " if describe else ""
        raise field_error("invalid_grid", "grid", f"{prefix}{error.message}") from None

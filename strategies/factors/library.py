"""The factors themselves (see the table in strategies.factors)."""

import numpy as np

from ..constants import MONTH_BARS, TRADING_DAYS
from ..errors import EngineError
from .zscore import row_zscores

FACTOR_NAMES = ("momentum_12_1", "low_volatility", "value", "quality", "size")

VALUE_FIELDS = ("book_to_market", "earnings_yield")
QUALITY_FIELDS = ("return_on_equity", "gross_margin", "debt_to_equity")
SIZE_FIELDS = ("market_cap",)

DEFAULT_PARAMS = {
    "momentum_12_1": {"lookback_bars": TRADING_DAYS, "skip_bars": MONTH_BARS},
    "low_volatility": {"lookback_bars": TRADING_DAYS},
    "value": {"lookback_bars": 5 * TRADING_DAYS, "skip_bars": TRADING_DAYS},
    "quality": {},
    "size": {},
}


class FactorNeedsData(EngineError):
    """The factor needs fundamentals that are not loaded."""

    def __init__(self, factor: str, fields: tuple[str, ...]):
        super().__init__(
            "factor_needs_data",
            f"The {factor} factor needs fundamentals ({', '.join(fields)}); import a fundamentals file first.",
            fields={f"factors.{factor}": f"needs fundamentals: {', '.join(fields)}"},
        )
        self.factor = factor


def _rows(close: np.ndarray, rows) -> np.ndarray:
    return np.arange(close.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)


def _per_row(value, count: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=np.int64), (count,))


def momentum(close, *, rows=None, lookback_bars=TRADING_DAYS, skip_bars=MONTH_BARS) -> np.ndarray:
    """close[t - skip] / close[t - lookback] - 1; ``lookback_bars`` may differ per row (adaptive lookback)."""
    close = np.asarray(close, dtype=float)
    rows = _rows(close, rows)
    lookback = _per_row(lookback_bars, len(rows))
    start = rows - lookback
    valid = start >= 0
    out = np.full((len(rows), close.shape[1]), np.nan)
    if valid.any():
        out[valid] = close[rows[valid] - skip_bars] / close[start[valid]] - 1.0
    return out


def low_volatility(close, *, rows=None, lookback_bars=TRADING_DAYS) -> np.ndarray:
    """Minus the annualised sample std of the last ``lookback_bars`` daily log returns (calmer = higher)."""
    close = np.asarray(close, dtype=float)
    rows = _rows(close, rows)
    lookback = _per_row(lookback_bars, len(rows))
    logs = np.log(close)
    out = np.full((len(rows), close.shape[1]), np.nan)
    if len(rows) == close.shape[0] and np.array_equal(rows, np.arange(len(rows))) and np.all(lookback == lookback[0]):
        return _rolling_low_vol(logs, int(lookback[0]))
    for i, (t, window) in enumerate(zip(rows, lookback, strict=True)):
        if t - window >= 0:
            returns = np.diff(logs[t - window : t + 1], axis=0)
            out[i] = -returns.std(axis=0, ddof=1) * np.sqrt(TRADING_DAYS)
    return out


def _rolling_low_vol(logs: np.ndarray, window: int) -> np.ndarray:
    """Every bar at once: rolling std from windowed views (exact two-pass per window, no running sums)."""
    returns = np.diff(logs, axis=0)
    out = np.full(logs.shape, np.nan)
    if returns.shape[0] >= window:
        views = np.lib.stride_tricks.sliding_window_view(returns, window, axis=0)  # (T-window, N, window)
        out[window:] = -views.std(axis=2, ddof=1) * np.sqrt(TRADING_DAYS)
    return out


def _fundamental_mean(fundamentals: dict, fields, rows, signs=None) -> np.ndarray | None:
    """Mean of the cross-sectional z-scores of the fields present; None when none is loaded."""
    present = [f for f in fields if f in fundamentals and np.isfinite(fundamentals[f]).any()]
    if not present:
        return None
    parts = []
    for name in present:
        values = fundamentals[name][rows]
        sign = (signs or {}).get(name, 1.0)
        parts.append(row_zscores(sign * values))
    return np.mean(parts, axis=0)


def value(close, *, rows=None, fundamentals=None, lookback_bars=5 * TRADING_DAYS, skip_bars=TRADING_DAYS):
    """Fundamentals when loaded (mean z of book_to_market and earnings_yield), else the long-term-reversal
    proxy -(close[t-252] / close[t-1260] - 1)."""
    close = np.asarray(close, dtype=float)
    rows = _rows(close, rows)
    from_data = _fundamental_mean(fundamentals or {}, VALUE_FIELDS, rows)
    if from_data is not None:
        return from_data
    return -momentum(close, rows=rows, lookback_bars=lookback_bars, skip_bars=skip_bars)


def quality(close, *, rows=None, fundamentals=None) -> np.ndarray:
    rows = _rows(np.asarray(close), rows)
    out = _fundamental_mean(fundamentals or {}, QUALITY_FIELDS, rows, signs={"debt_to_equity": -1.0})
    if out is None:
        raise FactorNeedsData("quality", QUALITY_FIELDS)
    return out


def size(close, *, rows=None, fundamentals=None) -> np.ndarray:
    rows = _rows(np.asarray(close), rows)
    caps = (fundamentals or {}).get("market_cap")
    if caps is None or not np.isfinite(caps).any():
        raise FactorNeedsData("size", SIZE_FIELDS)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = caps[rows]
        return np.where(values > 0, -np.log(np.where(values > 0, values, 1.0)), np.nan)


def value_source(fundamentals) -> str:
    """Which definition the value factor uses for these data (shown with results)."""
    if _fundamental_mean(fundamentals or {}, VALUE_FIELDS, np.arange(0)) is not None:
        return "fundamentals: book_to_market and earnings_yield"
    return "price proxy: long-term reversal -(close[t-252] / close[t-1260] - 1)"


def params_for(name: str, given: dict | None) -> dict:
    params = {**DEFAULT_PARAMS[name], **(given or {})}
    for key in params:
        if key not in DEFAULT_PARAMS[name]:
            raise EngineError(
                "invalid_config",
                f"Unknown setting {key!r} of factor {name}.",
                fields={f"factor_params.{name}.{key}": "unknown setting"},
            )
        value_ = params[key]
        if isinstance(value_, bool) or not isinstance(value_, int) or value_ < 1 or value_ > 5040:
            raise EngineError(
                "invalid_config",
                f"{name}.{key} must be a whole number of bars between 1 and 5040.",
                fields={f"factor_params.{name}.{key}": "must be a whole number of bars between 1 and 5040"},
            )
    if "skip_bars" in params and params["skip_bars"] >= params["lookback_bars"]:
        raise EngineError(
            "invalid_config",
            f"{name}: skip_bars must be smaller than lookback_bars.",
            fields={f"factor_params.{name}.skip_bars": "must be smaller than lookback_bars"},
        )
    return params


def history_needed(name: str, params: dict, *, fundamentals=None, lookback_override: int | None = None) -> int:
    """Bars of history before the first scored bar."""
    if name in ("momentum_12_1", "low_volatility"):
        return max(params["lookback_bars"], lookback_override or 0)
    if name == "value" and _fundamental_mean(fundamentals or {}, VALUE_FIELDS, np.arange(0)) is None:
        return params["lookback_bars"]
    return 0


def factor_scores(name, close, *, rows, params, fundamentals=None, lookback=None) -> np.ndarray:
    """Raw scores of one factor on ``rows``; ``lookback`` (per row) overrides momentum's and low
    volatility's lookback (the adaptive rules)."""
    if name == "momentum_12_1":
        return momentum(
            close,
            rows=rows,
            lookback_bars=params["lookback_bars"] if lookback is None else lookback,
            skip_bars=params["skip_bars"],
        )
    if name == "low_volatility":
        return low_volatility(close, rows=rows, lookback_bars=params["lookback_bars"] if lookback is None else lookback)
    if name == "value":
        return value(close, rows=rows, fundamentals=fundamentals, **params)
    if name == "quality":
        return quality(close, rows=rows, fundamentals=fundamentals)
    if name == "size":
        return size(close, rows=rows, fundamentals=fundamentals)
    raise EngineError("invalid_config", f"Unknown factor {name!r}.", fields={f"factors.{name}": "unknown factor"})

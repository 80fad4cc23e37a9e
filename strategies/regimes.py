"""Volatility regimes: the benchmark's realised volatility against its own trailing percentiles.

On bar t: vol[t] = annualised sample std of the last ``window`` daily log returns of the benchmark (bars
t-window..t); pct[t] = the share (in %) of the valid vol values of the trailing ``history`` bars (t
included) that are <= vol[t]. Regime: pct < low_pct -> low; < high_pct -> normal; < extreme_pct ->
high; else extreme. Only data up to t is used (no look-ahead). With fewer than ``min_history`` valid
vol values the regime is unknown (code -1), which trades like normal.

Without a benchmark in the prices the equal-weighted index of the panel (daily rebalanced mean return)
stands in, and the result says so.
"""

from dataclasses import dataclass

import numpy as np

from .constants import EXTREME, HIGH, LOW, NORMAL, TRADING_DAYS, UNKNOWN, regime_name


@dataclass(frozen=True)
class RegimeSeries:
    codes: np.ndarray  # int8 (T,), UNKNOWN/LOW/NORMAL/HIGH/EXTREME
    volatility: np.ndarray  # (T,) annualised, NaN where undefined
    percentile: np.ndarray  # (T,) in [0, 100], NaN where undefined
    source: str  # what the volatility was measured on

    def name_at(self, bar: int) -> str:
        return regime_name(int(self.codes[bar]))


def realised_volatility(closes, window: int) -> np.ndarray:
    closes = np.asarray(closes, dtype=float)
    out = np.full(closes.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        returns = np.diff(np.log(closes))
    if len(returns) >= window:
        views = np.lib.stride_tricks.sliding_window_view(returns, window)
        out[window:] = views.std(axis=1, ddof=1) * np.sqrt(TRADING_DAYS)
    return out


def trailing_percentile(values, history: int, min_history: int) -> np.ndarray:
    """pct[t] = 100 * #(valid v in values[t-history+1..t] with v <= values[t]) / #valid; NaN below min_history."""
    values = np.asarray(values, dtype=float)
    padded = np.concatenate([np.full(history - 1, np.nan), values])
    views = np.lib.stride_tricks.sliding_window_view(padded, history)  # (T, history), row t ends at t
    finite = np.concatenate([[0], np.cumsum(np.isfinite(padded))])
    count = finite[history:] - finite[:-history]  # valid values in each window
    with np.errstate(invalid="ignore", divide="ignore"):
        below = np.count_nonzero(views <= values[:, None], axis=1)  # NaN compares False
        pct = 100.0 * below / count
    return np.where((count >= min_history) & np.isfinite(values), pct, np.nan)


def classify(closes, settings, *, source: str = "benchmark") -> RegimeSeries:
    """The regime of every bar (settings: strategies.backtest.config.RegimeSettings or alike)."""
    vol = realised_volatility(closes, settings.window)
    pct = trailing_percentile(vol, settings.history, settings.min_history)
    codes = np.full(len(vol), UNKNOWN, dtype=np.int8)
    known = np.isfinite(pct)
    codes[known & (pct < settings.low_pct)] = LOW
    codes[known & (pct >= settings.low_pct) & (pct < settings.high_pct)] = NORMAL
    codes[known & (pct >= settings.high_pct) & (pct < settings.extreme_pct)] = HIGH
    codes[known & (pct >= settings.extreme_pct)] = EXTREME
    return RegimeSeries(codes=codes, volatility=vol, percentile=pct, source=source)


def regime_benchmark(panel) -> tuple[np.ndarray, str]:
    """The benchmark's closes, or the equal-weighted index of the panel when the panel has none."""
    if panel.benchmark is not None and np.isfinite(panel.benchmark).sum() > 1:
        return panel.benchmark, panel.benchmark_symbol or "benchmark"
    returns = np.diff(panel.close, axis=0) / panel.close[:-1]
    index = np.concatenate([[1.0], np.cumprod(1.0 + returns.mean(axis=1))])
    return index, "equal-weighted index of the panel (no benchmark prices)"


def spans(codes, dates) -> list[dict]:
    """Runs of consecutive bars in one regime: [{regime, start, end, sessions}] (ISO dates)."""
    codes = np.asarray(codes)
    if len(codes) == 0:
        return []
    change = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change - 1, [len(codes) - 1]])
    return [
        {
            "regime": regime_name(int(codes[a])),
            "start": str(dates[a]),
            "end": str(dates[b]),
            "sessions": int(b - a + 1),
        }
        for a, b in zip(starts, ends, strict=True)
    ]


__all__ = ["EXTREME", "HIGH", "LOW", "NORMAL", "UNKNOWN", "RegimeSeries", "classify", "regime_benchmark", "spans"]

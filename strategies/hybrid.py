"""The hybrid model: a candidate's factor rank and its own price trend combined into a confidence in [0, 1].

On signal bar t for each eligible name:
- rank = its percentile among the eligible names by composite score (best 1, worst 0; 1 when alone);
- trend = 0.5 x (1 + tanh(ln(close[t] / SMA_L(t)) / (sigma_L(t) x sqrt(21)))) where SMA_L is the mean
  close of the last L = trend_lookback bars and sigma_L the std of their daily log returns: how far the
  price sits above its trend line, in months of typical volatility, squashed into (0, 1) (0.5 = on it);
- confidence = rank_weight x rank + (1 - rank_weight) x trend.
A new position opens only when confidence >= the threshold in force (hybrid.threshold, or the regime's
rule when adaptive); a name already held stays while it remains in the top N.
"""

import numpy as np

from .constants import MONTH_BARS


def rank_percentile(key: np.ndarray) -> np.ndarray:
    """Per eligible (finite) entry: its percentile rank, best 1; NaN elsewhere."""
    out = np.full(key.shape, np.nan)
    eligible = np.flatnonzero(np.isfinite(key))
    if len(eligible) == 1:
        out[eligible] = 1.0
    elif len(eligible) > 1:
        order = eligible[np.argsort(key[eligible], kind="stable")]
        out[order] = np.arange(len(order)) / (len(order) - 1)
    return out


def trend_score(close: np.ndarray, bar: int, lookback: int, columns=None) -> np.ndarray:
    columns = slice(None) if columns is None else columns
    window = close[bar - lookback + 1 : bar + 1, columns]
    sma = window.mean(axis=0)
    sigma = np.diff(np.log(window), axis=0).std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(close[bar, columns] / sma) / (sigma * np.sqrt(MONTH_BARS))
    z = np.where(np.isfinite(z), z, 0.0)
    return 0.5 * (1.0 + np.tanh(z))


def confidence(close: np.ndarray, bar: int, key: np.ndarray, settings) -> np.ndarray:
    """Confidence of every column on ``bar`` (NaN where the key is not finite)."""
    rank = rank_percentile(key)
    trend = trend_score(close, bar, settings.trend_lookback)
    return settings.rank_weight * rank + (1.0 - settings.rank_weight) * trend

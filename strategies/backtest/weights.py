"""From a ranking to target weights: selection, weighting scheme, caps."""

import numpy as np

from ..constants import TRADING_DAYS

INVERSE_VOL_BARS = 63


def scheme_weights(scheme: str, chosen: np.ndarray, *, key_z: np.ndarray, eligible: np.ndarray, close, bar: int):
    """Weights over ``chosen`` columns summing to 1.

    equal: 1/k. score: proportional to the composite z-score's distance above the lowest eligible
    score (equal when they are all alike). inverse_vol: proportional to 1 / the annualised std of the
    last 63 daily log returns (a name with no volatility gets the mean weight of the others).
    """
    count = len(chosen)
    if count == 0:
        return np.zeros(0)
    if scheme == "score":
        floor = np.nanmin(key_z[eligible])
        raw = key_z[chosen] - floor
        if not np.isfinite(raw).all() or raw.sum() <= 0:
            return np.full(count, 1.0 / count)
        return raw / raw.sum()
    if scheme == "inverse_vol":
        window = close[max(0, bar - INVERSE_VOL_BARS) : bar + 1, chosen]
        sigma = np.diff(np.log(window), axis=0).std(axis=0, ddof=1) * np.sqrt(TRADING_DAYS)
        with np.errstate(divide="ignore"):
            inverse = np.where(sigma > 0, 1.0 / sigma, np.nan)
        if not np.isfinite(inverse).any():
            return np.full(count, 1.0 / count)
        inverse = np.where(np.isfinite(inverse), inverse, np.nanmean(inverse))
        return inverse / inverse.sum()
    return np.full(count, 1.0 / count)


def apply_caps(weights: np.ndarray, sectors: np.ndarray, max_weight: float | None, sector_cap: float | None):
    """Clip single names at ``max_weight`` and sectors at ``sector_cap``, handing the excess to the names
    still below both caps in proportion to their weight; what nobody can take stays in cash."""
    if max_weight is None and sector_cap is None:
        return weights
    w = weights.astype(float)
    frozen = np.zeros(len(w), dtype=bool)
    for _ in range(4 * len(w) + 4):
        excess = 0.0
        if max_weight is not None:
            over = w > max_weight + 1e-15
            excess += (w[over] - max_weight).sum()
            w[over] = max_weight
            frozen |= w >= max_weight - 1e-15
        if sector_cap is not None:
            for label in np.unique(sectors):
                members = sectors == label
                total = w[members].sum()
                if total > sector_cap + 1e-15:
                    excess += total - sector_cap
                    w[members] *= sector_cap / total
                if w[members].sum() >= sector_cap - 1e-15:
                    frozen |= members
        takers = ~frozen & (w > 0)
        if excess <= 1e-15 or not takers.any():
            break
        w[takers] += excess * w[takers] / w[takers].sum()
    return w

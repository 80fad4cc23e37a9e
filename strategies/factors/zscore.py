"""Cross-sectional z-scores (one row = one date) with winsorisation and optional sector neutrality."""

import warnings

import numpy as np


def row_zscores(raw: np.ndarray) -> np.ndarray:
    """z = (x - row mean) / row sample std over the finite values; 0 where a row has fewer than 2 or no spread."""
    if raw.size and np.isfinite(raw).all():
        mean = raw.mean(axis=1, keepdims=True)
        std = raw.std(axis=1, ddof=1, keepdims=True) if raw.shape[1] > 1 else np.zeros_like(mean)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (raw - mean) / std
        return np.where(std > 0, z, 0.0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(raw, axis=1, keepdims=True)
        std = np.nanstd(raw, axis=1, ddof=1, keepdims=True)
        z = (raw - mean) / std
    flat = ~np.isfinite(std) | (std == 0)
    z = np.where(flat & np.isfinite(raw), 0.0, z)
    return z


def zscore(raw, *, winsorize: float | None = 3.0, sectors=None) -> np.ndarray:
    """Per row: standardise the finite values, clip at +-``winsorize`` and standardise again (so one outlier
    cannot dominate a composite). ``sectors``: one label per column; when given the z-score is taken within
    each sector (sector neutral: every sector's names average 0). NaN stays NaN."""
    raw = np.atleast_2d(np.asarray(raw, dtype=float))
    if sectors is None:
        return _winsorised(raw, winsorize)
    labels = np.asarray(sectors)
    out = np.full_like(raw, np.nan)
    for label in np.unique(labels):
        columns = np.flatnonzero(labels == label)
        out[:, columns] = _winsorised(raw[:, columns], winsorize)
    return out


def _winsorised(raw: np.ndarray, winsorize: float | None) -> np.ndarray:
    z = row_zscores(raw)
    if winsorize is None:
        return z
    return row_zscores(np.clip(z, -winsorize, winsorize))


def composite(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted mean of z-scores; NaN where any factor is missing (a name needs every factor's data)."""
    total = sum(weights[name] for name in scores)
    out = None
    for name, z in scores.items():
        part = z * (weights[name] / total)
        out = part if out is None else out + part
    return out

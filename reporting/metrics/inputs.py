"""Caller input turned into the float arrays the metrics compute on, and the per-series statistics they share.

Callers pass periods x series (a 1-D array is one series; a 2-D array has one column per series). Inside,
the values are held transposed, series x periods, so that each series is contiguous in memory: running
products, partitions and arg-min along time are several times faster that way. A 1-D input's results come
back as Python floats, a 2-D input's as 1-D arrays with one value per series. NaN marks a missing
observation and is skipped the way empyrical-reloaded's nan-aware functions skip it; infinities, returns
below -1 (losing more than everything) and non-numeric values are refused with a ValueError, because any
number computed from them would be wrong without saying so.
"""

import numpy as np

from .constants import PERIODS_PER_YEAR

# A sample standard deviation below this is checked for a series of identical values: their floating-point
# mean can differ from them in the last bit and leave a residue near 1e-17 instead of an exact 0.
_ZERO_DISPERSION_SUSPECT = 1e-14


class Returns:
    """Simple returns held as a (series x periods) float64 array, with the mask of missing values (or None)."""

    __slots__ = ("missing", "one_d", "values")

    def __init__(self, values: np.ndarray, one_d: bool):
        self.values = values
        self.one_d = one_d
        missing = np.isnan(values)
        self.missing = missing if missing.any() else None

    @property
    def periods(self) -> int:
        return self.values.shape[1]

    @property
    def series(self) -> int:
        return self.values.shape[0]

    def finish(self, per_series: np.ndarray):
        """Hand a per-series result back in the caller's shape: a float for 1-D input, else the array."""
        if self.one_d:
            return float(per_series[0])
        return per_series


def as_returns(returns, *, name: str = "returns") -> Returns:
    """Validate array-like simple returns (1-D, or 2-D with one column per series)."""
    try:
        given = np.asarray(returns, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numbers: {exc}") from exc
    if given.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (one series) or 2-D (periods x series), got {given.ndim}-D")
    one_d = given.ndim == 1
    # np.array copies: a private, C-ordered (series x periods) array the caller's data cannot alias
    values = np.array(given[np.newaxis, :] if one_d else given.T, dtype=np.float64, order="C")
    if np.isinf(values).any():
        raise ValueError(f"{name} contain an infinite value")
    with np.errstate(invalid="ignore"):
        if (values < -1.0).any():
            raise ValueError(f"{name} contain a simple return below -1 (a loss of more than 100 %)")
    return Returns(values, one_d)


def as_dates(dates, periods: int, *, name: str = "dates") -> np.ndarray:
    """Validate one date per period, strictly increasing, as datetime64[D]."""
    try:
        days = np.asarray(dates).astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be dates: {exc}") from exc
    if days.ndim != 1:
        raise ValueError(f"{name} must be 1-D")
    if len(days) != periods:
        raise ValueError(f"{name} has {len(days)} entries for {periods} periods")
    if np.isnat(days).any():
        raise ValueError(f"{name} contain a missing date")
    steps = np.diff(days)
    if len(steps) and (steps <= np.timedelta64(0, "D")).any():
        position = int(np.argmax(steps <= np.timedelta64(0, "D"))) + 1
        raise ValueError(
            f"{name} must be strictly increasing: entry {position} ({days[position]}) is not after the one before"
        )
    return days


def per_period_rate(annual_rate: float, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """An annual rate as the rate per period that compounds to it: (1 + annual) ** (1 / periods) - 1.

    This is the conversion empyrical-reloaded applies to an annual threshold (omega_ratio's required_return).
    """
    annual_rate = float(annual_rate)
    if not np.isfinite(annual_rate) or annual_rate <= -1.0:
        raise ValueError(f"annual rate must be a finite number above -1, got {annual_rate}")
    if annual_rate == 0.0:
        return 0.0
    return (1.0 + annual_rate) ** (1.0 / periods_per_year) - 1.0


# The helpers below take (series x periods) arrays and reduce along periods (axis 1).


def present_count(values: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    if missing is None:
        return np.full(values.shape[0], values.shape[1], dtype=np.int64)
    return values.shape[1] - missing.sum(axis=1)


def series_mean(values: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    """Mean of the present values of each series; NaN for a series with none."""
    if missing is None:
        if values.shape[1] == 0:
            return np.full(values.shape[0], np.nan)
        return values.mean(axis=1)
    count = present_count(values, missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(missing, 0.0, values).sum(axis=1) / np.where(count > 0, count, np.nan)


def series_std(values: np.ndarray, missing: np.ndarray | None, mean: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof=1) of the present values of each series; NaN below two values.

    A series whose present values are all equal gets exactly 0 (empyrical's _zero_dispersion_std), not
    the rounding residue of its mean.
    """
    count = present_count(values, missing)
    deviations = values - mean[:, np.newaxis]
    np.square(deviations, out=deviations)
    if missing is not None:
        deviations[missing] = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(deviations.sum(axis=1) / np.where(count > 1, count - 1, np.nan))
    for row in np.flatnonzero(std < _ZERO_DISPERSION_SUSPECT):
        present = values[row] if missing is None else values[row, ~missing[row]]
        if present.max() == present.min():
            std[row] = 0.0
    return std


def series_fmax(values: np.ndarray) -> np.ndarray:
    """Largest present value of each series, NaN for a series with none (no warning)."""
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    return np.fmax.reduce(values, axis=1)


def series_fmin(values: np.ndarray) -> np.ndarray:
    if values.shape[1] == 0:
        return np.full(values.shape[0], np.nan)
    return np.fmin.reduce(values, axis=1)


def safe_divide(numerator, denominator) -> np.ndarray:
    """numerator / denominator with IEEE results (inf, NaN) and no warnings: a zero denominator is documented."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(numerator, denominator)

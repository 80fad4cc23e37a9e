"""Compounded growth: total return, CAGR, and the best and worst day, month and year."""

import numpy as np

from .constants import PERIODS_PER_YEAR
from .inputs import Returns, as_dates, as_returns, series_fmax, series_fmin

PERIODS = ("day", "month", "year")


def growth_factors(r: Returns) -> np.ndarray:
    """1 + r per period, with a missing return counted as no change (empyrical's cum_returns zeroes NaN)."""
    factors = r.values + 1.0
    if r.missing is not None:
        factors[r.missing] = 1.0
    return factors


def ending_value(factors: np.ndarray) -> np.ndarray:
    """Wealth after the last period for 1 invested; NaN for an empty series."""
    if factors.shape[1] == 0:
        return np.full(factors.shape[0], np.nan)
    return factors.prod(axis=1)


def cagr_from_ending(ending: np.ndarray, periods, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    """CAGR from the ending value of 1 invested over `periods` periods (a count, or one count per series).

    From the ending value, not total return + 1: after a deep loss that sum would drop the last digits.
    """
    periods = np.asarray(periods, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        years = periods / periods_per_year
        grown = ending ** (1.0 / years) - 1.0
    return np.where(periods > 0, grown, np.nan)


def total_return(returns):
    """Compounded return over the whole series: prod(1 + r) - 1.

    empyrical-reloaded: cum_returns_final. Missing (NaN) returns count as 0 %. Empty series: NaN.
    """
    r = as_returns(returns)
    return r.finish(ending_value(growth_factors(r)) - 1.0)


def cagr(returns, periods_per_year: int = PERIODS_PER_YEAR):
    """Compound annual growth rate: (1 + total_return) ** (1 / years) - 1, years = periods / 252.

    empyrical-reloaded: annual_return (alias cagr). The number of periods is the number of rows, so a
    missing (NaN) return still counts as a period that passed with no change. Empty series: NaN.
    """
    r = as_returns(returns)
    return r.finish(cagr_from_ending(ending_value(growth_factors(r)), r.periods, periods_per_year))


def _bucket_starts(days: np.ndarray, period: str) -> np.ndarray:
    buckets = days.astype("datetime64[M]" if period == "month" else "datetime64[Y]")
    if len(buckets) == 0:
        return np.zeros(0, dtype=np.intp)
    return np.concatenate(([0], np.flatnonzero(buckets[1:] != buckets[:-1]) + 1))


def period_returns(r: Returns, factors: np.ndarray, days: np.ndarray | None, period: str) -> np.ndarray:
    """Returns per day, or compounded per calendar month or year (series x periods).

    A calendar month (year) is compounded from the returns dated in it, like empyrical's
    aggregate_returns, so a first or last partial month counts as a month. A month with no present
    return at all is missing (NaN) rather than a 0 % month.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    if period == "day":
        return r.values
    if days is None:
        raise ValueError(f"best and worst {period} need the dates of the returns")
    starts = _bucket_starts(days, period)
    if len(starts) == 0:
        return np.zeros((r.series, 0))
    compounded = np.multiply.reduceat(factors, starts, axis=1) - 1.0
    if r.missing is not None:
        present = np.add.reduceat((~r.missing).astype(np.int64), starts, axis=1)
        compounded[present == 0] = np.nan
    return compounded


def best_period(returns, period: str = "day", dates=None):
    """Highest return of one period: "day" (a single row), "month" or "year" (compounded, needs dates).

    empyrical-reloaded: max of the returns, or of aggregate_returns(returns, "monthly" / "yearly").
    Missing values are skipped; NaN when nothing is present.
    """
    r = as_returns(returns)
    days = None if dates is None else as_dates(dates, r.periods)
    return r.finish(series_fmax(period_returns(r, growth_factors(r), days, period)))


def worst_period(returns, period: str = "day", dates=None):
    """Lowest return of one period; see best_period for the periods and missing values."""
    r = as_returns(returns)
    days = None if dates is None else as_dates(dates, r.periods)
    return r.finish(series_fmin(period_returns(r, growth_factors(r), days, period)))

"""Drawdowns: the fall from the running peak of compounded wealth, its worst value, duration and dates.

Wealth starts at 1 before the first return and compounds 1 + r each period (a missing return counts as
0 %). The running peak includes that starting value, as empyrical-reloaded anchors it, so a series that
falls from its first day has its peak at the start.
"""

import datetime as dt

import numpy as np

from .constants import PERIODS_PER_YEAR
from .growth import cagr_from_ending, growth_factors
from .inputs import as_dates, as_returns, safe_divide


def wealth_from_factors(factors: np.ndarray) -> np.ndarray:
    return np.cumprod(factors, axis=1)


def drawdowns_from_wealth(wealth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(drawdown per period, running peak per period); drawdown = wealth / peak - 1, always <= 0."""
    peak = np.maximum.accumulate(wealth, axis=1)
    np.maximum(peak, 1.0, out=peak)
    drawdowns = wealth / peak
    drawdowns -= 1.0
    return drawdowns, peak


def max_drawdown_from(drawdowns: np.ndarray) -> np.ndarray:
    if drawdowns.shape[1] == 0:
        return np.full(drawdowns.shape[0], np.nan)
    return drawdowns.min(axis=1)


def drawdown_episode(wealth: np.ndarray, drawdowns: np.ndarray, peak: np.ndarray) -> dict[str, np.ndarray]:
    """Period positions of the worst drawdown: peak (-1 = the starting value), trough, recovery (-1 = none).

    duration is the number of periods from the peak to the recovery, or to the last period while still
    below the peak; 0 when there was no drawdown, NaN for an empty series.
    """
    series, periods = drawdowns.shape
    if periods == 0:
        nothing = np.full(series, -1, dtype=np.intp)
        return {"peak": nothing, "trough": nothing, "recovery": nothing, "duration": np.full(series, np.nan)}
    trough = drawdowns.argmin(axis=1)
    each = np.arange(series)
    level = peak[each, trough][:, np.newaxis]
    index = np.arange(periods)
    before = index <= trough[:, np.newaxis]
    # the peak is the last period up to the trough whose wealth equals the running peak at the trough
    at_peak = (wealth == level) & before
    peak_at = np.where(at_peak.any(axis=1), periods - 1 - at_peak[:, ::-1].argmax(axis=1), -1)
    back = (wealth >= level) & ~before
    recovered = back.any(axis=1)
    recovery_at = np.where(recovered, back.argmax(axis=1), -1)
    duration = np.where(recovered, recovery_at - peak_at, periods - 1 - peak_at).astype(np.float64)
    no_drawdown = drawdowns[each, trough] == 0.0
    duration[no_drawdown] = 0.0
    return {
        "peak": np.where(no_drawdown, -1, peak_at),
        "trough": np.where(no_drawdown, -1, trough),
        "recovery": np.where(no_drawdown, -1, recovery_at),
        "duration": duration,
    }


def episode_dates(episode: dict[str, np.ndarray], days: np.ndarray) -> dict[str, np.ndarray]:
    """Dates for the episode's positions (NaT where it is -1: start of series, no trough, not recovered)."""
    out = {}
    for key in ("peak", "trough", "recovery"):
        at = episode[key]
        if len(days) == 0:
            out[key] = np.full(at.shape, np.datetime64("NaT"), dtype="datetime64[D]")
        else:
            out[key] = np.where(at >= 0, days[np.maximum(at, 0)], np.datetime64("NaT"))
    return out


def calmar_from(cagr: np.ndarray, max_dd: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        ratio = np.where(max_dd < 0, safe_divide(cagr, np.abs(max_dd)), np.nan)
    ratio[np.isinf(ratio)] = np.nan
    return ratio


def drawdown_series(returns):
    """Drawdown after each period: wealth / running peak - 1, in the shape of the input.

    empyrical-reloaded: drawdown_series.
    """
    r = as_returns(returns)
    drawdowns, _ = drawdowns_from_wealth(wealth_from_factors(growth_factors(r)))
    return drawdowns[0] if r.one_d else drawdowns.T


def max_drawdown(returns):
    """Worst drawdown, a fraction <= 0 (e.g. -0.35 for a 35 % fall from a peak).

    empyrical-reloaded: max_drawdown. Missing returns count as 0 %. Empty series: NaN.
    """
    r = as_returns(returns)
    drawdowns, _ = drawdowns_from_wealth(wealth_from_factors(growth_factors(r)))
    return r.finish(max_drawdown_from(drawdowns))


def _scalar_date(value) -> dt.date | None:
    return None if np.isnat(value) else value.astype(dt.date)


def max_drawdown_details(returns, dates=None) -> dict:
    """The worst drawdown with its duration in periods and, given dates, its peak, trough and recovery.

    peak is the date of the last period at the high before the fall (None when the high is the starting
    value, before the first return), trough the date of the lowest point, recovery the first date wealth
    is back at the peak (None if it never is). duration counts periods from the peak to the recovery, or to
    the end of the series if not recovered; 0 without any drawdown. For 2-D input every value is an array
    (durations as floats with NaN for an empty series, dates as datetime64[D] with NaT).
    """
    r = as_returns(returns)
    days = None if dates is None else as_dates(dates, r.periods)
    wealth = wealth_from_factors(growth_factors(r))
    drawdowns, peak = drawdowns_from_wealth(wealth)
    episode = drawdown_episode(wealth, drawdowns, peak)
    result = {"max_drawdown": max_drawdown_from(drawdowns), "duration": episode["duration"]}
    if days is not None:
        result.update(episode_dates(episode, days))
    if not r.one_d:
        return result
    one = {key: value[0] for key, value in result.items()}
    one["max_drawdown"] = float(one["max_drawdown"])
    one["duration"] = None if np.isnan(one["duration"]) else int(one["duration"])
    for key in ("peak", "trough", "recovery"):
        if key in one:
            one[key] = _scalar_date(one[key])
    return one


def calmar(returns, periods_per_year: int = PERIODS_PER_YEAR):
    """Calmar ratio: CAGR / |max drawdown|.

    empyrical-reloaded: calmar_ratio. NaN when there is no drawdown (max drawdown >= 0), when the ratio
    would be infinite, and for an empty series.
    """
    r = as_returns(returns)
    factors = growth_factors(r)
    wealth = wealth_from_factors(factors)
    drawdowns, _ = drawdowns_from_wealth(wealth)
    ending = wealth[:, -1] if r.periods else np.full(r.series, np.nan)
    return r.finish(calmar_from(cagr_from_ending(ending, r.periods, periods_per_year), max_drawdown_from(drawdowns)))

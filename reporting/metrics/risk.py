"""Dispersion and tail risk of one series: volatility, Sharpe, Sortino, historical and parametric VaR/CVaR.

Ratios whose denominator is zero follow IEEE arithmetic, as empyrical-reloaded's do: a constant series
with a positive mean excess return has an infinite Sharpe ratio, one with a zero mean excess return NaN.
"""

from statistics import NormalDist

import numpy as np

from .constants import PERIODS_PER_YEAR
from .inputs import Returns, as_returns, per_period_rate, present_count, safe_divide, series_mean, series_std

_STANDARD_NORMAL = NormalDist()


def tail_probability(level: float) -> float:
    """0.95 -> 0.05: the literal empyrical uses, so integer tail sizes agree exactly."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    return round(1.0 - level, 12)


def volatility_from_std(std: np.ndarray, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    return std * np.sqrt(periods_per_year)


def sharpe_from_moments(mean, std, periods: int, rf_period: float, periods_per_year: int = PERIODS_PER_YEAR):
    if periods < 2:
        return np.full(np.shape(mean), np.nan)
    return safe_divide(mean - rf_period, std) * np.sqrt(periods_per_year)


def downside_risk_kernel(r: Returns, required: float, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    below = r.values - required if required else r.values.copy()
    np.minimum(below, 0.0, out=below)
    np.square(below, out=below)
    if r.missing is not None:
        below[r.missing] = 0.0
    count = present_count(r.values, r.missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_square = below.sum(axis=1) / np.where(count > 0, count, np.nan)
    return np.sqrt(mean_square) * np.sqrt(periods_per_year)


def sortino_kernel(r: Returns, mean: np.ndarray, required: float, periods_per_year: int = PERIODS_PER_YEAR):
    if r.periods < 2:
        return np.full(r.series, np.nan)
    downside = downside_risk_kernel(r, required, periods_per_year)
    return safe_divide((mean - required) * periods_per_year, downside)


def annual_volatility(returns, periods_per_year: int = PERIODS_PER_YEAR):
    """Sample standard deviation (ddof=1) of the returns times sqrt(252).

    empyrical-reloaded: annual_volatility. NaN with fewer than two present returns; exactly 0 for a
    constant series.
    """
    r = as_returns(returns)
    mean = series_mean(r.values, r.missing)
    return r.finish(volatility_from_std(series_std(r.values, r.missing, mean), periods_per_year))


def sharpe(returns, risk_free: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR):
    """Annualised Sharpe ratio: mean(r - rf) / std(r - rf, ddof=1) * sqrt(252).

    empyrical-reloaded: sharpe_ratio with risk_free per period. Here risk_free is an annual rate,
    converted to the per-period rate that compounds to it, (1 + rf) ** (1 / 252) - 1 (see
    inputs.per_period_rate). NaN below two periods; a constant series gives +-inf (or NaN at 0/0).
    """
    r = as_returns(returns)
    rf = per_period_rate(risk_free, periods_per_year)
    mean = series_mean(r.values, r.missing)
    std = series_std(r.values, r.missing, mean)
    return r.finish(sharpe_from_moments(mean, std, r.periods, rf, periods_per_year))


def downside_risk(returns, risk_free: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR):
    """Annualised downside deviation below the per-period risk-free rate (the minimum acceptable return):
    sqrt(mean(min(r - rf, 0) ** 2)) * sqrt(252), the mean over all present periods.

    empyrical-reloaded: downside_risk with required_return = the per-period risk-free rate.
    """
    r = as_returns(returns)
    rf = per_period_rate(risk_free, periods_per_year)
    return r.finish(downside_risk_kernel(r, rf, periods_per_year))


def sortino(returns, risk_free: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR):
    """Annualised Sortino ratio: mean(r - rf) * 252 / downside_risk, rf the per-period risk-free rate.

    empyrical-reloaded: sortino_ratio with required_return = the per-period risk-free rate (the same
    conversion as sharpe). NaN below two periods; +inf when no return is below the risk-free rate and
    the mean excess return is positive.
    """
    r = as_returns(returns)
    rf = per_period_rate(risk_free, periods_per_year)
    return r.finish(sortino_kernel(r, series_mean(r.values, r.missing), rf, periods_per_year))


def _lerp(low: np.ndarray, high: np.ndarray, weight) -> np.ndarray:
    # numpy's own interpolation for method="linear", so results agree to the last bit
    step = high - low
    return np.where(weight >= 0.5, high - step * (1.0 - weight), low + step * weight)


def _tail_positions(periods: int, tail: float) -> tuple[int, int, float]:
    # np.percentile's linear method: virtual index (n - 1) * q between the order statistics low and high
    position = (periods - 1) * tail
    low = int(np.floor(position))
    return low, min(low + 1, periods - 1), position - low


def historical_tails(r: Returns, tails: tuple[float, ...]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """{tail: (VaR, CVaR)} for each tail probability.

    Without missing values one partition per tail, each on the smaller tail left by the one before (the
    5 % partition leaves the lowest 5 % in front, where the 1 % order statistics are). With missing values
    one sort, NaNs last, and each series' own count of present values.
    """
    if r.missing is None:
        return _tails_complete(r.values, tails)
    return _tails_with_missing(r.values, r.missing, tails)


def _tails_complete(values: np.ndarray, tails: tuple[float, ...]) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    series, periods = values.shape
    if periods == 0:
        return {tail: (np.full(series, np.nan), np.full(series, np.nan)) for tail in tails}
    result = {}
    region = values
    for tail in sorted(tails, reverse=True):
        low, high, weight = _tail_positions(periods, tail)
        region = np.partition(region, high, axis=1)[:, : high + 1]
        at_high = region[:, high]
        # empyrical's CVaR averages the int((n - 1) * tail) + 1 = low + 1 lowest returns
        if low == high:
            at_low, lowest = at_high, region
        else:
            lowest = region[:, :high]
            at_low = lowest.max(axis=1)
        result[tail] = (_lerp(at_low, at_high, weight), lowest.mean(axis=1))
    return result


def _tails_with_missing(values, missing, tails) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    ordered = np.sort(values, axis=1)  # NaNs sort last
    count = present_count(values, missing)
    empty = count == 0
    last = np.maximum(count - 1, 0)
    running = np.cumsum(np.where(np.isnan(ordered), 0.0, ordered), axis=1)
    result = {}
    for tail in tails:
        position = last * tail
        low = np.floor(position).astype(np.intp)
        high = np.minimum(low + 1, last)
        at_low = np.take_along_axis(ordered, low[:, np.newaxis], 1)[:, 0]
        at_high = np.take_along_axis(ordered, high[:, np.newaxis], 1)[:, 0]
        var = _lerp(at_low, at_high, position - low)
        cvar = np.take_along_axis(running, low[:, np.newaxis], 1)[:, 0] / (low + 1)
        var[empty] = np.nan
        cvar[empty] = np.nan
        result[tail] = (var, cvar)
    return result


def parametric_tails(mean: np.ndarray, std: np.ndarray, tail: float) -> tuple[np.ndarray, np.ndarray]:
    z = _STANDARD_NORMAL.inv_cdf(tail)
    return mean + z * std, mean - std * _STANDARD_NORMAL.pdf(z) / tail


def value_at_risk(returns, level: float = 0.95):
    """Historical value at risk: the (1 - level) percentile of the returns, linear interpolation.

    empyrical-reloaded: value_at_risk(returns, cutoff=1 - level), i.e. np.percentile(returns, 5) at 95 %.
    Expressed as a return, so a loss is negative. NaNs are skipped (empyrical's value_at_risk returns NaN
    when any return is NaN; this equals its result on the series with the NaNs removed, which is how its
    conditional_value_at_risk treats them). Empty series: NaN.
    """
    r = as_returns(returns)
    tail = tail_probability(level)
    return r.finish(historical_tails(r, (tail,))[tail][0])


def conditional_value_at_risk(returns, level: float = 0.95):
    """Historical CVaR (expected shortfall): mean of the lowest int((n - 1) * (1 - level)) + 1 returns.

    empyrical-reloaded: conditional_value_at_risk(returns, cutoff=1 - level); n counts present returns,
    NaNs are skipped. A return, so a loss is negative. Empty series: NaN.
    """
    r = as_returns(returns)
    tail = tail_probability(level)
    return r.finish(historical_tails(r, (tail,))[tail][1])


def parametric_value_at_risk(returns, level: float = 0.95):
    """Gaussian VaR: mean + z * std (ddof=1), z the (1 - level) quantile of the standard normal.

    empyrical-reloaded has no parametric VaR; this is scipy.stats.norm.ppf(1 - level, mean, std) with
    empyrical's sample standard deviation (quantstats' value_at_risk). NaN below two present returns.
    """
    r = as_returns(returns)
    mean = series_mean(r.values, r.missing)
    return r.finish(parametric_tails(mean, series_std(r.values, r.missing, mean), tail_probability(level))[0])


def parametric_conditional_value_at_risk(returns, level: float = 0.95):
    """Gaussian CVaR (expected shortfall): mean - std * pdf(z) / (1 - level), z as in parametric VaR.

    The mean of a normal distribution with the sample mean and standard deviation (ddof=1) below its
    (1 - level) quantile. NaN below two present returns.
    """
    r = as_returns(returns)
    mean = series_mean(r.values, r.missing)
    return r.finish(parametric_tails(mean, series_std(r.values, r.missing, mean), tail_probability(level))[1])

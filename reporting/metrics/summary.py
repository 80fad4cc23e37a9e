"""Every metric of one or many series in one pass over shared intermediate arrays."""

import datetime as dt

import numpy as np

from .constants import VAR_LEVELS
from .drawdown import (
    calmar_from,
    drawdown_episode,
    drawdowns_from_wealth,
    episode_dates,
    max_drawdown_from,
    wealth_from_factors,
)
from .growth import cagr_from_ending, growth_factors, period_returns
from .inputs import as_dates, as_returns, per_period_rate, series_fmax, series_fmin, series_mean, series_std
from .relative import (
    Paired,
    active_moments,
    align_on_dates,
    alpha_kernel,
    as_paired,
    beta_kernel,
    capture_kernel,
    information_ratio_from,
    tracking_error_from,
)
from .risk import (
    historical_tails,
    parametric_tails,
    sharpe_from_moments,
    sortino_kernel,
    tail_probability,
    volatility_from_std,
)

# keys holding whole numbers of periods (max_drawdown_duration is a float array only to carry NaN)
_COUNTS = frozenset({"observations", "benchmark_observations", "max_drawdown_duration"})


def _level_suffix(level: float) -> str:
    return str(round(level * 100))


def summary(returns, benchmark=None, risk_free: float = 0.0, *, dates=None, benchmark_dates=None) -> dict:
    """All metrics of the returns (and against the benchmark when given) as one dict.

    returns: 1-D (one series) or 2-D (periods x series) daily simple returns; benchmark: 1-D daily simple
    returns; risk_free: annual rate, converted per period as (1 + rf) ** (1 / 252) - 1. dates (and
    benchmark_dates) are optional, one per row, strictly increasing. With both sets of dates the
    benchmark measures use only the dates present in both (the other measures use every return); without
    benchmark_dates the benchmark must have one return per row of the returns.

    Keys (each a float for 1-D input, an array with one value per column for 2-D; definitions in the
    function of the same name): observations, total_return, cagr, annual_volatility, sharpe, sortino,
    max_drawdown, max_drawdown_duration, calmar, var_95, cvar_95, var_99, cvar_99, parametric_var_95,
    parametric_cvar_95, parametric_var_99, parametric_cvar_99, best_day, worst_day; with dates also
    max_drawdown_peak, max_drawdown_trough, max_drawdown_recovery (datetime.date or None for 1-D input,
    datetime64[D] with NaT for 2-D: see max_drawdown_details), best_month, worst_month, best_year,
    worst_year; with a benchmark also benchmark_observations (periods compared), beta, alpha,
    tracking_error, information_ratio, up_capture, down_capture.
    """
    r = as_returns(returns)
    days = None if dates is None else as_dates(dates, r.periods)
    rf = per_period_rate(risk_free)
    paired = _paired(r, days, benchmark, benchmark_dates)

    factors = growth_factors(r)
    wealth = wealth_from_factors(factors)
    ending = wealth[:, -1] if r.periods else np.full(r.series, np.nan)
    total = ending - 1.0
    compound = cagr_from_ending(ending, r.periods)
    mean = series_mean(r.values, r.missing)
    std = series_std(r.values, r.missing, mean)
    drawdowns, peak = drawdowns_from_wealth(wealth)
    max_dd = max_drawdown_from(drawdowns)
    episode = drawdown_episode(wealth, drawdowns, peak)

    out = {
        "observations": np.full(r.series, r.periods),
        "total_return": total,
        "cagr": compound,
        "annual_volatility": volatility_from_std(std),
        "sharpe": sharpe_from_moments(mean, std, r.periods, rf),
        "sortino": sortino_kernel(r, mean, rf),
        "max_drawdown": max_dd,
        "max_drawdown_duration": episode["duration"],
        "calmar": calmar_from(compound, max_dd),
    }
    tails = {level: tail_probability(level) for level in VAR_LEVELS}
    historical = historical_tails(r, tuple(tails.values()))
    for level, tail in tails.items():
        suffix = _level_suffix(level)
        out[f"var_{suffix}"], out[f"cvar_{suffix}"] = historical[tail]
        out[f"parametric_var_{suffix}"], out[f"parametric_cvar_{suffix}"] = parametric_tails(mean, std, tail)
    out["best_day"] = series_fmax(r.values)
    out["worst_day"] = series_fmin(r.values)
    if days is not None:
        for key, value in episode_dates(episode, days).items():
            out[f"max_drawdown_{key}"] = value
        for period in ("month", "year"):
            grouped = period_returns(r, factors, days, period)
            out[f"best_{period}"] = series_fmax(grouped)
            out[f"worst_{period}"] = series_fmin(grouped)
    if paired is not None:
        out.update(_relative(paired, rf))
    if r.one_d:
        return {key: _scalar(key, value[0]) for key, value in out.items()}
    return out


def _paired(r, days, benchmark, benchmark_dates) -> Paired | None:
    if benchmark is None:
        if benchmark_dates is not None:
            raise ValueError("benchmark_dates given without a benchmark")
        return None
    if benchmark_dates is None:
        return as_paired(_as_given(r), benchmark)
    if days is None:
        raise ValueError("benchmark_dates need the dates of the returns too")
    own, bench, _ = align_on_dates(_as_given(r), days, benchmark, benchmark_dates)
    return as_paired(own, bench)


def _relative(p: Paired, rf: float) -> dict:
    periods = p.returns.periods
    beta = beta_kernel(p)
    active_mean, active_std = active_moments(p)
    return {
        "benchmark_observations": np.full(p.returns.series, periods),
        "beta": beta,
        "alpha": alpha_kernel(p, beta, rf),
        "tracking_error": tracking_error_from(active_std, periods),
        "information_ratio": information_ratio_from(active_mean, active_std, periods),
        "up_capture": capture_kernel(p, up=True),
        "down_capture": capture_kernel(p, up=False),
    }


def _as_given(r) -> np.ndarray:
    """The validated returns back in the caller's orientation (periods first), without copying."""
    return r.values[0] if r.one_d else r.values.T


def _scalar(key: str, value):
    """One series' value as a plain Python value: float, int (counts), datetime.date or None."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else value.astype(dt.date)
    if key in _COUNTS:
        return None if np.isnan(value) else int(value)
    return float(value)

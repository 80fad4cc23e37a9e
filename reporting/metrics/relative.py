"""Measures against a benchmark: beta, alpha, tracking error, information ratio, up and down capture.

The benchmark is one series (1-D) with one return per row of the returns; every column of 2-D returns is
measured against it. A period counts only when both the return and the benchmark return are present
(empyrical-reloaded's paired treatment of NaN). To measure against a benchmark on other dates, align
them first with align_on_dates (summary does it when given both sets of dates).
"""

import numpy as np

from .constants import PERIODS_PER_YEAR
from .growth import cagr_from_ending
from .inputs import (
    Returns,
    as_dates,
    as_returns,
    per_period_rate,
    present_count,
    safe_divide,
    series_mean,
    series_std,
)

# empyrical treats a benchmark variance below this as zero (beta undefined)
_MIN_BENCHMARK_VARIANCE = 1.0e-30


class Paired:
    """Returns and a benchmark on the same rows, with the mask of rows where either is missing."""

    __slots__ = ("benchmark", "missing", "returns")

    def __init__(self, returns: Returns, benchmark: np.ndarray):
        self.returns = returns
        self.benchmark = benchmark
        bench_missing = np.isnan(benchmark)
        if returns.missing is None and not bench_missing.any():
            self.missing = None
        else:
            own = returns.missing if returns.missing is not None else np.zeros(returns.values.shape, dtype=bool)
            self.missing = own | bench_missing[np.newaxis, :]


def as_paired(returns, benchmark) -> Paired:
    r = as_returns(returns)
    bench = as_returns(benchmark, name="benchmark")
    if not bench.one_d:
        raise ValueError("benchmark must be one series (1-D)")
    if bench.periods != r.periods:
        raise ValueError(
            f"benchmark has {bench.periods} periods for {r.periods} returns; align them on their dates first"
        )
    return Paired(r, bench.values[0])


def align_on_dates(returns, dates, benchmark, benchmark_dates):
    """Keep only the dates present in both series: (returns rows, benchmark, common dates).

    Each dates argument must be strictly increasing and as long as its series. Dates in only one series
    are dropped, so a gap in either shortens both; no value is filled in.
    """
    r = as_returns(returns)
    bench = as_returns(benchmark, name="benchmark")
    if not bench.one_d:
        raise ValueError("benchmark must be one series (1-D)")
    days = as_dates(dates, r.periods)
    bench_days = as_dates(benchmark_dates, bench.periods, name="benchmark dates")
    common, own_at, bench_at = np.intersect1d(days, bench_days, assume_unique=True, return_indices=True)
    values = r.values[:, own_at]
    return (values[0] if r.one_d else values.T), bench.values[0, bench_at], common


def beta_kernel(p: Paired) -> np.ndarray:
    r, bench = p.returns.values, p.benchmark
    if p.returns.periods < 2:
        return np.full(p.returns.series, np.nan)
    if p.missing is None:
        centred = bench - bench.mean()
        covariance = r @ centred / len(bench)
        variance = np.full(p.returns.series, centred @ centred / len(bench))
    else:
        independent = np.where(p.missing, np.nan, bench[np.newaxis, :])
        centred = independent - series_mean(independent, p.missing)[:, np.newaxis]
        centred[p.missing] = 0.0
        count = present_count(r, p.missing)
        with np.errstate(invalid="ignore", divide="ignore"):
            denominator = np.where(count > 0, count, np.nan)
            covariance = (centred * np.where(p.missing, 0.0, r)).sum(axis=1) / denominator
            variance = (centred * centred).sum(axis=1) / denominator
    variance[variance < _MIN_BENCHMARK_VARIANCE] = np.nan
    return safe_divide(covariance, variance)


def alpha_kernel(p: Paired, beta: np.ndarray, rf: float, periods_per_year: int = PERIODS_PER_YEAR):
    if p.returns.periods < 2:
        return np.full(p.returns.series, np.nan)
    own_mean = series_mean(p.returns.values, p.missing)
    if p.missing is None:
        bench_mean = np.full(p.returns.series, p.benchmark.mean())
    else:
        bench_mean = series_mean(np.broadcast_to(p.benchmark, p.missing.shape), p.missing)
    daily = (own_mean - rf) - beta * (bench_mean - rf)
    return (daily + 1.0) ** periods_per_year - 1.0


def active_moments(p: Paired) -> tuple[np.ndarray, np.ndarray]:
    active = p.returns.values - p.benchmark
    mean = series_mean(active, p.missing)
    return mean, series_std(active, p.missing, mean)


def tracking_error_from(std: np.ndarray, periods: int, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    if periods < 2:
        return np.full(std.shape, np.nan)
    return std * np.sqrt(periods_per_year)


def information_ratio_from(mean, std, periods: int, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    if periods < 2:
        return np.full(np.shape(mean), np.nan)
    return safe_divide(mean, std) * np.sqrt(periods_per_year)


def capture_kernel(p: Paired, up: bool, periods_per_year: int = PERIODS_PER_YEAR) -> np.ndarray:
    bench = p.benchmark
    with np.errstate(invalid="ignore"):
        side = bench > 0 if up else bench < 0
    if p.missing is None:
        chosen = p.returns.values[:, side]
        count = np.full(p.returns.series, chosen.shape[1])
        own_ending = (chosen + 1.0).prod(axis=1)
        bench_ending = np.full(p.returns.series, (bench[side] + 1.0).prod())
    else:
        mask = ~p.missing & side
        count = mask.sum(axis=1)
        own_ending = np.where(mask, p.returns.values + 1.0, 1.0).prod(axis=1)
        bench_ending = np.where(mask, bench + 1.0, 1.0).prod(axis=1)
    # each CAGR is over the chosen periods only (years = their count / 252)
    return safe_divide(
        cagr_from_ending(own_ending, count, periods_per_year), cagr_from_ending(bench_ending, count, periods_per_year)
    )


def beta(returns, benchmark):
    """Beta: Cov(r, b) / Var(b) over the periods where both are present (population moments).

    empyrical-reloaded: beta. A risk-free rate would not change it (subtracting a constant leaves both
    moments alone). NaN below two periods or when the benchmark's variance is below 1e-30.
    """
    p = as_paired(returns, benchmark)
    return p.returns.finish(beta_kernel(p))


def alpha(returns, benchmark, risk_free: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR):
    """Jensen's alpha, annualised by compounding: (1 + mean(r - rf - beta * (b - rf))) ** 252 - 1.

    empyrical-reloaded: alpha with risk_free per period; here risk_free is annual and converted as in
    sharpe. The mean is over the periods where both returns are present. NaN below two periods.
    """
    p = as_paired(returns, benchmark)
    rf = per_period_rate(risk_free, periods_per_year)
    return p.returns.finish(alpha_kernel(p, beta_kernel(p), rf, periods_per_year))


def tracking_error(returns, benchmark, periods_per_year: int = PERIODS_PER_YEAR):
    """Annualised tracking error: std(r - b, ddof=1) * sqrt(252).

    empyrical-reloaded has no tracking error; this is its annual_volatility of the active returns r - b
    (the denominator of its excess_sharpe, annualised). NaN below two periods.
    """
    p = as_paired(returns, benchmark)
    _, std = active_moments(p)
    return p.returns.finish(tracking_error_from(std, p.returns.periods, periods_per_year))


def information_ratio(returns, benchmark, periods_per_year: int = PERIODS_PER_YEAR):
    """Annualised information ratio: mean(r - b) / std(r - b, ddof=1) * sqrt(252).

    empyrical-reloaded: excess_sharpe(returns, benchmark) * sqrt(252), i.e. mean active return * 252
    over the tracking error. NaN below two periods; +-inf when the active return is constant.
    """
    p = as_paired(returns, benchmark)
    mean, std = active_moments(p)
    return p.returns.finish(information_ratio_from(mean, std, p.returns.periods, periods_per_year))


def up_capture(returns, benchmark, periods_per_year: int = PERIODS_PER_YEAR):
    """Up-market capture: CAGR of the returns / CAGR of the benchmark over the periods the benchmark rose.

    empyrical-reloaded: up_capture (each CAGR over only those periods, years = their count / 252). NaN
    when the benchmark never rose.
    """
    p = as_paired(returns, benchmark)
    return p.returns.finish(capture_kernel(p, up=True, periods_per_year=periods_per_year))


def down_capture(returns, benchmark, periods_per_year: int = PERIODS_PER_YEAR):
    """Down-market capture: as up_capture over the periods the benchmark fell (empyrical: down_capture)."""
    p = as_paired(returns, benchmark)
    return p.returns.finish(capture_kernel(p, up=False, periods_per_year=periods_per_year))

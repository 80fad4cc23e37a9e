"""Factor exposures by ordinary least squares: pure arithmetic over NumPy arrays (no ORM).

The model is r_t = alpha + sum_j beta_j f_j,t + e_t over n common days and k = 1 + factors
coefficients, solved with ``numpy.linalg.lstsq``. With residuals e and s^2 = sum(e^2) / (n - k),
the standard errors are sqrt(diag(s^2 (X'X)^-1)) and each t-stat is the coefficient over its
standard error. R^2 = 1 - sum(e^2) / sum((r - mean r)^2). The daily alpha is annualised by
compounding, (1 + alpha)^252 - 1, as empyrical does.

Fewer than ``MIN_OBSERVATIONS`` days, or factors that are linear combinations of each other on
these days (X'X singular), raise ``FactorError`` rather than return unstable numbers.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from valuepartner.errors import DomainError

from .metrics.constants import PERIODS_PER_YEAR

MIN_OBSERVATIONS = 60


class FactorError(DomainError):
    """The regression cannot be run on this data (400 with a stable code)."""


@dataclass(frozen=True)
class Exposure:
    factor: str
    beta: float
    standard_error: float
    t_stat: float


@dataclass(frozen=True)
class FactorRegression:
    exposures: tuple[Exposure, ...]
    alpha_daily: float
    alpha_t_stat: float
    alpha_annualized: float
    r_squared: float
    observations: int
    residual_volatility_daily: float


def regress(
    returns: Sequence[float],
    factor_returns: np.ndarray,
    factor_names: Sequence[str],
    *,
    min_observations: int = MIN_OBSERVATIONS,
) -> FactorRegression:
    """Regress ``returns`` (n) on ``factor_returns`` (n x k, one column per name) with an intercept."""
    y = np.asarray(returns, dtype=float)
    factors = np.asarray(factor_returns, dtype=float).reshape(y.size, -1)
    if factors.shape[1] != len(factor_names):
        raise ValueError("one factor name per column is needed.")
    if not (np.isfinite(y).all() and np.isfinite(factors).all()):
        raise ValueError("returns and factor returns must be finite.")
    n, k = y.size, factors.shape[1] + 1
    if n < max(min_observations, k + 1):
        raise FactorError(
            "too_few_observations",
            f"A factor regression needs at least {max(min_observations, k + 1)} common days of returns; there are {n}.",
        )
    design = np.column_stack([np.ones(n), factors])
    coefficients, _, rank, _ = np.linalg.lstsq(design, y, rcond=None)
    if rank < k:
        raise FactorError(
            "collinear_factors",
            "The factor returns are linear combinations of each other on these days; exposures are not defined.",
        )
    residuals = y - design @ coefficients
    ssr = float(residuals @ residuals)
    centred = y - y.mean()
    sst = float(centred @ centred)
    # Tested on the values: the mean of a constant series is not always exactly that constant.
    constant = bool((y == y[0]).all())
    variance = ssr / (n - k)
    errors = np.sqrt(np.diag(variance * np.linalg.inv(design.T @ design)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stats = coefficients / errors
    alpha = float(coefficients[0])
    return FactorRegression(
        exposures=tuple(
            Exposure(name, float(coefficients[j + 1]), float(errors[j + 1]), float(t_stats[j + 1]))
            for j, name in enumerate(factor_names)
        ),
        alpha_daily=alpha,
        alpha_t_stat=float(t_stats[0]),
        alpha_annualized=float((1.0 + alpha) ** PERIODS_PER_YEAR - 1.0),
        # A constant series has nothing to explain; its R^2 is undefined.
        r_squared=float("nan") if constant else float(1.0 - ssr / sst),
        observations=n,
        residual_volatility_daily=float(np.sqrt(variance)),
    )

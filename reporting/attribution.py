"""Brinson-Fachler attribution by sector: pure arithmetic over NumPy arrays (no ORM).

One period, per sector i, with portfolio weight w_p, benchmark weight w_b, portfolio return r_p,
benchmark return r_b (each the weight-averaged return of the side's holdings in the sector) and the
benchmark's total return R_b = sum(w_b * r_b):

- allocation  A_i = (w_p - w_b) * (r_b - R_b)   overweighting sectors that beat the benchmark;
- selection   S_i = w_b * (r_p - r_b)           picking better holdings inside a sector;
- interaction I_i = (w_p - w_b) * (r_p - r_b)   overweighting the sectors where the picks were better.

Expanding, A_i + S_i + I_i = w_p r_p - w_b r_b - (w_p - w_b) R_b, so over sectors whose weights
each sum to 1 the three effects add up to R_p - R_b exactly (up to float rounding).

A sector one side does not hold has no return on that side. The identity above holds whatever
number fills the gap, so the fill is chosen to put the effect where it belongs: a sector the
portfolio does not hold takes r_p = r_b (no selection, no interaction: the whole effect is the
decision to stay out, allocation); a sector the benchmark does not hold takes r_b = r_p (it is an
off-benchmark bet, all allocation: w_p * (r_p - R_b)).

Several periods (days): each day is attributed on its own weights and returns. The daily effects
are then linked two ways, both reported:

- **summation**: the effects added over days. Their total is the sum of the daily active returns,
  which differs from the compounded active return prod(1 + R_p) - prod(1 + R_b); the difference is
  reported as ``residual``.
- **Carino** smoothing: each day's effects are scaled by k_t / K with
  k_t = (ln(1 + R_p,t) - ln(1 + R_b,t)) / (R_p,t - R_b,t) (1 / (1 + R_p,t) when equal) and K the
  same expression over the whole period, so the linked effects add up to the compounded active
  return exactly.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from valuepartner.errors import DomainError

# Weights are market values divided by their sum: they sum to 1 within float rounding.
WEIGHT_TOLERANCE = 1e-9


class AttributionError(DomainError):
    """The account cannot be attributed over this range (400 with a stable code)."""


@dataclass(frozen=True)
class SectorEffects:
    sector: str
    portfolio_weight: float
    benchmark_weight: float
    portfolio_return: float | None
    benchmark_return: float | None
    allocation: float
    selection: float
    interaction: float

    @property
    def total(self) -> float:
        return self.allocation + self.selection + self.interaction


@dataclass(frozen=True)
class PeriodAttribution:
    sectors: tuple[SectorEffects, ...]
    portfolio_return: float
    benchmark_return: float

    @property
    def active_return(self) -> float:
        return self.portfolio_return - self.benchmark_return


def _link_coefficient(portfolio: float, benchmark: float) -> float:
    """Carino's k: (ln(1 + R) - ln(1 + B)) / (R - B), or its limit 1 / (1 + R) when R = B."""
    if abs(portfolio - benchmark) < 1e-15:
        return 1.0 / (1.0 + portfolio)
    return (np.log1p(portfolio) - np.log1p(benchmark)) / (portfolio - benchmark)


def brinson_fachler(
    sectors: Sequence[str],
    portfolio_weights: Sequence[float],
    benchmark_weights: Sequence[float],
    portfolio_returns: Sequence[float],
    benchmark_returns: Sequence[float],
) -> PeriodAttribution:
    """One period's allocation, selection and interaction per sector (see the module docstring).

    Weights on each side must be non-negative and sum to 1. A return is ignored (may be NaN) where
    its side's weight is 0. Raises ValueError on malformed input.
    """
    wp, wb, rp, rb = (
        np.asarray(a, dtype=float) for a in (portfolio_weights, benchmark_weights, portfolio_returns, benchmark_returns)
    )
    if not (wp.shape == wb.shape == rp.shape == rb.shape == (len(sectors),)):
        raise ValueError("sectors, weights and returns must have the same length.")
    for name, weights in (("portfolio", wp), ("benchmark", wb)):
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError(f"{name} weights must be finite and non-negative.")
        if abs(weights.sum() - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"{name} weights must sum to 1 (they sum to {weights.sum():.12g}).")
    held, benchmarked = wp > 0, wb > 0
    if not np.isfinite(rp[held]).all() or not np.isfinite(rb[benchmarked]).all():
        raise ValueError("a held sector's return must be finite.")
    rp_filled = np.where(held, rp, rb)
    rb_filled = np.where(benchmarked, rb, rp_filled)
    rp_filled = np.where(held | benchmarked, rp_filled, 0.0)
    rb_filled = np.where(held | benchmarked, rb_filled, 0.0)

    total_portfolio = float((wp * rp_filled).sum())
    total_benchmark = float((wb * rb_filled).sum())
    active_weight = wp - wb
    allocation = active_weight * (rb_filled - total_benchmark)
    selection = wb * (rp_filled - rb_filled)
    interaction = active_weight * (rp_filled - rb_filled)
    rows = tuple(
        SectorEffects(
            sector=sector,
            portfolio_weight=float(wp[i]),
            benchmark_weight=float(wb[i]),
            portfolio_return=float(rp[i]) if held[i] else None,
            benchmark_return=float(rb[i]) if benchmarked[i] else None,
            allocation=float(allocation[i]),
            selection=float(selection[i]),
            interaction=float(interaction[i]),
        )
        for i, sector in enumerate(sectors)
        if held[i] or benchmarked[i]
    )
    return PeriodAttribution(rows, total_portfolio, total_benchmark)


@dataclass(frozen=True)
class SectorTotals:
    sector: str
    average_portfolio_weight: float
    average_benchmark_weight: float
    allocation: float
    selection: float
    interaction: float
    # The same effects scaled by Carino's coefficients: they add up to the compounded active return.
    allocation_linked: float
    selection_linked: float
    interaction_linked: float

    @property
    def total(self) -> float:
        return self.allocation + self.selection + self.interaction

    @property
    def total_linked(self) -> float:
        return self.allocation_linked + self.selection_linked + self.interaction_linked


@dataclass(frozen=True)
class LinkedAttribution:
    dates: tuple[dt.date, ...]
    sectors: tuple[SectorTotals, ...]
    portfolio_return: float  # compounded over the days
    benchmark_return: float
    summed_active_return: float  # sum of the daily active returns = sum of the summed effects

    @property
    def active_return(self) -> float:
        return self.portfolio_return - self.benchmark_return

    @property
    def residual(self) -> float:
        """Compounded active return less the summed effects: what simple summation leaves out."""
        return self.active_return - self.summed_active_return


def link(days: Sequence[tuple[dt.date, PeriodAttribution]]) -> LinkedAttribution:
    """Link daily attributions over a range by summation and by Carino smoothing (module docstring)."""
    if not days:
        raise ValueError("at least one day is needed.")
    daily_portfolio = np.array([period.portfolio_return for _, period in days])
    daily_benchmark = np.array([period.benchmark_return for _, period in days])
    portfolio = float(np.prod(1.0 + daily_portfolio) - 1.0)
    benchmark = float(np.prod(1.0 + daily_benchmark) - 1.0)
    whole = _link_coefficient(portfolio, benchmark)
    scale = [_link_coefficient(p, b) / whole for p, b in zip(daily_portfolio, daily_benchmark, strict=True)]

    names = sorted({row.sector for _, period in days for row in period.sectors})
    index = {name: i for i, name in enumerate(names)}
    # columns: wp, wb, allocation, selection, interaction, and the three linked effects
    sums = np.zeros((len(names), 8))
    for (_, period), factor in zip(days, scale, strict=True):
        for row in period.sectors:
            effects = (row.allocation, row.selection, row.interaction)
            sums[index[row.sector]] += (
                row.portfolio_weight,
                row.benchmark_weight,
                *effects,
                *(effect * factor for effect in effects),
            )
    count = len(days)
    sectors = tuple(
        SectorTotals(name, *(float(v) for v in (sums[i, 0] / count, sums[i, 1] / count, *sums[i, 2:])))
        for i, name in enumerate(names)
    )
    return LinkedAttribution(
        dates=tuple(day for day, _ in days),
        sectors=sectors,
        portfolio_return=portfolio,
        benchmark_return=benchmark,
        summed_active_return=float((daily_portfolio - daily_benchmark).sum()),
    )

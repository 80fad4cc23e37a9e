"""Brinson-Fachler arithmetic (reporting.attribution): one period and days linked together."""

import datetime as dt

import numpy as np
import pytest

from reporting.attribution import brinson_fachler, link

SECTORS = ["Energy", "Health", "Tech"]


def test_one_period_effects_follow_the_formulas():
    """Each sector's allocation, selection and interaction are the Brinson-Fachler formulas."""
    wp, wb = [0.5, 0.3, 0.2], [0.3, 0.3, 0.4]
    rp, rb = [0.02, -0.01, 0.05], [0.01, 0.00, 0.03]
    total_benchmark = 0.3 * 0.01 + 0.3 * 0.0 + 0.4 * 0.03

    result = brinson_fachler(SECTORS, wp, wb, rp, rb)

    energy = result.sectors[0]
    assert energy.allocation == pytest.approx((0.5 - 0.3) * (0.01 - total_benchmark))
    assert energy.selection == pytest.approx(0.3 * (0.02 - 0.01))
    assert energy.interaction == pytest.approx((0.5 - 0.3) * (0.02 - 0.01))
    assert result.benchmark_return == pytest.approx(total_benchmark)


def test_effects_add_up_to_the_active_return_on_random_inputs():
    """Allocation + selection + interaction over sectors equals R_p - R_b for any weights and returns."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        wp, wb = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        rp, rb = rng.normal(0, 0.03, n), rng.normal(0, 0.03, n)

        result = brinson_fachler([f"S{i}" for i in range(n)], wp, wb, rp, rb)

        assert sum(row.total for row in result.sectors) == pytest.approx(result.active_return, abs=1e-15)
        assert result.portfolio_return == pytest.approx(float(wp @ rp))


def test_a_sector_one_side_does_not_hold_is_all_allocation():
    """Out of a benchmark sector: no selection; an off-benchmark sector: w_p (r_p - R_b) allocation."""
    result = brinson_fachler(SECTORS, [0.0, 0.5, 0.5], [0.5, 0.5, 0.0], [np.nan, 0.02, 0.04], [0.01, 0.01, np.nan])

    energy, _, tech = result.sectors
    assert (energy.selection, energy.interaction) == (0.0, 0.0)
    assert energy.portfolio_return is None
    assert tech.selection == 0.0 and tech.interaction == 0.0
    assert tech.allocation == pytest.approx(0.5 * (0.04 - result.benchmark_return))
    assert sum(row.total for row in result.sectors) == pytest.approx(result.active_return)


def test_weights_that_do_not_sum_to_one_are_refused():
    """Malformed weights raise ValueError instead of returning effects that do not add up."""
    with pytest.raises(ValueError, match="sum to 1"):
        brinson_fachler(SECTORS, [0.5, 0.3, 0.1], [0.3, 0.3, 0.4], [0, 0, 0], [0, 0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        brinson_fachler(SECTORS, [1.2, -0.2, 0.0], [0.3, 0.3, 0.4], [0, 0, 0], [0, 0, 0])


def _random_days(count, seed=3):
    rng = np.random.default_rng(seed)
    days = []
    for i in range(count):
        wp, wb = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3))
        days.append(
            (
                dt.date(2022, 1, 3) + dt.timedelta(days=i),
                brinson_fachler(SECTORS, wp, wb, *rng.normal(0.001, 0.02, (2, 3))),
            )
        )
    return days


def test_summation_leaves_a_residual_that_carino_linking_removes():
    """Summed effects total the summed daily active returns; Carino-linked ones the compounded active return."""
    days = _random_days(60)

    linked = link(days)

    daily_active = [period.active_return for _, period in days]
    assert sum(row.total for row in linked.sectors) == pytest.approx(sum(daily_active), abs=1e-14)
    assert linked.residual == pytest.approx(linked.active_return - sum(daily_active), abs=1e-15)
    assert abs(linked.residual) > 1e-6
    assert sum(row.total_linked for row in linked.sectors) == pytest.approx(linked.active_return, abs=1e-14)
    compounded = np.prod([1 + p.portfolio_return for _, p in days]) - 1
    assert linked.portfolio_return == pytest.approx(compounded)


def test_linking_one_day_changes_nothing():
    """A single period's linked effects are its own effects."""
    days = _random_days(1)

    linked = link(days)

    for row, original in zip(linked.sectors, days[0][1].sectors, strict=True):
        assert row.allocation_linked == pytest.approx(original.allocation)
        assert row.selection_linked == pytest.approx(original.selection)
    assert linked.residual == pytest.approx(0.0, abs=1e-15)

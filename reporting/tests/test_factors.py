"""Factor regression (reporting.factors): OLS coefficients, t-stats, R^2 and errors."""

import numpy as np
import pytest

from reporting.factors import FactorError, regress

NAMES = ("SPX", "MTUM", "QUAL", "SIZE", "USMV", "VLUE")


def _factor_returns(n, seed=11):
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.01, n)
    styles = market[:, None] * 0.9 + rng.normal(0, 0.004, (n, 5))
    return np.column_stack([market, styles])


def test_recovers_the_betas_of_a_known_combination():
    """A series built as alpha + factors @ betas + small noise gives back those betas and alpha."""
    factors = _factor_returns(750)
    betas = np.array([0.8, 0.3, -0.2, 0.1, 0.4, -0.1])
    noise = np.random.default_rng(5).normal(0, 1e-4, 750)
    returns = 0.0002 + factors @ betas + noise

    result = regress(returns, factors, NAMES)

    assert [e.beta for e in result.exposures] == pytest.approx(betas, abs=5e-3)
    assert result.alpha_daily == pytest.approx(0.0002, abs=2e-5)
    assert result.alpha_annualized == pytest.approx((1 + result.alpha_daily) ** 252 - 1)
    assert result.r_squared > 0.99
    assert result.observations == 750
    assert all(abs(e.t_stat) > 10 for e in result.exposures)


def test_single_factor_matches_polyfit_and_textbook_standard_error():
    """With one factor the slope and intercept are numpy.polyfit's, the t-stat the textbook one."""
    rng = np.random.default_rng(9)
    x = rng.normal(0, 0.01, 120)
    y = 0.001 + 1.3 * x + rng.normal(0, 0.005, 120)

    result = regress(y, x[:, None], ["SPX"])

    slope, intercept = np.polyfit(x, y, 1)
    assert result.exposures[0].beta == pytest.approx(slope, rel=1e-10)
    assert result.alpha_daily == pytest.approx(intercept, rel=1e-10)
    residuals = y - (intercept + slope * x)
    standard_error = np.sqrt(residuals @ residuals / 118 / ((x - x.mean()) @ (x - x.mean())))
    assert result.exposures[0].t_stat == pytest.approx(slope / standard_error, rel=1e-9)
    assert result.r_squared == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-9)


def test_fewer_than_sixty_observations_is_a_clear_error():
    """Under 60 common days the regression refuses with code too_few_observations."""
    factors = _factor_returns(59)

    with pytest.raises(FactorError) as error:
        regress(factors[:, 0], factors, NAMES)

    assert error.value.code == "too_few_observations"
    assert "59" in error.value.message


def test_collinear_factors_are_refused():
    """A factor that is another one doubled makes the exposures undefined: collinear_factors."""
    x = _factor_returns(100)[:, 0]

    with pytest.raises(FactorError) as error:
        regress(x * 0.5, np.column_stack([x, 2 * x]), ["A", "B"])

    assert error.value.code == "collinear_factors"


def test_constant_returns_have_undefined_r_squared():
    """A constant series has nothing to explain: R^2 is NaN (documented), betas zero."""
    factors = _factor_returns(80)

    result = regress(np.full(80, 0.001), factors, NAMES)

    assert np.isnan(result.r_squared)
    assert [e.beta for e in result.exposures] == pytest.approx([0.0] * 6, abs=1e-12)

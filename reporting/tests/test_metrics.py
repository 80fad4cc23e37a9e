"""Bad and edge input for reporting.metrics: a documented NaN (or inf) or a clear ValueError, never a crash."""

import datetime as dt
import math

import numpy as np
import pytest

from reporting import metrics

DAYS = np.arange(np.datetime64("2024-01-02"), np.datetime64("2024-01-02") + 10)


def test_empty_series_gives_nan_for_every_value():
    """No returns at all: each measure is NaN, counts are 0, no date is invented."""
    result = metrics.summary([], [], dates=[], benchmark_dates=[])
    assert result["observations"] == 0
    assert result["benchmark_observations"] == 0
    assert result["max_drawdown_duration"] is None
    assert result["max_drawdown_peak"] is None and result["max_drawdown_recovery"] is None
    numbers = {k: v for k, v in result.items() if isinstance(v, float)}
    assert numbers and all(math.isnan(v) for v in numbers.values()), numbers


def test_empty_two_dimensional_input_gives_one_nan_per_series():
    """Zero periods for three series: three NaNs per measure, nothing raised."""
    result = metrics.summary(np.zeros((0, 3)), np.zeros(0))
    assert result["sharpe"].shape == (3,)
    assert np.isnan(result["sharpe"]).all() and np.isnan(result["beta"]).all()
    assert np.isnan(result["var_95"]).all()


def test_constant_series_has_zero_volatility_and_infinite_sharpe():
    """A constant positive return: volatility exactly 0, Sharpe and Sortino +inf (empyrical's IEEE answer),
    no drawdown (0, duration 0, no dates) and Calmar NaN."""
    result = metrics.summary(np.full(10, 0.001), dates=DAYS)
    assert result["annual_volatility"] == 0.0
    assert result["sharpe"] == math.inf and result["sortino"] == math.inf
    assert result["max_drawdown"] == 0.0 and result["max_drawdown_duration"] == 0
    assert result["max_drawdown_peak"] is None and result["max_drawdown_trough"] is None
    assert math.isnan(result["calmar"])


def test_constant_zero_series_has_undefined_ratios():
    """All returns 0: 0/0 ratios are NaN, not 0 and not an error."""
    result = metrics.summary(np.zeros(10))
    assert math.isnan(result["sharpe"]) and math.isnan(result["sortino"])
    assert result["total_return"] == 0.0 and result["cagr"] == 0.0


def test_single_return_has_no_dispersion_measures():
    """One period: growth is defined, anything needing a standard deviation is NaN."""
    result = metrics.summary([0.02])
    assert result["total_return"] == pytest.approx(0.02)
    assert math.isnan(result["annual_volatility"]) and math.isnan(result["sharpe"])
    assert math.isnan(result["parametric_var_95"])
    assert result["var_95"] == pytest.approx(0.02)


def test_constant_benchmark_makes_beta_undefined():
    """A benchmark without variance: beta (and so alpha) NaN rather than a huge number."""
    r = np.array([0.01, -0.02, 0.03, 0.0])
    assert math.isnan(metrics.beta(r, np.full(4, 0.001)))
    assert math.isnan(metrics.alpha(r, np.full(4, 0.001)))


@pytest.mark.parametrize(
    ("returns", "message"),
    [
        ([0.01, math.inf], "infinite"),
        ([0.01, -1.5], "below -1"),
        ([["a", "b"]], "numbers"),
        (np.zeros((2, 2, 2)), "1-D"),
        (5.0, "1-D"),
    ],
)
def test_unusable_returns_raise_value_error(returns, message):
    """Infinite values, impossible losses, text and wrong shapes are refused with a message saying why."""
    with pytest.raises(ValueError, match=message):
        metrics.summary(returns)


def test_total_loss_is_accepted():
    """A return of exactly -1 (everything lost) is possible: total return -1, max drawdown -1."""
    result = metrics.summary([0.1, -1.0, 0.0])
    assert result["total_return"] == -1.0
    assert result["max_drawdown"] == -1.0


def test_dates_must_match_and_increase():
    """Dates of another length, repeated or going backwards are a ValueError naming the problem."""
    with pytest.raises(ValueError, match="3 entries for 2 periods"):
        metrics.summary([0.01, 0.02], dates=DAYS[:3])
    with pytest.raises(ValueError, match="strictly increasing"):
        metrics.summary([0.01, 0.02], dates=[DAYS[1], DAYS[0]])
    with pytest.raises(ValueError, match="strictly increasing"):
        metrics.summary([0.01, 0.02], dates=[DAYS[1], DAYS[1]])


def test_benchmark_of_other_length_without_dates_is_refused():
    """Without dates nothing says how to pair a shorter benchmark, so it is an error, not a guess."""
    with pytest.raises(ValueError, match="align them on their dates"):
        metrics.summary([0.01, 0.02, 0.03], [0.01, 0.02])
    with pytest.raises(ValueError, match="need the dates of the returns"):
        metrics.summary([0.01, 0.02], [0.01, 0.02], benchmark_dates=DAYS[:2])


def test_benchmark_without_common_dates_gives_nan_relative_measures():
    """A benchmark on entirely other dates: 0 periods compared, relative measures NaN, own measures intact."""
    later = DAYS + 100
    result = metrics.summary(np.linspace(-0.01, 0.02, 10), np.full(10, 0.01), dates=DAYS, benchmark_dates=later)
    assert result["benchmark_observations"] == 0
    assert math.isnan(result["beta"]) and math.isnan(result["up_capture"])
    assert not math.isnan(result["sharpe"])


def test_all_missing_series_is_nan_and_does_not_disturb_its_neighbours():
    """A column of NaNs in a 2-D input is NaN everywhere; the other column equals its 1-D summary."""
    good = np.array([0.01, -0.02, 0.015, 0.0, -0.005, 0.02, 0.01, -0.01, 0.004, 0.003])
    both = np.column_stack([good, np.full(10, np.nan)])
    many = metrics.summary(both, dates=DAYS)
    one = metrics.summary(good, dates=DAYS)
    for key in ("annual_volatility", "sharpe", "var_95", "cvar_99", "best_month", "worst_day"):
        assert math.isnan(many[key][1]), key
        assert many[key][0] == pytest.approx(one[key], rel=1e-12, abs=1e-15), key
    # a period with every return missing still passed: total return 0, CAGR 0
    assert many["total_return"][1] == 0.0


def test_month_without_any_return_is_not_a_zero_percent_month():
    """Best/worst month skip a month whose returns are all missing instead of counting it as 0 %."""
    days = np.array(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-01"], dtype="datetime64[D]")
    returns = np.array([-0.01, -0.02, np.nan, np.nan, -0.03])
    # counted as 0 %, February would be the best month
    assert metrics.best_period(returns, "month", days) == pytest.approx(0.99 * 0.98 - 1)
    assert metrics.worst_period(returns, "month", days) == pytest.approx(-0.03)


def test_month_and_year_need_dates():
    """Calendar periods without dates are a ValueError, and an unknown period name too."""
    with pytest.raises(ValueError, match="need the dates"):
        metrics.best_period([0.01], "month")
    with pytest.raises(ValueError, match="period must be one of"):
        metrics.best_period([0.01], "week", DAYS[:1])


def test_drawdown_episode_on_a_worked_example():
    """Wealth 1.1, 0.55, 0.66, 1.32, 1.188: peak day 1, trough day 2, back above the peak on day 4 (3
    periods from the peak), max drawdown -50 %."""
    returns = [0.1, -0.5, 0.2, 1.0, -0.1]
    details = metrics.max_drawdown_details(returns, dates=DAYS[:5])
    assert details["max_drawdown"] == pytest.approx(-0.5)
    assert details["peak"] == dt.date(2024, 1, 2)
    assert details["trough"] == dt.date(2024, 1, 3)
    assert details["recovery"] == dt.date(2024, 1, 5)
    assert details["duration"] == 3


def test_drawdown_from_the_first_day_peaks_at_the_start_and_may_not_recover():
    """Falling from the first return: the peak is the starting value (no date), and without recovery the
    duration runs to the last period."""
    details = metrics.max_drawdown_details([-0.1, 0.05, -0.2, 0.01], dates=DAYS[:4])
    assert details["peak"] is None
    assert details["trough"] == dt.date(2024, 1, 4)
    assert details["recovery"] is None
    assert details["duration"] == 4


def test_risk_free_is_annual_and_compounded_per_period():
    """risk_free=0.02 means 2 % a year: Sharpe uses (1.02) ** (1/252) - 1 per day; a rate at or below -100 %
    is refused."""
    r = np.array([0.01, -0.005, 0.003, 0.002, -0.001])
    daily = 1.02 ** (1 / 252) - 1
    expected = (r - daily).mean() / (r - daily).std(ddof=1) * math.sqrt(252)
    assert metrics.sharpe(r, 0.02) == pytest.approx(expected, rel=1e-12)
    assert metrics.per_period_rate(0.02) == pytest.approx(daily, rel=1e-15)
    with pytest.raises(ValueError, match="above -1"):
        metrics.sharpe(r, -1.0)


def test_historical_var_interpolates_and_cvar_averages_the_tail():
    """On 1..101 % returns: the 5th percentile is 6 %, the 1st is 2 %; CVaR 95 averages the 6 lowest."""
    r = np.arange(1, 102) / 100.0
    assert metrics.value_at_risk(r) == pytest.approx(0.06)
    assert metrics.value_at_risk(r, 0.99) == pytest.approx(0.02)
    assert metrics.conditional_value_at_risk(r) == pytest.approx(np.mean(r[:6]))
    assert metrics.conditional_value_at_risk(r, 0.99) == pytest.approx(np.mean(r[:2]))
    with pytest.raises(ValueError, match="between 0 and 1"):
        metrics.value_at_risk(r, 95)


def test_inputs_are_not_modified():
    """The caller's arrays come back untouched (the metrics work on private copies)."""
    r = np.array([[0.01, np.nan], [-0.02, 0.01], [0.03, -0.01]])
    b = np.array([0.005, np.nan, 0.002])
    before_r, before_b = r.copy(), b.copy()
    metrics.summary(r, b, 0.01, dates=DAYS[:3])
    assert np.array_equal(r, before_r, equal_nan=True) and np.array_equal(b, before_b, equal_nan=True)


def test_summary_returns_arrays_for_many_series_and_floats_for_one():
    """2-D input: one value per column; 1-D input: plain Python floats, ints and dates."""
    many = metrics.summary(np.full((10, 4), 0.001), dates=DAYS)
    assert all(np.shape(value) == (4,) for value in many.values())
    one = metrics.summary(np.full(10, 0.001), dates=DAYS)
    assert type(one["sharpe"]) is float and type(one["observations"]) is int

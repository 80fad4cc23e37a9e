"""Every metric of reporting.metrics against empyrical-reloaded to 1e-9, on real daily returns.

The returns are computed here from the bundled skfolio adjusted closes (marketdata/data/sp500_dataset.csv.gz)
and the S&P 500 index (sp500_index.csv.gz), read straight from the files: no database.
"""

from pathlib import Path

import empyrical as ep
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reporting import metrics

DATA = Path(__file__).resolve().parents[2] / "marketdata" / "data"
STOCKS = ["AAPL", "AMD", "JPM", "KO", "XOM"]
RISK_FREE = 0.03
RF_DAILY = (1 + RISK_FREE) ** (1 / 252) - 1
TOLERANCE = 1e-9


def assert_close(got, expected):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    assert got.shape == expected.shape
    assert np.array_equal(np.isnan(got), np.isnan(expected)), (got, expected)
    both = ~np.isnan(expected)
    # absolute below 1, relative above (total returns of real stocks reach several hundred)
    assert np.all(np.abs(got[both] - expected[both]) <= TOLERANCE * np.maximum(1.0, np.abs(expected[both]))), (
        got,
        expected,
    )


@pytest.fixture(scope="module")
def market():
    """Daily returns of five real stocks and of the S&P 500 on the same dates (pandas, DatetimeIndex)."""
    closes = pd.read_csv(DATA / "sp500_dataset.csv.gz", index_col=0, parse_dates=True)
    index = pd.read_csv(DATA / "sp500_index.csv.gz", index_col=0, parse_dates=True).iloc[:, 0]
    returns = closes[STOCKS].pct_change().iloc[1:]
    spx = index.pct_change().reindex(returns.index)
    assert returns.notna().all().all() and spx.notna().all()
    return returns, spx


def _dates(frame):
    return frame.index.to_numpy().astype("datetime64[D]")


# (our function, empyrical's equivalent) for measures of one series; each called on 1-D numpy returns
SINGLE = {
    "total_return": (metrics.total_return, ep.cum_returns_final),
    "cagr": (metrics.cagr, ep.cagr),
    "annual_volatility": (metrics.annual_volatility, ep.annual_volatility),
    "sharpe": (lambda r: metrics.sharpe(r, RISK_FREE), lambda r: ep.sharpe_ratio(r, RF_DAILY)),
    "sortino": (lambda r: metrics.sortino(r, RISK_FREE), lambda r: ep.sortino_ratio(r, RF_DAILY)),
    "downside_risk": (lambda r: metrics.downside_risk(r, RISK_FREE), lambda r: ep.downside_risk(r, RF_DAILY)),
    "max_drawdown": (metrics.max_drawdown, ep.max_drawdown),
    "calmar": (metrics.calmar, ep.calmar_ratio),
    "var_95": (metrics.value_at_risk, ep.value_at_risk),
    "var_99": (lambda r: metrics.value_at_risk(r, 0.99), lambda r: ep.value_at_risk(r, 0.01)),
    "cvar_95": (metrics.conditional_value_at_risk, ep.conditional_value_at_risk),
    "cvar_99": (
        lambda r: metrics.conditional_value_at_risk(r, 0.99),
        lambda r: ep.conditional_value_at_risk(r, 0.01),
    ),
    "best_day": (metrics.best_period, np.nanmax),
    "worst_day": (metrics.worst_period, np.nanmin),
}

RELATIVE = {
    "beta": (metrics.beta, ep.beta),
    "alpha": (lambda r, b: metrics.alpha(r, b, RISK_FREE), lambda r, b: ep.alpha(r, b, RF_DAILY)),
    "tracking_error": (metrics.tracking_error, lambda r, b: ep.annual_volatility(r - b)),
    "information_ratio": (metrics.information_ratio, lambda r, b: ep.excess_sharpe(r, b) * np.sqrt(252)),
    "up_capture": (metrics.up_capture, ep.up_capture),
    "down_capture": (metrics.down_capture, ep.down_capture),
}


@pytest.mark.parametrize("stock", STOCKS)
@pytest.mark.parametrize("name", sorted(SINGLE))
def test_single_series_metric_matches_empyrical(market, stock, name):
    """Each one-series metric equals empyrical-reloaded's on a real stock's 33 years of daily returns."""
    returns, _ = market
    ours, theirs = SINGLE[name]
    r = returns[stock].to_numpy()
    assert_close(ours(r), theirs(r))


@pytest.mark.parametrize("stock", STOCKS)
@pytest.mark.parametrize("name", sorted(RELATIVE))
def test_benchmark_metric_matches_empyrical(market, stock, name):
    """Each measure against the S&P 500 equals empyrical-reloaded's (tracking error and information ratio
    as its annualised active volatility and excess Sharpe * sqrt(252))."""
    returns, spx = market
    ours, theirs = RELATIVE[name]
    r, b = returns[stock].to_numpy(), spx.to_numpy()
    assert_close(ours(r, b), theirs(r, b))


@pytest.mark.parametrize("stock", STOCKS)
def test_best_and_worst_month_and_year_match_empyrical_aggregates(market, stock):
    """Best/worst month and year are the extremes of empyrical's compounded monthly and yearly returns."""
    returns, _ = market
    series = returns[stock]
    dates = _dates(returns)
    for period, convert_to in (("month", "monthly"), ("year", "yearly")):
        aggregated = ep.aggregate_returns(series, convert_to)
        assert_close(metrics.best_period(series.to_numpy(), period, dates), aggregated.max())
        assert_close(metrics.worst_period(series.to_numpy(), period, dates), aggregated.min())


@pytest.mark.parametrize("stock", STOCKS)
def test_parametric_var_and_cvar_match_the_normal_distribution(market, stock):
    """Parametric VaR is scipy's normal quantile with the sample mean and std (ddof=1); parametric CVaR is
    the mean of that normal below it, checked by numerical integration."""
    returns, _ = market
    r = returns[stock].to_numpy()
    mean, std = r.mean(), r.std(ddof=1)
    for level in (0.95, 0.99):
        var = stats.norm.ppf(1 - level, mean, std)
        assert_close(metrics.parametric_value_at_risk(r, level), var)
        shortfall = stats.norm.expect(lambda x: x, loc=mean, scale=std, ub=var) / (1 - level)
        assert_close(metrics.parametric_conditional_value_at_risk(r, level), shortfall)


@pytest.mark.parametrize("stock", STOCKS)
def test_max_drawdown_dates_and_duration_follow_empyrical_drawdown_series(market, stock):
    """The episode of the worst drawdown sits on empyrical's drawdown series: trough at its minimum, peak the
    last zero before it, recovery the first zero after, duration the periods from peak to recovery."""
    returns, _ = market
    series = returns[stock]
    underwater = ep.stats.drawdown_series(series)
    trough = underwater.idxmin()
    peak = underwater[:trough][underwater[:trough] == 0].index[-1]
    after = underwater[trough:][underwater[trough:] == 0]
    details = metrics.max_drawdown_details(series.to_numpy(), dates=_dates(returns))
    assert details["trough"] == trough.date()
    assert details["peak"] == peak.date()
    if len(after):
        assert details["recovery"] == after.index[0].date()
        assert details["duration"] == underwater.index.get_loc(after.index[0]) - underwater.index.get_loc(peak)
    else:
        assert details["recovery"] is None
        assert details["duration"] == len(underwater) - 1 - underwater.index.get_loc(peak)
    assert_close(details["max_drawdown"], ep.max_drawdown(series.to_numpy()))


def test_summary_of_many_series_equals_each_series_alone(market):
    """summary over the 2-D array (one column per stock) gives, column by column, the 1-D answers."""
    returns, spx = market
    dates = _dates(returns)
    many = metrics.summary(returns.to_numpy(), spx.to_numpy(), RISK_FREE, dates=dates)
    for column, stock in enumerate(STOCKS):
        one = metrics.summary(returns[stock].to_numpy(), spx.to_numpy(), RISK_FREE, dates=dates)
        assert set(one) == set(many)
        for key, value in one.items():
            if isinstance(value, float):
                assert_close(many[key][column], value)
            elif value is None:
                assert np.isnat(many[key][column])
            else:
                assert value == (
                    many[key][column].astype(object) if key.startswith("max_drawdown_") else many[key][column]
                )


def test_summary_matches_the_single_metric_functions(market):
    """summary's shared-work shortcuts give the same numbers as the functions they stand for."""
    returns, spx = market
    r, b = returns["AAPL"].to_numpy(), spx.to_numpy()
    result = metrics.summary(r, b, RISK_FREE)
    for name, (ours, _) in SINGLE.items():
        if name != "downside_risk":
            assert_close(result[name], ours(r))
    for name, (ours, _) in RELATIVE.items():
        assert_close(result[name], ours(r, b))


@pytest.fixture(scope="module")
def with_gaps(market):
    """Real returns with 3 % of the values replaced by NaN (a fixed random pattern per stock)."""
    returns, spx = market
    rng = np.random.default_rng(20240501)
    holed = returns.mask(rng.random(returns.shape) < 0.03)
    return holed, spx


NAN_AWARE = ["total_return", "cagr", "annual_volatility", "sharpe", "sortino", "downside_risk", "max_drawdown"]
NAN_AWARE += ["calmar", "cvar_95", "cvar_99", "best_day", "worst_day"]


@pytest.mark.parametrize("name", NAN_AWARE)
def test_missing_returns_are_skipped_as_empyrical_skips_them(with_gaps, name):
    """With NaNs in the returns every nan-aware metric still equals empyrical's, column by column and on
    the 2-D array at once."""
    holed, _ = with_gaps
    ours, theirs = SINGLE[name]
    values = holed.to_numpy()
    for column in range(values.shape[1]):
        assert_close(ours(values[:, column]), theirs(values[:, column]))
    assert_close(ours(values), [theirs(values[:, column]) for column in range(values.shape[1])])


def test_var_with_missing_returns_is_empyrical_var_of_the_present_returns(with_gaps):
    """Historical VaR skips NaNs (empyrical's own value_at_risk would be NaN): it equals empyrical's on the
    series without them."""
    holed, _ = with_gaps
    for stock in STOCKS:
        present = holed[stock].dropna().to_numpy()
        assert_close(metrics.value_at_risk(holed[stock].to_numpy()), ep.value_at_risk(present))
        assert_close(metrics.value_at_risk(holed[stock].to_numpy(), 0.99), ep.value_at_risk(present, 0.01))


@pytest.mark.parametrize("name", sorted(RELATIVE))
def test_benchmark_metrics_with_missing_returns_pair_the_present_periods(with_gaps, name):
    """Against the benchmark, a period counts only when both returns are present, as in empyrical."""
    holed, spx = with_gaps
    ours, theirs = RELATIVE[name]
    b = spx.to_numpy()
    values = holed.to_numpy()
    for column in range(values.shape[1]):
        assert_close(ours(values[:, column], b), theirs(values[:, column], b))
    assert_close(ours(values, b), [theirs(values[:, c], b) for c in range(values.shape[1])])


def test_benchmark_on_other_dates_is_compared_on_the_common_dates(market):
    """A benchmark that misses some of the returns' dates and has extra ones is aligned on the dates both
    have; beta, alpha and the captures then equal empyrical's on that intersection."""
    returns, spx = market
    stock = returns["JPM"]
    rng = np.random.default_rng(7)
    bench = spx[rng.random(len(spx)) > 0.1]  # 10 % of the benchmark's days missing
    extra = pd.Series([0.5], index=[pd.Timestamp("1989-12-29")])  # a day the stock does not have
    bench = pd.concat([extra, bench])
    result = metrics.summary(
        stock.to_numpy(), bench.to_numpy(), RISK_FREE, dates=_dates(stock), benchmark_dates=_dates(bench)
    )
    common = stock.index.intersection(bench.index)
    r, b = stock[common].to_numpy(), bench[common].to_numpy()
    assert result["benchmark_observations"] == len(common)
    assert_close(result["beta"], ep.beta(r, b))
    assert_close(result["alpha"], ep.alpha(r, b, RF_DAILY))
    assert_close(result["up_capture"], ep.up_capture(r, b))
    assert_close(result["down_capture"], ep.down_capture(r, b))
    # measures of the series alone still use every one of its returns
    assert_close(result["cagr"], ep.cagr(stock.to_numpy()))

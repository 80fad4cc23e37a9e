"""The factor library: exact formulas, missing-data rules, z-scores and composites."""

import numpy as np
import pytest

from strategies.factors import FactorNeedsData, composite, low_volatility, momentum, quality, size, value, zscore
from strategies.panel import align_fundamentals


def prices(days=300, symbols=6, seed=1):
    rng = np.random.default_rng(seed)
    return 20 * np.exp(np.cumsum(rng.normal(0, 0.02, (days, symbols)), axis=0))


def test_momentum_is_exactly_close_t_minus_21_over_close_t_minus_252_minus_1():
    close = prices()
    scores = momentum(close)
    assert np.isnan(scores[:252]).all()
    for t in (252, 270, 299):
        np.testing.assert_array_equal(scores[t], close[t - 21] / close[t - 252] - 1)
    np.testing.assert_array_equal(momentum(close, rows=[260, 280])[1], scores[280])


def test_momentum_lookback_may_differ_per_row():
    close = prices()
    out = momentum(close, rows=[200, 299], lookback_bars=[126, 252])
    np.testing.assert_array_equal(out[0], close[179] / close[74] - 1)
    np.testing.assert_array_equal(out[1], close[278] / close[47] - 1)


def test_low_volatility_is_minus_annualised_std_of_log_returns():
    close = prices()
    full = low_volatility(close)
    expected = -np.diff(np.log(close[299 - 252 : 300]), axis=0).std(axis=0, ddof=1) * np.sqrt(252)
    np.testing.assert_allclose(full[299], expected, rtol=1e-12)
    np.testing.assert_allclose(low_volatility(close, rows=[299])[0], expected, rtol=1e-12)
    assert np.isnan(full[251]).all()


def test_value_uses_reversal_proxy_without_fundamentals_and_fundamentals_when_loaded():
    close = prices(days=1300)
    proxy = value(close, rows=[1299])[0]
    np.testing.assert_allclose(proxy, -(close[1299 - 252] / close[1299 - 1260] - 1))
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + 1300)
    symbols = [f"S{i}" for i in range(6)]
    fundamentals = align_fundamentals(
        dates, symbols, [(s, dates[0].astype(object), {"book_to_market": float(i)}) for i, s in enumerate(symbols)]
    )
    from_data = value(close, rows=[1299], fundamentals=fundamentals)[0]
    assert np.all(np.diff(from_data) > 0)  # higher book-to-market, higher value score


def test_quality_and_size_say_they_need_data():
    close = prices()
    with pytest.raises(FactorNeedsData) as caught:
        quality(close, rows=[299])
    assert caught.value.code == "factor_needs_data"
    assert "factors.quality" in caught.value.fields
    with pytest.raises(FactorNeedsData):
        size(close, rows=[299], fundamentals={"market_cap": np.full(close.shape, np.nan)})


def test_size_prefers_small_caps_and_fundamentals_are_as_of_without_look_ahead():
    dates = np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-11"))
    records = [
        ("A", dates[3].astype(object), {"market_cap": 1e9}),
        ("B", dates[0].astype(object), {"market_cap": 1e11}),
    ]
    caps = align_fundamentals(dates, ["A", "B"], records)["market_cap"]
    assert np.isnan(caps[2, 0]) and caps[3, 0] == 1e9 and caps[0, 1] == 1e11
    scores = size(np.ones((10, 2)), rows=[9], fundamentals={"market_cap": caps})[0]
    assert scores[0] > scores[1]


def test_zscore_winsorises_and_standardises():
    raw = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 1000.0]])
    z = zscore(raw, winsorize=2.0)
    assert abs(np.nanmean(z)) < 1e-12
    assert np.nanstd(z, ddof=1) == pytest.approx(1.0)
    assert z[0, -1] < 3.0  # the outlier no longer dominates
    assert np.isnan(zscore(np.array([[1.0, np.nan, 3.0]]))[0, 1])


def test_sector_neutral_zscores_average_zero_within_each_sector():
    rng = np.random.default_rng(4)
    raw = rng.normal(size=(3, 12)) + np.repeat([0.0, 5.0, -5.0], 4)
    sectors = np.repeat(["a", "b", "c"], 4)
    z = zscore(raw, sectors=sectors)
    for label in "abc":
        np.testing.assert_allclose(z[:, sectors == label].mean(axis=1), 0, atol=1e-12)


def test_composite_is_weighted_mean_and_needs_every_factor():
    a = np.array([[1.0, -1.0, np.nan]])
    b = np.array([[0.0, 1.0, 2.0]])
    out = composite({"a": a, "b": b}, {"a": 3.0, "b": 1.0})
    np.testing.assert_allclose(out[0, :2], [0.75, -0.5])
    assert np.isnan(out[0, 2])

"""Regimes, the circuit breaker, adaptive parameters and hybrid confidence."""

import numpy as np
import pytest

from strategies.adaptive import changes, parameters_in_force
from strategies.backtest import BacktestConfig, BreakerSettings, RegimeSettings
from strategies.breaker import COOLDOWN, FULL, HALTED, REDUCED, run_breaker
from strategies.constants import EXTREME, HIGH, LOW, NORMAL, UNKNOWN
from strategies.hybrid import confidence, rank_percentile
from strategies.regimes import classify, spans, trailing_percentile


def test_trailing_percentile_counts_values_at_or_below_today():
    values = np.array([np.nan, 1.0, 2.0, 3.0, 0.5, 4.0])
    pct = trailing_percentile(values, history=3, min_history=2)
    assert np.isnan(pct[:2]).all()
    assert pct[2] == 100.0  # [1, 2] -> 2 is the highest
    assert pct[4] == pytest.approx(100 / 3)  # [2, 3, 0.5]
    assert pct[5] == 100.0


def test_calm_then_turbulent_benchmark_goes_low_normal_to_high_and_extreme():
    rng = np.random.default_rng(0)
    returns = np.concatenate([rng.normal(0, 0.005, 600), rng.normal(0, 0.04, 60)])
    closes = 100 * np.exp(np.cumsum(returns))
    series = classify(closes, RegimeSettings(enabled=True))
    # 21 returns for the first volatility, then 252 volatilities for a percentile
    assert (series.codes[:272] == UNKNOWN).all() and series.codes[272] != UNKNOWN
    assert set(series.codes[300:600]) <= {LOW, NORMAL, HIGH, EXTREME}
    assert (series.codes[600:640] == EXTREME).all()  # volatility never seen before: top percentile
    assert (series.codes[640:] >= HIGH).all()  # then the turbulence itself fills the trailing window
    assert series.volatility[650] > 0.4
    rows = spans(series.codes, np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-01") + 660))
    assert rows[0] == {
        "regime": "unknown",
        "start": "2020-01-01",
        "end": str(np.datetime64("2020-01-01") + 271),
        "sessions": 272,
    }
    assert sum(r["sessions"] for r in rows) == 660


def test_thresholds_are_configurable():
    rng = np.random.default_rng(1)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 900)))
    default = classify(closes, RegimeSettings(enabled=True))
    strict = classify(closes, RegimeSettings(enabled=True, low_pct=5, high_pct=50, extreme_pct=60))
    assert (strict.codes >= HIGH).sum() > (default.codes >= HIGH).sum()


def breaker(codes, **kwargs):
    return run_breaker(np.array(codes), BreakerSettings(enabled=True, **kwargs))


def test_breaker_graduates_exposure_and_blocks_entries_in_extreme():
    out = breaker([NORMAL, HIGH, EXTREME, EXTREME], high_exposure=0.5, extreme_exposure=0.2, cooldown_bars=2)
    assert out.state.tolist() == [FULL, REDUCED, HALTED, HALTED]
    assert out.exposure.tolist() == [1.0, 0.5, 0.2, 0.2]
    assert out.new_entries.tolist() == [True, True, False, False]


def test_breaker_cools_down_then_reenters_and_backs_off_exponentially_while_elevated():
    codes = [EXTREME, HIGH, HIGH, HIGH, HIGH, EXTREME, HIGH, HIGH, HIGH, HIGH, HIGH, HIGH]
    out = breaker(codes, cooldown_bars=2, backoff_factor=2.0)
    # trip 1: 2 cool-down bars, re-entry (reduced) on the 3rd high bar; trip 2 while still high: 4 bars
    assert out.state.tolist() == [HALTED, COOLDOWN, COOLDOWN, REDUCED, REDUCED, HALTED] + [COOLDOWN] * 4 + [REDUCED] * 2
    assert "trip 2" in dict(out.reasons)[5]


def test_breaker_backoff_resets_once_volatility_is_normal_again():
    codes = [EXTREME, HIGH, HIGH, NORMAL, EXTREME, HIGH, HIGH, HIGH]
    out = breaker(codes, cooldown_bars=2, backoff_factor=3.0)
    assert out.state.tolist() == [HALTED, COOLDOWN, COOLDOWN, FULL, HALTED, COOLDOWN, COOLDOWN, REDUCED]


def test_breaker_disabled_is_always_full():
    out = run_breaker(np.array([EXTREME] * 3), BreakerSettings(enabled=False))
    assert out.exposure.tolist() == [1.0] * 3 and out.new_entries.all()


def test_adaptive_rules_follow_the_regime_and_explain_themselves():
    config = BacktestConfig.from_dict({"regimes": {"enabled": True}, "hybrid": True})
    codes = np.array([UNKNOWN, LOW, NORMAL, HIGH, EXTREME])
    series = parameters_in_force(codes, config, 252)
    assert series.lookback.tolist() == [252, 252, 252, 126, 63]
    assert series.threshold.tolist() == [0.5, 0.45, 0.5, 0.6, 0.7]
    assert series.position_size.tolist() == [1.0, 1.0, 1.0, 0.75, 0.5]
    rows = changes(series, codes, np.arange(np.datetime64("2021-01-01"), np.datetime64("2021-01-06")))
    assert [r["regime"] for r in rows] == ["unknown", "low", "normal", "high", "extreme"]
    assert rows[3]["why"].startswith("high regime -> high rule: lookback 126 bars")


def test_adaptive_off_keeps_base_values():
    config = BacktestConfig.from_dict({"hybrid": {"threshold": 0.3}})
    series = parameters_in_force(np.array([EXTREME, LOW]), config, 200)
    assert series.lookback.tolist() == [200, 200] and series.threshold.tolist() == [0.3, 0.3]


def test_confidence_is_in_unit_interval_and_rises_with_rank_and_trend():
    days = 260
    up = np.linspace(10, 20, days)
    down = np.linspace(20, 10, days)
    flat = np.full(days, 15.0) + np.sin(np.arange(days)) * 0.01
    close = np.stack([up, down, flat], axis=1)
    settings = BacktestConfig.from_dict({"hybrid": {"trend_lookback": 50}}).hybrid
    key = np.array([1.0, 0.0, np.nan])
    conf = confidence(close, days - 1, key, settings)
    assert 0 <= conf[1] < conf[0] <= 1
    assert np.isnan(conf[2])
    assert rank_percentile(np.array([3.0, 1.0, 2.0])).tolist() == [1.0, 0.0, 0.5]

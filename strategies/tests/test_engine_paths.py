"""The engine's two paths give the same run: the vectorised solve (strategies.backtest.vector, every
trading bar at once) against the bar-by-bar loop forced on the same config and prices."""

import numpy as np
import pytest

from strategies.backtest import BacktestConfig, engine, run_backtest
from strategies.constants import HIGH, NORMAL
from strategies.regimes import RegimeSeries

from .test_engine_features import panel_of
from .test_engine_reference import REFERENCE

SECTORS = ["s1"] * 20 + ["s2"] * 20
CASES = {
    "reference": ({}, {}),
    "slippage (asymmetric costs)": ({"slippage_bps": 25, "commission_bps": 7}, {}),
    "no costs": ({"commission_bps": 0, "slippage_bps": 0}, {}),
    "score weights with caps": ({"weighting": "score", "max_weight": 0.12, "sector_cap": 0.6}, {"sectors": SECTORS}),
    "inverse volatility": ({"weighting": "inverse_vol"}, {}),
    "adaptive position size by regime": ({"regimes": {"enabled": True, "adaptive": True}}, {"days": 900}),
    "next close": ({"execution": "next_close", "rebalance": {"every_bars": 21, "warmup_bars": 253}}, {}),
    "more names than symbols": ({"top_n": 60}, {}),
}


def run_both(monkeypatch, overrides, panel_kwargs, **kwargs):
    config = BacktestConfig.from_dict({**REFERENCE, "top_n": 10, **overrides})
    panel = panel_of(**panel_kwargs)
    taken = []
    original = engine._path_free
    monkeypatch.setattr(engine, "_path_free", lambda *a: taken.append(original(*a)) or taken[-1])
    fast = run_backtest(config, panel, **kwargs)
    assert taken == [True], "this config must take the vectorised path"
    monkeypatch.setattr(engine, "_path_free", lambda *a: False)
    return fast, run_backtest(config, panel, **kwargs)


def close(a, b, rel=1e-9):
    np.testing.assert_allclose(a, b, rtol=rel, atol=1e-9 * max(1.0, float(np.max(np.abs(b), initial=0.0))))


@pytest.mark.parametrize("name", CASES)
def test_vectorised_path_equals_the_loop(monkeypatch, name):
    overrides, panel_kwargs = CASES[name]
    fast, loop = run_both(monkeypatch, overrides, panel_kwargs)
    close(fast.equity, loop.equity)
    a, b = fast.log, loop.log
    np.testing.assert_array_equal(a.bars, b.bars)
    assert a.kinds == b.kinds and a.infos == b.infos
    close(a.value_before, b.value_before)
    close(a.value_after, b.value_after)
    np.testing.assert_array_equal(a.event, b.event)
    np.testing.assert_array_equal(a.column, b.column)
    for field in ("before", "delta", "price", "commission", "slippage", "held_shares"):
        close(getattr(a, field), getattr(b, field))
    np.testing.assert_array_equal(a.held_column, b.held_column)
    np.testing.assert_array_equal(fast.closed.columns, loop.closed.columns)
    np.testing.assert_array_equal(fast.closed.entry_bar, loop.closed.entry_bar)
    close(fast.closed.returns, loop.closed.returns)
    assert fast.open_positions == loop.open_positions
    assert fast.turnover == pytest.approx(loop.turnover, rel=1e-9)
    assert fast.metrics.keys() == loop.metrics.keys()


def test_targets_on_the_last_bar_and_progress(monkeypatch):
    calls = []
    fast, loop = run_both(monkeypatch, {}, {}, targets_on_last_bar=True, progress=lambda *c: calls.append(c))
    assert fast.events[-1].kind == loop.events[-1].kind == "targets"
    assert fast.weights_at(len(fast.equity) - 1) == pytest.approx(loop.weights_at(len(loop.equity) - 1), rel=1e-9)
    assert calls[-1][0] == calls[-1][1] == len(fast.events)


def test_breaker_reducing_exposure_between_rebalances(monkeypatch):
    """High-volatility stretches (no extreme: new entries stay allowed) cut exposure between rebalances:
    breaker bars trade in the vectorised path too."""
    codes = np.full(700, NORMAL, dtype=np.int8)
    codes[300:340] = HIGH
    codes[505:530] = HIGH
    series = RegimeSeries(codes=codes, volatility=np.full(700, 0.2), percentile=np.full(700, 50.0), source="test")
    overrides = {"regimes": {"enabled": True, "adaptive": False}, "circuit_breaker": {"high_exposure": 0.6}}
    fast, loop = run_both(monkeypatch, overrides, {}, regime_series=series)
    assert fast.log.kinds.count("breaker") == 4
    close(fast.equity, loop.equity)
    close(fast.log.delta, loop.log.delta)
    np.testing.assert_array_equal(fast.log.column, loop.log.column)
    assert sum(fast.weights_at(300).values()) == pytest.approx(0.6, rel=1e-12)  # the breaker bar itself


def test_whole_shares_and_hybrid_keep_the_loop(monkeypatch):
    """Targets that depend on the holdings (whole shares, hybrid confidence) are solved bar by bar."""
    taken = []
    original = engine._path_free
    monkeypatch.setattr(engine, "_path_free", lambda *a: taken.append(original(*a)) or taken[-1])
    panel = panel_of()
    run_backtest(BacktestConfig.from_dict({**REFERENCE, "top_n": 10, "fractional": False}), panel)
    run_backtest(BacktestConfig.from_dict({**REFERENCE, "top_n": 10, "hybrid": {"threshold": 0.5}}), panel)
    assert taken == [False, False]

"""The backtester beyond the reference: config parsing, costs, shares, weighting, caps, regimes and
breaker in a run, walk-forward without look-ahead, target weights, and refusals."""

import datetime as dt

import numpy as np
import pytest

from strategies.backtest import BacktestConfig, run_backtest
from strategies.backtest.costs import post_trade_value, unit_costs
from strategies.backtest.weights import apply_caps
from strategies.errors import EngineError
from strategies.panel import PriceDataError, PricePanel
from strategies.targets import target_details, target_weights
from strategies.walkforward import run_walk_forward

from .test_engine_reference import REFERENCE


def panel_of(days=700, symbols=40, seed=11, benchmark=True, sectors=None) -> PricePanel:
    rng = np.random.default_rng(seed)
    close = 30 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (days, symbols)), axis=0))
    market = 100 * np.exp(
        np.cumsum(rng.normal(0.0002, 0.012, days) * np.repeat([1, 3, 1], [days // 2, 40, days - days // 2 - 40]))
    )
    return PricePanel(
        dates=np.busday_offset("2012-01-02", np.arange(days), roll="forward"),
        symbols=[f"X{i:02d}" for i in range(symbols)],
        close=close,
        sectors=sectors or (),
        benchmark=market if benchmark else None,
        benchmark_symbol="SPX" if benchmark else None,
    )


def config(**overrides) -> BacktestConfig:
    return BacktestConfig.from_dict({**REFERENCE, "top_n": 10, **overrides})


# --- configuration ---


def test_reference_config_round_trips_and_switches_expand():
    parsed = BacktestConfig.from_dict(REFERENCE)
    data = parsed.to_dict()
    assert data["regimes"]["enabled"] is False and data["circuit_breaker"]["enabled"] is False
    assert data["rebalance"] == {"every_bars": 21, "warmup_bars": 252}
    assert BacktestConfig.from_dict(data) == parsed
    assert parsed.with_overrides({"top_n": 20, "rebalance.every_bars": 63}).every_bars == 63


def test_bad_config_names_every_field():
    with pytest.raises(EngineError) as caught:
        BacktestConfig.from_dict(
            {
                "factors": {"momentum_12_1": -1, "magic": 1},
                "top_n": 0,
                "weighting": "random",
                "rebalance": {"every_bars": 2.5},
                "regimes": {"high_pct": 99, "extreme_pct": 90},
                "colour": "blue",
                "circuit_breaker": True,
            }
        )
    fields = caught.value.fields
    assert caught.value.code == "invalid_config"
    assert set(fields) >= {
        "factors.momentum_12_1",
        "factors.magic",
        "top_n",
        "weighting",
        "rebalance.every_bars",
        "regimes.high_pct",
        "colour",
    }
    with pytest.raises(EngineError) as caught:
        BacktestConfig.from_dict({"circuit_breaker": True})
    assert "enable regimes" in caught.value.fields["circuit_breaker"]


# --- costs and shares ---


def test_post_trade_value_solves_the_cost_equation_exactly():
    rng = np.random.default_rng(2)
    for _ in range(50):
        weights = rng.dirichlet(np.ones(8)) * rng.uniform(0.3, 1)
        weights[rng.integers(0, 8, 2)] = 0.0
        current = rng.uniform(0, 30_000, 8)
        value = current.sum() + rng.uniform(0, 50_000)
        k_buy, k_sell = unit_costs(25, 15)
        after = post_trade_value(value, weights, current, k_buy, k_sell)
        trades = after * weights - current
        paid = k_buy * trades[trades > 0].sum() - k_sell * trades[trades < 0].sum()
        assert after + paid == pytest.approx(value, rel=1e-13)


def test_slippage_fills_worse_than_the_close_and_costs_are_reported():
    panel = panel_of()
    plain = run_backtest(config(), panel)
    slipped = run_backtest(config(slippage_bps=20), panel)
    assert slipped.final_equity < plain.final_equity
    rows = slipped.trade_rows()
    buy = next(r for r in rows if r["side"] == "buy")
    bar = int(np.flatnonzero(panel.dates == np.datetime64(buy["date"]))[0])
    close = panel.close[bar, panel.symbols.index(buy["symbol"])]
    assert buy["price"] == pytest.approx(close * 1.002)
    out = slipped.to_dict()
    assert out["costs"]["slippage"] > 0 and out["costs"]["commission"] > 0


def test_whole_shares_never_overdraw_cash():
    panel = panel_of(seed=5)
    result = run_backtest(config(fractional=False, initial_cash=100_000, slippage_bps=5), panel)
    for event in result.events:
        assert np.all(event.held_shares == np.floor(event.held_shares))
        invested = event.held_shares @ panel.close[event.bar, event.held]
        assert invested <= event.value_after + 1e-6  # cash = value - invested >= 0


# --- weighting and caps ---


def test_caps_clip_names_and_sectors_and_leave_the_rest_in_cash():
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    sectors = np.array(["a", "a", "b", "c"])
    capped = apply_caps(weights, sectors, max_weight=0.35, sector_cap=0.5)
    assert capped.max() <= 0.35 + 1e-12
    assert capped[:2].sum() <= 0.5 + 1e-12
    assert capped.sum() == pytest.approx(1.0)
    tight = apply_caps(np.full(4, 0.25), np.array(["a"] * 4), max_weight=None, sector_cap=0.6)
    assert tight.sum() == pytest.approx(0.6)


@pytest.mark.parametrize("weighting", ["score", "inverse_vol"])
def test_other_weightings_sum_to_one_and_differ_from_equal(weighting):
    panel = panel_of()
    result = run_backtest(config(weighting=weighting), panel)
    weights = result.weights_at(result.events[0].bar)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert max(weights.values()) > min(weights.values()) * 1.01


def test_max_weight_holds_in_a_run():
    panel = panel_of(sectors=["s1"] * 20 + ["s2"] * 20)
    result = run_backtest(config(weighting="score", max_weight=0.12, sector_cap=0.6), panel)
    for event in result.events:
        weights = result.weights_at(event.bar)
        assert max(weights.values()) <= 0.12 + 1e-9
        s1 = sum(w for s, w in weights.items() if int(s[1:]) < 20)
        assert s1 <= 0.6 + 1e-9


def test_next_close_trades_a_bar_after_the_signal():
    panel = panel_of()
    same = run_backtest(config(), panel)
    late = run_backtest(config(execution="next_close", rebalance={"every_bars": 21, "warmup_bars": 253}), panel)
    assert [e.bar for e in late.events] == [e.bar + 1 for e in same.events][: len(late.events)]
    assert set(late.weights_at(late.events[0].bar)) == set(same.weights_at(same.events[0].bar))


# --- regimes and breaker in a run ---


def test_breaker_cuts_exposure_between_rebalances_and_blocks_new_names():
    panel = panel_of(days=900)
    cfg = config(regimes=True, circuit_breaker={"extreme_exposure": 0.1, "high_exposure": 0.6})
    result = run_backtest(cfg, panel)
    breaker_events = [e for e in result.events if e.kind == "breaker"]
    assert breaker_events, "the volatile stretch must trip the breaker"
    for event in result.events:
        exposure = result.prepared.breaker.exposure[event.bar]
        invested = sum(result.weights_at(event.bar).values())
        assert invested <= exposure + 1e-9
    halted = [e for e in result.events if e.kind == "rebalance" and not result.prepared.breaker.new_entries[e.bar]]
    for event in halted:
        assert event.info["chosen"] <= event.info["candidates"]
    out = result.to_dict()
    assert out["breaker"]["changes"] and out["parameters_in_force"]


def test_hybrid_threshold_of_one_opens_nothing():
    panel = panel_of()
    result = run_backtest(config(hybrid={"threshold": 1.0, "trend_lookback": 100}), panel)
    assert result.final_equity == pytest.approx(1_000_000)
    assert result.events[0].info["below_confidence"] == 10


def test_win_rate_by_regime_counts_closed_positions():
    result = run_backtest(config(), panel_of(days=900))
    out = result.to_dict(closed_positions=True)
    total = sum(row["closed"] for row in out["win_rate_by_regime"].values())
    assert total == len(out["closed_positions"]) == out["robustness"]["closed_positions"]
    wins = sum(1 for row in out["closed_positions"] if row["return"] > 0)
    assert wins == sum(row["wins"] for row in out["win_rate_by_regime"].values())
    rates = [r["win_rate"] for r in out["win_rate_by_regime"].values() if r["closed"] >= 5 and r is not None]
    if out["robustness"]["spread_pp"] is not None:
        assert out["robustness"]["spread_pp"] == pytest.approx(100 * (max(rates) - min(rates)))


def test_progress_is_reported_to_completion():
    calls = []
    run_backtest(config(), panel_of(), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] == len(range(252, 700, 21))


def test_result_is_json_safe_with_the_issue_keys():
    import json

    out = run_backtest(config(), panel_of()).to_dict()
    text = json.dumps(out, allow_nan=False)
    for key in (
        "final_equity",
        "equity_curve",
        "metrics",
        "trades",
        "turnover",
        "win_rate_by_regime",
        "engine_seconds",
    ):
        assert key in out
    assert out["equity_curve"][0] == ["2012-01-02", 1_000_000.0]
    assert out["metrics"]["sharpe"] is not None and "beta" in out["metrics"]
    assert len(text) > 1000


# --- refusals ---


def test_too_little_history_and_short_warmup_are_refused():
    with pytest.raises(PriceDataError) as caught:
        run_backtest(config(), panel_of(days=200))
    assert caught.value.code == "too_little_history"
    with pytest.raises(EngineError) as caught:
        run_backtest(config(rebalance={"every_bars": 21, "warmup_bars": 100}), panel_of())
    assert caught.value.code == "warmup_too_short"
    assert "rebalance.warmup_bars" in caught.value.fields


def test_quality_without_fundamentals_is_refused_with_its_code():
    with pytest.raises(EngineError) as caught:
        run_backtest(config(factors={"quality": 1.0}), panel_of())
    assert caught.value.code == "factor_needs_data"


def test_universe_missing_from_prices_is_named():
    with pytest.raises(PriceDataError, match="NOPE"):
        run_backtest(config(universe=["X01", "NOPE"]), panel_of())


# --- walk-forward and targets ---


def test_walk_forward_test_parts_never_see_later_prices():
    panel = panel_of(days=900)
    grid = {"top_n": [5, 10]}
    result = run_walk_forward(config(), panel, grid=grid, train_bars=200, test_bars=100)
    changed = panel.close.copy()
    changed[700:] *= np.linspace(1, 3, 200)[:, None] ** np.linspace(-1, 1, panel.close.shape[1])
    from dataclasses import replace

    other = run_walk_forward(config(), replace(panel, close=changed), grid=grid, train_bars=200, test_bars=100)
    cut = int(np.searchsorted(result.stitched_dates, panel.dates[700]))
    np.testing.assert_array_equal(result.stitched_equity[:cut], other.stitched_equity[:cut])
    out = result.to_dict()
    assert out["windows"][0]["test_start"] == str(panel.dates[452])
    assert out["equity_curve"][0][0] == str(panel.dates[452])
    assert all(w["chosen"]["top_n"] in (5, 10) for w in out["windows"])


def test_target_weights_equal_the_backtest_holdings_on_a_rebalance_bar():
    panel = panel_of()
    cfg = config()
    result = run_backtest(cfg, panel)
    bar = result.events[3].bar
    expected = result.weights_at(bar)
    got = target_weights(cfg, panel, panel.date_at(bar))
    assert got.keys() == expected.keys()
    for symbol, weight in got.items():
        assert weight == pytest.approx(expected[symbol], rel=1e-9)
    details = target_details(cfg, panel, panel.date_at(bar) + dt.timedelta(days=1))
    assert details["as_of"] >= str(panel.date_at(bar))
    assert details["cash"] == pytest.approx(0.0, abs=1e-12)


def test_target_weights_need_the_warmup():
    panel = panel_of()
    with pytest.raises(PriceDataError):
        target_weights(config(), panel, panel.date_at(100))

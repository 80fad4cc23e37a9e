"""The engine against an independent day-by-day loop on the issue's reference strategy (1e-9 relative)."""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strategies.backtest import BacktestConfig, run_backtest
from strategies.panel import PricePanel, panel_from_text

from .reference_loop import reference_equity

REFERENCE = {
    "factors": {"momentum_12_1": 1.0},
    "top_n": 50,
    "weighting": "equal",
    "rebalance": {"every_bars": 21, "warmup_bars": 252},
    "execution": "close",
    "fractional": True,
    "commission_bps": 10,
    "slippage_bps": 0,
    "initial_cash": 1000000,
    "regimes": False,
    "circuit_breaker": False,
}
DATA = Path(__file__).resolve().parents[2] / "marketdata" / "data"


def synthetic_panel(days=800, symbols=80, seed=7) -> PricePanel:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0.0004, 0.02, (days, symbols)), axis=0))
    dates = np.busday_offset("2015-01-01", np.arange(days), roll="forward")
    return PricePanel(dates=dates, symbols=[f"S{i:03d}" for i in range(symbols)], close=close)


def bundled_panel() -> PricePanel:
    with gzip.open(DATA / "sp500_dataset.csv.gz", "rt") as fh:
        frame = pd.read_csv(fh, index_col=0, parse_dates=True).dropna()
    return PricePanel(
        dates=frame.index.to_numpy().astype("datetime64[D]"), symbols=list(frame.columns), close=frame.to_numpy()
    )


def assert_matches_loop(panel: PricePanel, **overrides):
    config = BacktestConfig.from_dict({**REFERENCE, **overrides})
    result = run_backtest(config, panel)
    expected = np.array(
        reference_equity(
            panel.close.tolist(),
            top_n=config.top_n,
            every=config.every_bars,
            warmup=config.warmup_bars,
            fee_bps=config.commission_bps,
            initial_cash=config.initial_cash,
        )
    )
    relative = np.abs(result.equity / expected - 1)
    assert relative.max() <= 1e-9, f"largest relative gap {relative.max():.3e} on bar {relative.argmax()}"
    return result


def test_reference_strategy_matches_simple_loop_on_synthetic_prices():
    """Top 10 of 80 random-walk symbols over 800 days: every day's equity equals the loop's."""
    result = assert_matches_loop(synthetic_panel(), top_n=10)
    assert result.equity[:252].tolist() == [1_000_000.0] * 252  # flat cash before the first rebalance
    assert [e.bar for e in result.events] == list(range(252, 800, 21))


def test_reference_strategy_matches_simple_loop_on_real_prices():
    """The bundled 20 S&P 500 stocks, 1990-2022 (8,313 days), top 5: real prices, 386 rebalances."""
    assert_matches_loop(bundled_panel(), top_n=5)


@pytest.mark.parametrize("top_n", [1, 50])
def test_reference_holds_exactly_top_n_fully_invested_after_costs(top_n):
    """After each rebalance: top_n names at equal weight, cash zero, value = pre-trade value - commission."""
    panel = synthetic_panel(days=400, symbols=60, seed=3)
    result = run_backtest(BacktestConfig.from_dict({**REFERENCE, "top_n": top_n}), panel)
    for event in result.events:
        weights = result.weights_at(event.bar)
        assert len(weights) == top_n
        assert max(weights.values()) == pytest.approx(1 / top_n, rel=1e-12)
        assert sum(weights.values()) == pytest.approx(1.0, rel=1e-12)
        assert event.value_before - event.value_after == pytest.approx(event.commission.sum(), rel=1e-9)


def test_csv_panel_runs_the_reference_like_the_matrix():
    """The long CSV form of the same prices gives the same equity curve."""
    panel = synthetic_panel(days=300, symbols=12, seed=5)
    lines = ["date,symbol,close"]
    for t, day in enumerate(panel.dates):
        lines += [f"{day},{s},{float(panel.close[t, j])!r}" for j, s in enumerate(panel.symbols)]
    from_csv = panel_from_text("\n".join(lines))
    config = BacktestConfig.from_dict({**REFERENCE, "top_n": 3})
    np.testing.assert_array_equal(run_backtest(config, from_csv).equity, run_backtest(config, panel).equity)

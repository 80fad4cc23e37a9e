"""Invariants of the backtester over random prices and configurations (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies.backtest import BacktestConfig, run_backtest
from strategies.panel import PricePanel


@st.composite
def cases(draw):
    symbols = draw(st.integers(3, 25))
    days = draw(st.integers(300, 420))
    seed = draw(st.integers(0, 2**32 - 1))
    vol = draw(st.sampled_from([0.005, 0.02, 0.06]))
    rng = np.random.default_rng(seed)
    close = 20 * np.exp(np.cumsum(rng.normal(0, vol, (days, symbols)), axis=0))
    sectors = [f"s{i % 3}" for i in range(symbols)]
    market = 100 * np.exp(np.cumsum(rng.normal(0, vol, days)))
    panel = PricePanel(
        dates=np.busday_offset("2016-01-04", np.arange(days), roll="forward"),
        symbols=[f"Z{i}" for i in range(symbols)],
        close=close,
        sectors=sectors,
        benchmark=market,
        benchmark_symbol="SPX",
    )
    config = {
        "factors": draw(st.sampled_from([{"momentum_12_1": 1.0}, {"momentum_12_1": 1.0, "low_volatility": 0.5}])),
        "top_n": draw(st.integers(1, 30)),
        "weighting": draw(st.sampled_from(["equal", "score", "inverse_vol"])),
        "max_weight": draw(st.sampled_from([None, 0.2, 0.5])),
        "sector_cap": draw(st.sampled_from([None, 0.4, 0.7])),
        "rebalance": {"every_bars": draw(st.sampled_from([1, 5, 21])), "warmup_bars": 252},
        "fractional": draw(st.booleans()),
        "commission_bps": draw(st.sampled_from([0, 10, 50])),
        "slippage_bps": draw(st.sampled_from([0, 5, 30])),
        "initial_cash": draw(st.sampled_from([10_000, 1_000_000])),
        "sector_neutral": draw(st.booleans()),
        "regimes": {"min_history": 20, "history": 100},
        "circuit_breaker": draw(st.booleans()),
        "hybrid": draw(st.booleans()),
    }
    return panel, BacktestConfig.from_dict(config)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_no_overdraft_no_leverage_caps_hold_and_positions_add_up(case):
    """Whatever the prices and settings: equity stays positive, cash never goes negative, whole shares stay
    whole, weights respect the caps, and every opened position is either closed or still open."""
    panel, config = case
    result = run_backtest(config, panel)
    assert np.all(result.equity > 0)
    opened = 0
    for event in result.events:
        invested = event.held_shares @ panel.close[event.bar, event.held] if len(event.held) else 0.0
        assert invested <= event.value_after * (1 + 1e-9)  # cash >= 0, no leverage
        if not config.fractional:
            assert np.all(event.held_shares == np.floor(event.held_shares))
        weights = result.weights_at(event.bar)
        if config.max_weight is not None and weights:
            assert max(weights.values()) <= config.max_weight + 1e-9
        if config.sector_cap is not None:
            for sector in {"s0", "s1", "s2"}:
                total = sum(w for s, w in weights.items() if f"s{int(s[1:]) % 3}" == sector)
                assert total <= config.sector_cap + 1e-9
        opened += int(((event.shares_before == 0) & (event.shares_traded > 0)).sum())
    assert opened == len(result.closed.returns) + result.open_positions

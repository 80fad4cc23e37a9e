"""The rebalance engine as a pure function: every rule in its module docstring, one test or more each."""

import datetime as dt
from decimal import Decimal as D

import pytest

from portfolios.choices import HoldingTerm, RebalanceMode, TradeSide
from portfolios.rebalance import Bands, Holding, OpenLot, Parameters, RebalanceInput, Target, rebalance

TODAY = dt.date(2024, 6, 3)
OLD = dt.date(2020, 1, 2)  # long-term
RECENT = dt.date(2024, 3, 1)  # short-term
NO_COST = {"slippage_bps": D("0")}


def holding(pk, symbol, quantity, price, lots=None, asset_class="equity"):
    quantity, price = D(quantity), D(price)
    lots = lots if lots is not None else [OpenLot(pk * 100, OLD, quantity, quantity * price)]
    return Holding(pk, symbol, asset_class, quantity, price, tuple(lots))


def run(*, cash="0", holdings=(), targets=(), cash_weight="0", bands=("0.05", "0.25"), prices=None, **params):
    mode = params.pop("mode", RebalanceMode.FULL)
    taxable = params.pop("taxable", True)
    losses = params.pop("recent_loss_sales", {})
    return rebalance(
        RebalanceInput(
            as_of=TODAY,
            cash=D(cash),
            holdings=tuple(holdings),
            targets=tuple(targets),
            cash_weight=D(cash_weight),
            bands=Bands(D(bands[0]), D(bands[1])),
            parameters=Parameters(mode=mode, **{k: v if isinstance(v, bool) else D(v) for k, v in params.items()}),
            prices={pk: D(price) for pk, price in (prices or {}).items()},
            taxable=taxable,
            recent_loss_sales=losses,
        )
    )


def trades_by_symbol(result):
    return {(t.side, t.symbol): t for t in result.trades}


def test_full_mode_trades_every_holding_to_target_sells_first():
    """Full: overweight holdings are sold, underweight bought, sells listed before buys."""
    result = run(
        cash="0",
        holdings=[holding(1, "AAA", "80", "10"), holding(2, "BBB", "20", "10")],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        **NO_COST,
    )

    assert [(t.side, t.symbol, t.quantity) for t in result.trades] == [
        (TradeSide.SELL, "AAA", D("30")),
        (TradeSide.BUY, "BBB", D("30")),
    ]
    assert result.after_weights == {"AAA": D("0.5"), "BBB": D("0.5"), "CASH": D("0")}
    assert result.before_weights["AAA"] == D("0.8")


def test_full_mode_sells_holdings_outside_the_model_entirely():
    """A holding the model does not name has target 0: all of it is sold, fractions included."""
    result = run(
        holdings=[holding(1, "AAA", "50", "10"), holding(2, "OLD", "12.5", "8")],
        targets=[Target(D("1"), 1, "AAA")],
        **NO_COST,
    )

    sell = trades_by_symbol(result)[(TradeSide.SELL, "OLD")]
    assert sell.quantity == D("12.5")
    assert "Not in the model" in sell.reason


def test_bands_only_trades_only_out_of_band_rows_back_to_target():
    """Bands-only: a row inside its band is untouched; one outside goes back to its target, not the band edge."""
    result = run(
        cash="0",
        holdings=[holding(1, "AAA", "43", "10"), holding(2, "BBB", "31", "10"), holding(3, "CCC", "26", "10")],
        targets=[Target(D("0.4"), 1, "AAA"), Target(D("0.3"), 2, "BBB"), Target(D("0.3"), 3, "CCC")],
        bands=("0.02", "0"),
        mode=RebalanceMode.BANDS_ONLY,
        **NO_COST,
    )

    by_symbol = trades_by_symbol(result)
    assert set(by_symbol) == {(TradeSide.SELL, "AAA"), (TradeSide.BUY, "CCC")}
    assert by_symbol[(TradeSide.SELL, "AAA")].quantity == D("3")
    assert by_symbol[(TradeSide.BUY, "CCC")].quantity == D("3")
    assert result.after_weights["AAA"] == D("0.4")


def test_bands_only_relative_band_scales_with_target():
    """A relative band of 25 % tolerates 2.5 points on a 10 % target but not 3 points."""
    inside = run(
        cash="0",
        holdings=[holding(1, "AAA", "12", "10"), holding(2, "BBB", "88", "10")],
        targets=[Target(D("0.1"), 1, "AAA"), Target(D("0.9"), 2, "BBB")],
        bands=("0", "0.25"),
        mode=RebalanceMode.BANDS_ONLY,
        **NO_COST,
    )
    outside = run(
        cash="0",
        holdings=[holding(1, "AAA", "13", "10"), holding(2, "BBB", "87", "10")],
        targets=[Target(D("0.1"), 1, "AAA"), Target(D("0.9"), 2, "BBB")],
        bands=("0", "0.25"),
        mode=RebalanceMode.BANDS_ONLY,
        **NO_COST,
    )

    assert inside.trades == ()
    assert (TradeSide.SELL, "AAA") in trades_by_symbol(outside)


def test_invest_cash_buys_only_most_underweight_first_within_cash_and_buffer():
    """Invest cash: no sells even when overweight; cash above the buffer goes to the largest shortfall first."""
    result = run(
        cash="300",
        holdings=[holding(1, "AAA", "60", "10"), holding(2, "BBB", "10", "10"), holding(3, "CCC", "30", "10")],
        targets=[Target(D("0.3"), 1, "AAA"), Target(D("0.4"), 2, "BBB"), Target(D("0.3"), 3, "CCC")],
        mode=RebalanceMode.INVEST_CASH,
        cash_buffer="50",
        **NO_COST,
    )

    assert [(t.side, t.symbol, t.quantity) for t in result.trades] == [(TradeSide.BUY, "BBB", D("25"))]
    assert result.cash_after == D("50.00")


def test_invest_cash_with_nothing_above_the_buffer_warns():
    """Invest cash with cash at or under the buffer proposes nothing and says why."""
    result = run(
        cash="40",
        holdings=[holding(1, "AAA", "10", "10")],
        targets=[Target(D("1"), 1, "AAA")],
        mode=RebalanceMode.INVEST_CASH,
        cash_buffer="50",
    )

    assert result.trades == ()
    assert any("No cash to invest" in w for w in result.warnings)


def test_raise_cash_sells_largest_losses_first_then_smallest_gains():
    """Raise cash: the loss lot goes first, then the lot with the smallest gain; the big gain is kept."""
    lots_a = [OpenLot(1, OLD, D("10"), D("200")), OpenLot(2, OLD, D("10"), D("50"))]  # loss -10/sh, gain +5/sh
    lots_b = [OpenLot(3, OLD, D("10"), D("90"))]  # gain +1/sh of 10
    result = run(
        cash="0",
        holdings=[holding(1, "AAA", "20", "10", lots_a), holding(2, "BBB", "10", "10", lots_b)],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        mode=RebalanceMode.RAISE_CASH,
        raise_amount="150",
        **NO_COST,
    )

    by_symbol = trades_by_symbol(result)
    assert all(t.side == TradeSide.SELL for t in result.trades)
    assert [sale.lot_id for sale in by_symbol[(TradeSide.SELL, "AAA")].lots] == [1]
    assert by_symbol[(TradeSide.SELL, "BBB")].quantity == D("5")
    assert result.cash_after == D("150.00")
    assert result.long_term_gain == D("-95.00")


def test_raise_cash_counts_existing_cash_and_buffer():
    """Raise cash sells only what cash on hand does not cover of the amount plus the buffer."""
    result = run(
        cash="100",
        holdings=[holding(1, "AAA", "100", "10")],
        targets=[Target(D("1"), 1, "AAA")],
        mode=RebalanceMode.RAISE_CASH,
        raise_amount="200",
        cash_buffer="20",
        **NO_COST,
    )

    assert [(t.symbol, t.quantity) for t in result.trades] == [("AAA", D("12"))]


def test_asset_class_target_spreads_pro_rata_over_holdings_of_the_class():
    """An asset-class target is filled by the account's holdings of that class in proportion to their value."""
    result = run(
        cash="400",
        holdings=[
            holding(1, "BND1", "30", "10", asset_class="fixed_income"),
            holding(2, "BND2", "10", "10", asset_class="fixed_income"),
            holding(3, "AAA", "20", "10"),
        ],
        targets=[Target(D("0.8"), asset_class="fixed_income"), Target(D("0.2"), 3, "AAA")],
        **NO_COST,
    )

    by_symbol = trades_by_symbol(result)
    assert by_symbol[(TradeSide.BUY, "BND1")].quantity == D("30")
    assert by_symbol[(TradeSide.BUY, "BND2")].quantity == D("10")
    assert result.target_weights["BND1"] == D("0.6")


def test_asset_class_target_without_holdings_is_reported_not_invented():
    """With no holding of the class, the target is a warning and nothing of that class is bought."""
    result = run(
        cash="1000",
        holdings=[holding(1, "AAA", "50", "10")],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), asset_class="fixed_income")],
        **NO_COST,
    )

    assert any("Fixed income (asset class)" in w and "stays in cash" in w for w in result.warnings)
    assert {t.symbol for t in result.trades} == {"AAA"}


def test_whole_shares_round_buys_and_sells_down():
    """Fractional off: buys round down, sells round down to whole shares within the holding."""
    result = run(
        cash="0",
        holdings=[holding(1, "AAA", "10.6", "30"), holding(2, "BBB", "0", "7")],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        fractional=False,
        **NO_COST,
    )

    by_symbol = trades_by_symbol(result)
    assert by_symbol[(TradeSide.SELL, "AAA")].quantity == D("5")
    assert by_symbol[(TradeSide.BUY, "BBB")].quantity == D("21")


def test_fractional_quantities_keep_eight_places():
    """Fractional on: a buy is the exact share count to 8 places, rounded down."""
    result = run(cash="100", targets=[Target(D("1"), 1, "AAA")], prices={1: "3"}, **NO_COST)

    assert result.trades[0].quantity == D("33.33333333")
    assert result.trades[0].notional == D("100.00")


def test_min_trade_drops_small_trades_and_says_so():
    """A trade below the minimum notional is left out, with a warning counting it."""
    result = run(
        cash="10",
        holdings=[holding(1, "AAA", "51", "10"), holding(2, "BBB", "49", "10")],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        min_trade="50",
        **NO_COST,
    )

    assert result.trades == ()
    assert any("2 trade(s) below the minimum" in w for w in result.warnings)


def test_buys_never_exceed_cash_after_sells_buffer_and_costs():
    """With costs and a buffer, buys stop at what is left; cash never ends below the buffer."""
    result = run(
        cash="1000",
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        prices={1: "10", 2: "10"},
        cash_buffer="100",
        commission="1",
        slippage_bps="10",
    )

    spent = sum(t.notional + t.estimated_cost for t in result.trades)
    assert spent <= D("900")
    assert result.cash_after >= D("100")
    assert result.estimated_cost == sum(t.estimated_cost for t in result.trades)
    assert result.trades[0].estimated_cost == D("1") + (result.trades[0].notional * D("0.001")).quantize(D("0.01"))


def test_default_cost_is_five_bps_of_notional():
    """Without a commission the estimate is 5 bps of notional."""
    result = run(cash="10000", targets=[Target(D("1"), 1, "AAA")], prices={1: "100"})

    trade = result.trades[0]
    assert trade.estimated_cost == (trade.notional * D("0.0005")).quantize(D("0.01"))
    assert trade.notional + trade.estimated_cost <= D("10000")


def test_tax_aware_sells_losses_then_long_term_then_short_term_gains():
    """Tax-aware: loss lot first, long-term gain next, the short-term gain last."""
    lots = [
        OpenLot(1, RECENT, D("10"), D("50")),  # short-term gain
        OpenLot(2, OLD, D("10"), D("80")),  # long-term gain
        OpenLot(3, RECENT, D("10"), D("150")),  # short-term loss
    ]
    result = run(
        cash="0",
        holdings=[holding(1, "AAA", "30", "10", lots), holding(2, "BBB", "0", "10")],
        targets=[Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        tax_aware=True,
        **NO_COST,
    )

    sell = trades_by_symbol(result)[(TradeSide.SELL, "AAA")]
    assert [(s.lot_id, s.quantity, s.term) for s in sell.lots] == [
        (3, D("10"), HoldingTerm.SHORT),
        (2, D("5"), HoldingTerm.LONG),
    ]
    assert (sell.short_term_gain, sell.long_term_gain) == (D("-50.00"), D("10.00"))


def test_without_tax_aware_lots_follow_the_accounts_method():
    """Not tax-aware: FIFO relieves the oldest lot first even when it is a gain."""
    lots = [OpenLot(1, OLD, D("10"), D("50")), OpenLot(2, RECENT, D("10"), D("150"))]
    result = run(
        holdings=[holding(1, "AAA", "20", "10", lots)],
        targets=[Target(D("0.5"), 1, "AAA")],
        cash_weight="0.5",
        **NO_COST,
    )

    assert [s.lot_id for s in result.trades[0].lots] == [1]


def test_wash_sale_refuses_to_buy_back_a_loss_sale():
    """Tax-aware in a taxable account: an instrument sold at a loss 10 days ago is not bought; a warning says why."""
    params = {
        "cash": "1000",
        "targets": [Target(D("0.5"), 1, "AAA"), Target(D("0.5"), 2, "BBB")],
        "prices": {1: "10", 2: "10"},
        "recent_loss_sales": {1: TODAY - dt.timedelta(days=10)},
        **NO_COST,
    }

    refused = run(tax_aware=True, **params)
    not_tax_aware = run(tax_aware=False, **params)

    assert {t.symbol for t in refused.trades} == {"BBB"}
    assert any("AAA" in w and "wash sale" in w for w in refused.warnings)
    assert {t.symbol for t in not_tax_aware.trades} == {"AAA", "BBB"}


def test_wash_sale_window_is_thirty_days():
    """A loss sale 31 days ago no longer blocks the buy."""
    result = run(
        cash="1000",
        targets=[Target(D("1"), 1, "AAA")],
        prices={1: "10"},
        recent_loss_sales={1: TODAY - dt.timedelta(days=31)},
        tax_aware=True,
        **NO_COST,
    )

    assert [t.symbol for t in result.trades] == ["AAA"]


def test_tax_aware_is_ignored_for_tax_deferred_accounts():
    """In an IRA the wash-sale rule does not apply and a warning says the option was ignored."""
    result = run(
        cash="1000",
        targets=[Target(D("1"), 1, "AAA")],
        prices={1: "10"},
        recent_loss_sales={1: TODAY},
        tax_aware=True,
        taxable=False,
        **NO_COST,
    )

    assert [t.symbol for t in result.trades] == ["AAA"]
    assert any("Tax-aware options ignored" in w for w in result.warnings)


def test_holding_without_price_is_left_alone_and_reported():
    """A holding with no close is not traded and not valued; the warnings name it."""
    result = run(
        cash="100",
        holdings=[Holding(1, "NOPX", "equity", D("10"), None), holding(2, "AAA", "0", "10")],
        targets=[Target(D("1"), 2, "AAA")],
        **NO_COST,
    )

    assert [t.symbol for t in result.trades] == ["AAA"]
    assert any("NOPX" in w for w in result.warnings)


def test_empty_account_proposes_nothing():
    """An account worth nothing gets no trades and a warning."""
    result = run(targets=[Target(D("1"), 1, "AAA")], prices={1: "10"})

    assert result.trades == ()
    assert "The account has no value to rebalance." in result.warnings


@pytest.mark.parametrize("mode", list(RebalanceMode))
def test_every_mode_keeps_cash_non_negative(mode):
    """Whatever the mode, the cash after the proposal is never negative."""
    result = run(
        cash="55.55",
        holdings=[holding(1, "AAA", "7.5", "13.37"), holding(2, "BBB", "3", "99.99")],
        targets=[Target(D("0.3"), 1, "AAA"), Target(D("0.6"), 2, "BBB")],
        cash_weight="0.1",
        mode=mode,
        raise_amount="100",
        commission="0.5",
    )

    assert result.cash_after >= 0

"""The paper simulator's matching rules, one behaviour per test (pure: no database)."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from trading.simulation import (
    Bar,
    OrderSpec,
    OrderState,
    Quote,
    SimConfig,
    bar_path,
    clip_path,
    expire,
    on_arrival,
    on_bar,
    spec_problems,
)

NY = ZoneInfo("America/New_York")
SUBMITTED = dt.datetime(2024, 3, 4, 20, 0, tzinfo=NY)  # after Monday's close: the session is Tuesday
TUESDAY = dt.date(2024, 3, 5)
NO_COSTS = SimConfig(slippage_bps=D(0), impact_bps=D(0), participation=None)


def spec(**fields) -> OrderSpec:
    base = {
        "key": "o1",
        "side": "buy",
        "order_type": "market",
        "time_in_force": "gtc",
        "submitted_at": SUBMITTED,
        "session": TUESDAY,
        "qty": D(100),
        "session_close": dt.datetime(2024, 3, 5, 16, 0, tzinfo=NY),
    }
    base.update(fields)
    return OrderSpec(**base)


def bar(day=TUESDAY, o="100", h="105", lo="95", c="102", volume=1_000_000) -> Bar:
    return Bar(day=day, open=D(o), high=D(h), low=D(lo), close=D(c), volume=volume)


def run(order: OrderSpec, quote: Quote | None, bars=(), config=NO_COSTS):
    state = OrderState()
    events = on_arrival(order, state, quote, config)
    for one in bars:
        events += on_bar(order, state, one, config)
    return state, events


def test_path_visits_the_nearer_extreme_first():
    """open 100, high 101, low 90: the high is nearer, so the path is 100 → 101 → 90 → close."""
    points = bar_path(bar(o="100", h="101", lo="90", c="95"))
    assert [p.price for p in points] == [D(100), D(101), D(90), D(95)]
    assert points[0].at == dt.datetime(2024, 3, 5, 9, 30, tzinfo=NY)
    assert points[-1].at == dt.datetime(2024, 3, 5, 16, 0, tzinfo=NY)
    assert [p.at for p in points] == sorted(p.at for p in points)


def test_path_tie_goes_to_the_low_first_and_a_close_only_bar_is_one_point():
    assert [p.price for p in bar_path(bar(o="100", h="105", lo="95", c="101"))] == [D(100), D(95), D(105), D(101)]
    only_close = bar_path(Bar(day=TUESDAY, close=D("50")))
    assert [(p.price, p.at.hour) for p in only_close] == [(D(50), 16)]


def test_market_buy_fills_on_arrival_at_the_quote_plus_slippage_after_latency():
    config = SimConfig(slippage_bps=D(10), impact_bps=D(0), participation=None, latency=dt.timedelta(milliseconds=80))
    state, events = run(spec(), Quote(D("50.00")), config=config)
    assert [e.event for e in events] == ["fill"]
    execution = events[0].execution
    assert execution.price == D("50.0500")  # 10 bps above 50
    assert execution.qty == D(100)
    assert execution.at == SUBMITTED + dt.timedelta(milliseconds=80)
    assert execution.execution_id == "o1-1"
    assert state.status == "filled" and state.filled_avg_price == D("50.05")


def test_sell_slippage_is_below_the_reference_and_impact_grows_with_participation():
    config = SimConfig(slippage_bps=D(5), impact_bps=D(100), participation=None)
    _, events = run(spec(side="sell"), Quote(D("100"), volume=1000), config=config)
    # 100 of 1,000 shares = 10 % participation: 5 + 100 * 0.1 = 15 bps below 100.
    assert events[0].execution.price == D("99.8500")
    assert events[0].execution.slippage_bps == D(15)


def test_participation_cap_spreads_a_large_order_over_bars():
    config = SimConfig(slippage_bps=D(0), impact_bps=D(0), participation=D("0.1"))
    order = spec(qty=D(1000))
    state, events = run(order, Quote(D(100), volume=5000), [bar(volume=3000), bar(TUESDAY + dt.timedelta(1))], config)
    assert [(e.event, e.execution.qty) for e in events] == [
        ("partial_fill", D(500)),
        ("partial_fill", D(300)),
        ("fill", D(200)),
    ]
    assert state.filled_qty == D(1000) and state.status == "filled"


def test_a_bar_too_thin_for_one_whole_share_fills_nothing():
    config = SimConfig(participation=D("0.1"))
    state, events = run(spec(order_type="limit", limit_price=D(1)), Quote(D(100), volume=9), [bar(volume=5)], config)
    assert events == [] and state.status == "new"


def test_resting_buy_limit_fills_at_the_limit_where_the_path_crosses_it():
    """Quote 100 is above the 97 limit; the bar 100 → 95 → 105 → 102 crosses 97 on its way down."""
    state, events = run(spec(order_type="limit", limit_price=D(97)), Quote(D(100)), [bar()])
    assert [e.event for e in events] == ["fill"]
    execution = events[0].execution
    assert execution.price == D(97)
    # Three fifths of the way from 100 (09:30) to 95 (11:40): 10:48.
    assert execution.at == dt.datetime(2024, 3, 5, 10, 48, tzinfo=NY)
    assert state.status == "filled"


def test_limit_price_caps_slippage_and_a_gap_fills_at_the_better_open():
    config = SimConfig(slippage_bps=D(50), impact_bps=D(0), participation=None)
    _, events = run(spec(order_type="limit", limit_price=D(99)), Quote(D(101)), [bar(o="98", lo="97")], config)
    assert events[0].execution.reference_price == D(98)
    assert events[0].execution.price == D("98.4900")  # 98 + 50 bps, under the 99 limit
    _, events = run(spec(order_type="limit", limit_price=D(97)), Quote(D(101)), [bar()], config)
    assert events[0].execution.price == D(97)  # at the limit, slippage cannot push it above


def test_marketable_limit_fills_on_arrival():
    _, events = run(spec(order_type="limit", limit_price=D(101)), Quote(D(100)))
    assert events[0].execution.price == D(100)


def test_sell_stop_triggers_where_the_price_falls_through_it():
    order = spec(side="sell", order_type="stop", stop_price=D(96))
    state, events = run(order, Quote(D(100)), [bar()])
    assert events[0].execution.reference_price == D(96)
    assert state.triggered and state.status == "filled"


def test_buy_stop_with_the_quote_already_through_triggers_on_arrival():
    _, events = run(spec(order_type="stop", stop_price=D(99)), Quote(D(100)))
    assert events[0].execution.reference_price == D(100)


def test_stop_limit_triggers_then_waits_for_its_limit():
    """Sell stop 96 limit 97.5: triggered at 96 on the way down to 95, then the limit is met at 97.5
    on the way up to 105 in the same bar."""
    order = spec(side="sell", order_type="stop_limit", stop_price=D(96), limit_price=D("97.5"))
    state, events = run(order, Quote(D(100)), [bar()])
    assert events[0].execution.price == D("97.5")
    assert events[0].execution.at > dt.datetime(2024, 3, 5, 11, 40, tzinfo=NY)  # after the low
    # Limit beyond reach after the trigger: triggered, unfilled, resting.
    order = spec(side="sell", order_type="stop_limit", stop_price=D(96), limit_price=D(106))
    state, events = run(order, Quote(D(100)), [bar()])
    assert events == [] and state.triggered and state.status == "new"


def test_trailing_stop_tracks_the_high_water_mark_across_bars():
    order = spec(side="sell", order_type="trailing_stop", trail_price=D(5))
    monday_next = TUESDAY + dt.timedelta(1)
    bars = [bar(o="100", h="110", lo="99", c="108"), bar(monday_next, o="108", h="109", lo="100", c="101")]
    state, events = run(order, Quote(D(100)), bars)
    # Day 1: high 110 → stop 105, low 99 came first (before the high) so no trigger; day 2 falls
    # from 108 to 105 → triggers at 105.
    assert state.water_mark == D(110)
    assert [e.event for e in events] == ["fill"]
    assert events[0].execution.reference_price == D(105)
    assert events[0].at.date() == monday_next


def test_trailing_percent_buy_tracks_the_low_water_mark():
    order = spec(order_type="trailing_stop", trail_percent=D(2))
    state, events = run(order, Quote(D(100)), [bar(o="100", h="110", lo="90", c="95")])
    # 100 → 90 (a tie: the low first) → 110: low-water 90, stop 91.8, triggered on the way up.
    assert events[0].execution.reference_price == D("91.80")
    assert state.water_mark == D(90)


def test_ioc_fills_what_it_can_and_cancels_the_rest():
    config = SimConfig(slippage_bps=D(0), impact_bps=D(0), participation=D("0.01"))
    state, events = run(spec(time_in_force="ioc", qty=D(100)), Quote(D(10), volume=5000), config=config)
    assert [(e.event, e.execution and e.execution.qty) for e in events] == [("partial_fill", D(50)), ("canceled", None)]
    assert state.status == "canceled" and state.filled_qty == D(50)


def test_ioc_limit_not_marketable_is_canceled_at_once():
    state, events = run(spec(time_in_force="ioc", order_type="limit", limit_price=D(9)), Quote(D(10)), [bar()])
    assert [e.event for e in events] == ["canceled"] and state.filled_qty == 0


def test_fok_is_all_or_nothing():
    config = SimConfig(slippage_bps=D(0), impact_bps=D(0), participation=D("0.01"))
    state, events = run(spec(time_in_force="fok", qty=D(100)), Quote(D(10), volume=5000), config=config)
    assert [e.event for e in events] == ["canceled"] and state.filled_qty == 0
    state, events = run(spec(time_in_force="fok", qty=D(50)), Quote(D(10), volume=5000), config=config)
    assert [e.event for e in events] == ["fill"] and state.filled_qty == D(50)


def test_no_price_at_all_leaves_market_orders_resting_and_cancels_ioc():
    state, events = run(spec(), None)
    assert events == [] and state.status == "new"
    state, events = run(spec(time_in_force="ioc"), None)
    assert events[0].reason == "no price to meet"


def test_day_order_expires_at_its_session_close():
    order = spec(order_type="limit", limit_price=D(50), time_in_force="day")
    state, events = run(order, Quote(D(100)), [bar()])
    assert [(e.event, e.at) for e in events] == [("expired", dt.datetime(2024, 3, 5, 16, 0, tzinfo=NY))]
    order = spec(order_type="limit", limit_price=D(50), time_in_force="day")
    state, events = run(order, Quote(D(100)), [bar(TUESDAY + dt.timedelta(1))])
    assert [e.event for e in events] == ["expired"]  # the session's own bar never came
    assert expire(state, SUBMITTED) == []  # already ended: nothing more happens


def test_day_order_fills_in_its_session_before_expiring_the_remainder():
    config = SimConfig(slippage_bps=D(0), impact_bps=D(0), participation=D("0.1"))
    order = spec(order_type="limit", limit_price=D(97), time_in_force="day", qty=D(200))
    state, events = run(order, Quote(D(100)), [bar(volume=1000)], config)
    assert [e.event for e in events] == ["partial_fill", "expired"]
    assert state.filled_qty == D(100) and state.status == "expired"


def test_opg_fills_at_the_open_only_and_cls_at_the_close_only():
    _, events = run(spec(time_in_force="opg"), Quote(D(99)), [bar()])
    assert events[0].execution.reference_price == D(100)
    assert events[0].at == dt.datetime(2024, 3, 5, 9, 30, tzinfo=NY)
    _, events = run(spec(time_in_force="opg", order_type="limit", limit_price=D(99)), Quote(D(99)), [bar()])
    assert [(e.event, e.reason) for e in events] == [("canceled", "not filled in the opening auction")]
    _, events = run(spec(time_in_force="cls"), Quote(D(99)), [bar()])
    assert events[0].execution.reference_price == D(102) and events[0].at.hour == 16


def test_notional_buy_never_spends_more_than_the_notional():
    config = SimConfig(slippage_bps=D(7), impact_bps=D(0), participation=None)
    state, events = run(spec(qty=None, notional=D("1000.00")), Quote(D("333.33")), config=config)
    assert [e.event for e in events] == ["fill"]
    assert state.filled_qty == D("2.99793172")  # 1000 / 333.5633 (333.33 + 7 bps) rounded down to 8 places
    assert state.filled_value <= D(1000) and D(1000) - state.filled_value < D("0.01")


def test_orders_submitted_mid_session_meet_only_the_rest_of_the_bar():
    """Submitted at 13:00 on Tuesday (quote: Monday's close 100); the low of 95 at 11:40 happened before it."""
    submitted = dt.datetime(2024, 3, 5, 13, 0, tzinfo=NY)
    order = spec(order_type="limit", limit_price=D(96), submitted_at=submitted)
    state, events = run(order, Quote(D(100)), [bar()])
    assert events == [] and state.status == "new"
    clipped = clip_path(bar_path(bar()), submitted)
    assert clipped[0].at == submitted and D(95) < clipped[0].price < D(105)


def test_field_rules():
    with pytest.raises(ValueError, match="limit_price"):
        spec(order_type="limit")
    assert "trail_price" in spec_problems(_unchecked(order_type="trailing_stop"))
    assert "qty" in spec_problems(_unchecked(qty=D(1), notional=D(1)))
    assert "time_in_force" in spec_problems(_unchecked(order_type="stop", stop_price=D(1), time_in_force="opg"))
    assert "submitted_at" in spec_problems(_unchecked(submitted_at=dt.datetime(2024, 1, 1)))


def _unchecked(**fields):
    """An OrderSpec-like value that skips validation, to read spec_problems' messages."""
    values = {
        "side": "buy",
        "order_type": "market",
        "time_in_force": "gtc",
        "submitted_at": SUBMITTED,
        "qty": D(1),
        "notional": None,
        "limit_price": None,
        "stop_price": None,
        "trail_price": None,
        "trail_percent": None,
    }
    values.update(fields)
    return type("Unchecked", (), values)()

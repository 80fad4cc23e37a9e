"""Invariants of the matching engine over generated orders and price paths (hypothesis, pure)."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trading.simulation import Bar, OrderSpec, OrderState, Quote, SimConfig, bar_path, on_arrival, on_bar

NY = ZoneInfo("America/New_York")
SUBMITTED = dt.datetime(2024, 3, 1, 18, 0, tzinfo=NY)
FIRST = dt.date(2024, 3, 4)

cents = st.integers(min_value=100, max_value=20_000).map(lambda c: D(c) / 100)


@st.composite
def bars(draw, count=None):
    count = st.integers(min_value=0, max_value=6) if count is None else count
    result = []
    for index in range(draw(count)):
        o, c, a, b = draw(cents), draw(cents), draw(cents), draw(cents)
        high, low = max(o, c, a, b), min(o, c, a, b)
        volume = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)))
        result.append(Bar(FIRST + dt.timedelta(days=index), close=c, open=o, high=high, low=low, volume=volume))
    return result


@st.composite
def orders(draw):
    order_type = draw(st.sampled_from(["market", "limit", "stop", "stop_limit", "trailing_stop"]))
    tif_choices = ["day", "gtc", "ioc", "fok"] + (["opg", "cls"] if order_type in ("market", "limit") else [])
    fields = {
        "key": "k",
        "side": draw(st.sampled_from(["buy", "sell"])),
        "order_type": order_type,
        "time_in_force": draw(st.sampled_from(tif_choices)),
        "submitted_at": SUBMITTED,
        "session": FIRST,
        "session_close": dt.datetime.combine(FIRST, dt.time(16), tzinfo=NY),
    }
    if draw(st.booleans()):
        fields["qty"] = D(draw(st.integers(min_value=1, max_value=20_000)))
    else:
        fields["notional"] = D(draw(st.integers(min_value=100, max_value=5_000_000))) / 100
    if order_type in ("limit", "stop_limit"):
        fields["limit_price"] = draw(cents)
    if order_type in ("stop", "stop_limit"):
        fields["stop_price"] = draw(cents)
    if order_type == "trailing_stop":
        if draw(st.booleans()):
            fields["trail_price"] = draw(cents) / 10
        else:
            fields["trail_percent"] = D(draw(st.integers(min_value=1, max_value=500))) / 10
    return OrderSpec(**fields)


configs = st.builds(
    SimConfig,
    slippage_bps=st.sampled_from([D(0), D(5), D(25)]),
    impact_bps=st.sampled_from([D(0), D(50)]),
    participation=st.sampled_from([None, D("0.01"), D("0.1"), D(1)]),
)


def simulate(order, quote, bar_list, config):
    state = OrderState()
    steps = [(quote.volume if quote else None, on_arrival(order, state, quote, config))]
    for one in bar_list:
        steps.append((one.volume, on_bar(order, state, one, config)))
    return state, steps


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders(), st.one_of(st.none(), st.builds(Quote, cents, st.integers(0, 50_000))), bars(), configs)
def test_engine_invariants(order, quote, bar_list, config):
    state, steps = simulate(order, quote, bar_list, config)
    executions = [event.execution for _, events in steps for event in events if event.execution]
    total = sum((e.qty for e in executions), D(0))
    value = sum((e.qty * e.price for e in executions), D(0))
    # The state is the sum of its executions.
    assert state.filled_qty == total and state.filled_value == value
    # Fills never exceed the order.
    if order.qty is not None:
        assert total <= order.qty
        assert (state.status == "filled") == (total == order.qty)
    else:
        assert value <= order.notional
    # Limits are never beaten against the order.
    if order.limit_price is not None:
        for e in executions:
            assert e.price <= order.limit_price if order.is_buy else e.price >= order.limit_price
    for volume, events in steps:
        fills = [e.execution for e in events if e.execution]
        # One execution per bar at most, within the participation cap.
        assert len(fills) <= 1
        if fills and volume is not None and config.participation is not None:
            assert fills[0].qty <= D(volume) * config.participation
        # Slippage is always against the order.
        for e in fills:
            if order.is_buy:
                assert e.price >= e.reference_price - D("0.00005")
            else:
                assert e.price <= e.reference_price + D("0.00005")
            assert e.qty > 0 and e.price > 0
    # Executions happen after arrival, in time order, with distinct ids.
    times = [e.at for e in executions]
    assert times == sorted(times) and all(t >= SUBMITTED for t in times)
    assert len({e.execution_id for e in executions}) == len(executions)
    # FOK: everything or nothing; IOC and FOK never rest.
    if order.time_in_force == "fok":
        assert state.status in ("filled", "canceled") and (total == 0 or state.status == "filled")
    if order.time_in_force in ("ioc", "fok"):
        assert not state.is_open
    # Events stop once the order is done.
    statuses = [event.event for _, events in steps for event in events]
    terminal = [i for i, name in enumerate(statuses) if name in ("fill", "canceled", "expired")]
    assert len(terminal) <= 1 and (not terminal or terminal[0] == len(statuses) - 1)


@settings(max_examples=300, deadline=None)
@given(cents, bars(st.integers(min_value=1, max_value=5)))
def test_a_gtc_buy_limit_fills_iff_the_price_reaches_it(limit, bar_list):
    """Without a volume cap, a resting buy limit fills in the first bar whose low reaches the limit."""
    order = OrderSpec(
        key="k",
        side="buy",
        order_type="limit",
        time_in_force="gtc",
        submitted_at=SUBMITTED,
        session=FIRST,
        qty=D(10),
        limit_price=limit,
    )
    config = SimConfig(participation=None)
    quote = Quote(limit + D(1))  # not marketable on arrival
    _state, steps = simulate(order, quote, bar_list, config)
    reached = [index for index, one in enumerate(bar_list) if one.low <= limit]
    filled_at = [index for index, (_, events) in enumerate(steps[1:]) if events]
    assert filled_at == reached[:1]


@settings(max_examples=300, deadline=None)
@given(cents.map(lambda p: p / 10), bars(st.integers(min_value=1, max_value=5)))
def test_a_trailing_sell_stop_triggers_at_most_trail_below_the_highest_price_seen(trail, bar_list):
    order = OrderSpec(
        key="k",
        side="sell",
        order_type="trailing_stop",
        time_in_force="gtc",
        submitted_at=SUBMITTED,
        session=FIRST,
        qty=D(10),
        trail_price=trail,
    )
    quote = Quote(D(100))
    state, steps = simulate(order, quote, bar_list, SimConfig(participation=None))
    seen = [quote.price]
    for one, (_, events) in zip(bar_list, steps[1:], strict=True):
        path = bar_path(one)
        for event in events:
            if event.execution:
                before = [p.price for p in path if p.at <= event.at]
                high = max(seen + before)
                assert event.execution.reference_price <= high - trail
                # ... and it did not trigger any later than it should have: no earlier point was at or below.
        seen += [p.price for p in path]
    if state.status == "new":
        # Never triggered: the whole walk stayed above the trail of its running high.
        running = quote.price
        for one in bar_list:
            for point in bar_path(one):
                running = max(running, point.price)
                assert point.price > running - trail

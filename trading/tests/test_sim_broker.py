"""The paper simulator as a Broker: submission, arrival fills, resting orders meeting new bars, cancel
and replace with Alpaca's semantics, DAY expiry by the clock, and ordered, retried delivery of trade
updates to the configured sink (here a collector; tcore's apply_trade_update in production)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from marketdata.models import DailyBar
from marketdata.tests.factories import InstrumentFactory
from portfolios.tests.factories import AccountFactory
from trading.brokers import simulator_book as book
from trading.brokers.base import BrokerRejected, DuplicateClientOrderId, OrderNotFound, OrderRequest, ReplaceRequest
from trading.brokers.simulator import SimulatorBroker
from trading.brokers.simulator_clock import order_session
from trading.brokers.simulator_tasks import match_resting_simulated_orders
from trading.models import SimulatedEvent, SimulatedOrder

pytestmark = pytest.mark.django_db

RECEIVED = []
FAIL = {"times": 0}


def record_update(update, *, source):
    """The sink under test: collects what the simulator delivers (fails on demand)."""
    if FAIL["times"]:
        FAIL["times"] -= 1
        raise RuntimeError("sink is down")
    RECEIVED.append((source, update))


@pytest.fixture(autouse=True)
def sink(settings):
    settings.SIMULATOR_TRADE_UPDATE_SINK = "trading.tests.test_sim_broker.record_update"
    settings.SIMULATOR_SLIPPAGE_BPS = "10"
    settings.SIMULATOR_IMPACT_BPS = "0"
    settings.SIMULATOR_PARTICIPATION = "0.1"
    settings.SIMULATOR_LATENCY_MS = 25
    RECEIVED.clear()
    FAIL["times"] = 0
    return RECEIVED


@pytest.fixture
def stock():
    instrument = InstrumentFactory(symbol="SIMX")
    # The last close known: every order's arrival quote.
    DailyBar.objects.create(
        instrument=instrument,
        date=dt.date(2024, 1, 2),
        close=D("100"),
        adj_close=D("100"),
        volume=1_000_000,
    )
    return instrument


def backdate(client_order_id: str, *, days: int = 28):
    """Move an order that has met its arrival quote four weeks into the past, as if placed then, so
    the bars a test adds belong to sessions that have closed. Returns its (new) first session."""
    order = SimulatedOrder.objects.get(client_order_id=client_order_id)
    placed = order.submitted_at - dt.timedelta(days=days)
    timing = order_session(order.time_in_force, placed)
    SimulatedOrder.objects.filter(pk=order.pk).update(
        submitted_at=placed,
        session=timing.session.day,
        session_close=timing.session.closes,
        expire_after=timing.expire_after if order.time_in_force == "day" else None,
        last_bar_date=timing.session.day - dt.timedelta(days=1),
    )
    return timing.session


def next_session_day(session):
    return order_session("gtc", session.closes + dt.timedelta(minutes=1)).session.day


def add_bar(instrument, day, o, h, lo, c, volume=1_000_000):
    return DailyBar.objects.create(
        instrument=instrument, date=day, open=D(o), high=D(h), low=D(lo), close=D(c), adj_close=D(c), volume=volume
    )


def request(**fields):
    base = {
        "client_order_id": "c-1",
        "symbol": "SIMX",
        "side": "buy",
        "order_type": "market",
        "time_in_force": "gtc",
        "qty": D(10),
        "broker_account_id": "1",
    }
    base.update(fields)
    return OrderRequest(**base)


def events(client_order_id=None):
    return [
        (u.event, u.qty, u.price, u.order.status)
        for _, u in RECEIVED
        if client_order_id is None or u.order.client_order_id == client_order_id
    ]


def test_market_order_is_accepted_then_filled_at_the_last_close_plus_slippage(
    stock, django_capture_on_commit_callbacks
):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        answer = broker.submit_order(request())
    assert answer.status == "accepted" and answer.client_order_id == "c-1"
    assert events() == [("new", None, None, "new"), ("fill", D(10), D("100.1000"), "filled")]
    source, fill = RECEIVED[1]
    assert source == "simulator"
    assert fill.execution_id == f"{answer.broker_order_id}-1"
    assert fill.order.filled_qty == D(10) and fill.order.filled_avg_price == D("100.1")
    assert fill.timestamp >= answer.submitted_at + dt.timedelta(milliseconds=25)
    order = SimulatedOrder.objects.get()
    assert order.status == "filled" and not SimulatedEvent.objects.filter(delivered_at__isnull=True).exists()
    assert broker.get_order_by_client_id("c-1").status == "filled"


def test_bad_requests_are_refused_with_the_brokers_errors(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        broker.submit_order(request())
    with pytest.raises(DuplicateClientOrderId):
        broker.submit_order(request())
    with pytest.raises(BrokerRejected) as refused:
        broker.submit_order(request(client_order_id="c-2", symbol="NOPE"))
    assert refused.value.code == "asset_not_tradable"
    with pytest.raises(BrokerRejected) as refused:
        broker.submit_order(request(client_order_id="c-3", order_type="limit"))
    assert refused.value.code == "invalid_order" and "limit_price" in refused.value.message
    assert SimulatedOrder.objects.count() == 1


def test_resting_limit_meets_the_next_bars_with_partial_fills(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        broker.submit_order(request(order_type="limit", limit_price=D("97"), qty=D(150)))
    assert events() == [("new", None, None, "new")]  # 100 is above the limit: resting
    session = backdate("c-1")
    assert [o.client_order_id for o in broker.list_open_orders()] == ["c-1"]
    # The session's bar dips to 95 with only 1,000 shares traded: 10 % = 100 shares at the limit.
    add_bar(stock, session.day, "100", "101", "95", "99", volume=1000)
    with django_capture_on_commit_callbacks(execute=True):
        match_resting_simulated_orders.delay()
    assert events()[1:] == [("partial_fill", D(100), D("97.0000"), "partially_filled")]
    # Running the periodic task again changes nothing (idempotent).
    match_resting_simulated_orders.delay()
    assert len(RECEIVED) == 2
    add_bar(stock, next_session_day(session), "96", "98", "94", "97")
    match_resting_simulated_orders.delay()
    assert events()[2:] == [("fill", D(50), D("96.0960"), "filled")]  # a gap below the limit: the open + 10 bps
    assert RECEIVED[2][1].order.filled_avg_price == D("96.698667")


def test_cancel_is_confirmed_by_a_canceled_update_and_refused_when_done(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        placed = broker.submit_order(request(order_type="limit", limit_price=D("90")))
    with django_capture_on_commit_callbacks(execute=True):
        broker.cancel_order(placed.broker_order_id)
    assert events()[-1] == ("canceled", None, None, "canceled")
    with pytest.raises(BrokerRejected):
        broker.cancel_order(placed.broker_order_id)
    with pytest.raises(OrderNotFound):
        broker.cancel_order("5b3c2d2e-0000-4000-8000-000000000000")
    with pytest.raises(OrderNotFound):
        broker.cancel_order("not-an-id")


def test_a_fill_that_happened_before_the_cancel_wins(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        placed = broker.submit_order(request(order_type="limit", limit_price=D("97")))
    session = backdate("c-1")
    add_bar(stock, session.day, "100", "101", "95", "99")  # not yet met by the periodic task
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BrokerRejected):
        broker.cancel_order(placed.broker_order_id)
    assert [e[0] for e in events()] == ["new", "fill"]


def test_replace_creates_a_new_order_and_the_old_becomes_replaced(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        old = broker.submit_order(request(order_type="limit", limit_price=D("90")))
    with django_capture_on_commit_callbacks(execute=True):
        new = broker.replace_order(
            ReplaceRequest(broker_order_id=old.broker_order_id, client_order_id="c-2", limit_price=D("101"))
        )
    assert new.replaces == old.broker_order_id and new.client_order_id == "c-2"
    replaced = [u for _, u in RECEIVED if u.event == "replaced"]
    assert len(replaced) == 1 and replaced[0].order.replaced_by == new.broker_order_id
    # The replacement is marketable at 101: it fills on arrival against the 100 close.
    assert events("c-2") == [("new", None, None, "new"), ("fill", D(10), D("100.1000"), "filled")]
    with pytest.raises(BrokerRejected):
        broker.replace_order(ReplaceRequest(broker_order_id=old.broker_order_id, client_order_id="c-3"))


def test_day_order_without_a_bar_expires_at_the_next_open(stock, django_capture_on_commit_callbacks):
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        placed = broker.submit_order(request(order_type="limit", limit_price=D("90"), time_in_force="day"))
    session = backdate("c-1")
    order = SimulatedOrder.objects.get()
    assert book.process(order.pk, now=order.expire_after - dt.timedelta(seconds=1)) == 0
    assert book.process(order.pk, now=order.expire_after) == 1
    book.deliver(order.pk)
    expired = RECEIVED[-1][1]
    assert expired.event == "expired" and expired.timestamp == session.closes
    assert broker.get_order_by_client_id(placed.client_order_id).status == "expired"


def test_a_failing_sink_holds_later_updates_back_until_redelivered_in_order(stock, django_capture_on_commit_callbacks):
    FAIL["times"] = 1
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        broker.submit_order(request())
    assert RECEIVED == []
    first = SimulatedEvent.objects.order_by("id").first()
    assert first.attempts == 1 and "sink is down" in first.last_error
    match_resting_simulated_orders.delay()
    assert [e[0] for e in events()] == ["new", "fill"]
    book.deliver(first.order_id)  # nothing left: no second delivery
    assert len(RECEIVED) == 2


def test_account_calls_read_the_paper_ledger(stock, django_capture_on_commit_callbacks):
    account = AccountFactory(cash=D("5000.00"))
    broker = SimulatorBroker.for_account(account.pk)
    with django_capture_on_commit_callbacks(execute=True):
        broker.submit_order(request(order_type="limit", limit_price=D("90"), broker_account_id=str(account.pk)))
    assert broker.get_account().buying_power == D("4100.00")  # 10 x 90 committed
    assert broker.list_positions() == []
    assert SimulatorBroker.for_account(account.pk + 1000).list_open_orders() == []


def test_bars_of_sessions_not_yet_closed_are_not_met(stock, django_capture_on_commit_callbacks):
    """A bar dated in the future (or today, before the close) describes what has not happened yet."""
    broker = SimulatorBroker()
    with django_capture_on_commit_callbacks(execute=True):
        broker.submit_order(request(order_type="limit", limit_price=D("97")))
    order = SimulatedOrder.objects.get()
    add_bar(stock, order.session, "100", "101", "95", "99")
    match_resting_simulated_orders.delay()
    assert [e[0] for e in events()] == ["new"]
    assert book.process(order.pk, now=order.session_close + dt.timedelta(minutes=1)) == 1  # after its close

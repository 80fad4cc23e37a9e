"""The trade_updates worker through alpaca-py's TradingStream against the fake Alpaca's WebSocket."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest

from trading.alpaca_stream import HEARTBEAT_SECONDS, TradeStreamWorker, stream_status, trade_update_from_message
from trading.brokers.alpaca import AlpacaBroker
from trading.brokers.base import OrderRequest, ReplaceRequest
from trading.tests.fake_alpaca_trading import alpaca_settings, fake_alpaca_trading  # noqa: F401


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


class Collector:
    """Stands in for apply_trade_update (tcore's service) in these transport-level tests."""

    def __init__(self, fail_on: str = ""):
        self.updates, self.fail_on, self.connects = [], fail_on, 0

    def __call__(self, update, *, source):
        assert source == "alpaca_stream"
        if update.event == self.fail_on:
            raise RuntimeError("cannot apply this one")
        self.updates.append(update)

    def events(self) -> list[str]:
        return [update.event for update in self.updates]

    def connected(self) -> None:
        self.connects += 1


@pytest.fixture
def running_worker(alpaca_settings, fake_alpaca_trading):  # noqa: F811
    workers = []

    def start(collector: Collector) -> TradeStreamWorker:
        worker = TradeStreamWorker.from_settings(
            apply=collector, on_connect=collector.connected, min_backoff=0.01, max_backoff=0.05
        )
        threading.Thread(target=worker.run, daemon=True).start()
        fake_alpaca_trading.wait_for_listeners(1)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def order(client_order_id: str, **fields) -> OrderRequest:
    return OrderRequest(
        client_order_id=client_order_id,
        symbol="AAPL",
        side="buy",
        order_type=fields.pop("order_type", "market"),
        time_in_force="day",
        qty=Decimal(fields.pop("qty", "10")),
        **fields,
    )


def test_events_arrive_in_order_as_trade_updates_with_exact_decimals(running_worker, fake_alpaca_trading):  # noqa: F811
    collector = Collector()
    running_worker(collector)
    placed = AlpacaBroker.from_settings().submit_order(order("vp-stream"))

    fake_alpaca_trading.fill(placed.broker_order_id, qty="3", price="187.4321")
    fake_alpaca_trading.fill(placed.broker_order_id, price="187.50")
    wait_for(lambda: len(collector.updates) == 3)

    assert collector.events() == ["new", "partial_fill", "fill"]
    partial, fill = collector.updates[1:]
    assert (partial.qty, partial.price, partial.position_qty) == (Decimal("3"), Decimal("187.4321"), Decimal("3"))
    assert partial.order.client_order_id == "vp-stream" and partial.order.status == "partially_filled"
    assert fill.order.status == "filled" and fill.order.filled_qty == Decimal("10")
    assert partial.execution_id and fill.execution_id and partial.execution_id != fill.execution_id
    assert fill.timestamp.tzinfo is not None and collector.connects == 1


def test_a_dropped_connection_is_reconnected_and_caught_up(running_worker, fake_alpaca_trading):  # noqa: F811
    """After a cut the worker reconnects and asks for a catch-up (Alpaca does not replay the gap)."""
    collector = Collector()
    worker = running_worker(collector)

    fake_alpaca_trading.drop_stream()
    fake_alpaca_trading.wait_for_listeners(1)
    placed = AlpacaBroker.from_settings().submit_order(order("vp-after-cut"))
    wait_for(lambda: collector.events() == ["new"])

    assert collector.connects == 2 and worker.connections == 2
    assert collector.updates[0].order.broker_order_id == placed.broker_order_id


def test_an_update_that_cannot_be_applied_does_not_stop_the_stream(running_worker, fake_alpaca_trading):  # noqa: F811
    collector = Collector(fail_on="new")
    worker = running_worker(collector)
    placed = AlpacaBroker.from_settings().submit_order(order("vp-bad-apply"))

    fake_alpaca_trading.fill(placed.broker_order_id, price="10")
    wait_for(lambda: collector.events() == ["fill"])

    assert (worker.received, worker.applied, worker.failed) == (2, 1, 1)


def test_a_fill_that_wins_the_cancel_race_is_reported_then_the_cancel_is_rejected(running_worker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.hold_pending = True
    collector = Collector()
    running_worker(collector)
    broker = AlpacaBroker.from_settings()
    placed = broker.submit_order(order("vp-race", order_type="limit", limit_price=Decimal("50")))

    broker.cancel_order(placed.broker_order_id)
    fake_alpaca_trading.fill(placed.broker_order_id, price="50")
    fake_alpaca_trading.complete_pending(placed.broker_order_id)
    wait_for(lambda: len(collector.updates) == 4)

    assert collector.events() == ["new", "pending_cancel", "fill", "order_cancel_rejected"]
    assert broker.get_order_by_client_id("vp-race").status == "filled"


def test_a_fill_that_wins_the_replace_race_keeps_the_old_order_and_rejects_the_new(running_worker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.hold_pending = True
    collector = Collector()
    running_worker(collector)
    broker = AlpacaBroker.from_settings()
    placed = broker.submit_order(order("vp-old", order_type="limit", limit_price=Decimal("50")))

    replacement = broker.replace_order(
        ReplaceRequest(broker_order_id=placed.broker_order_id, client_order_id="vp-new", limit_price=Decimal("51"))
    )
    fake_alpaca_trading.fill(placed.broker_order_id, price="50")
    fake_alpaca_trading.complete_pending(placed.broker_order_id)
    wait_for(lambda: len(collector.updates) == 5)

    assert [(u.event, u.order.client_order_id) for u in collector.updates] == [
        ("new", "vp-old"),
        ("pending_replace", "vp-old"),
        ("fill", "vp-old"),
        ("order_replace_rejected", "vp-old"),
        ("rejected", "vp-new"),
    ]
    assert replacement.status == "pending_new" and replacement.replaces == placed.broker_order_id


def test_a_replace_that_completes_reports_replaced_then_the_new_order(running_worker, fake_alpaca_trading):  # noqa: F811
    collector = Collector()
    running_worker(collector)
    broker = AlpacaBroker.from_settings()
    placed = broker.submit_order(order("vp-r1", order_type="limit", limit_price=Decimal("50")))

    broker.replace_order(
        ReplaceRequest(broker_order_id=placed.broker_order_id, client_order_id="vp-r2", qty=Decimal("4"))
    )
    wait_for(lambda: len(collector.updates) == 4)

    replaced, new = collector.updates[2:]
    assert (replaced.event, replaced.order.status) == ("replaced", "replaced")
    assert replaced.order.replaced_by == new.order.broker_order_id
    assert (new.event, new.order.client_order_id, new.order.qty) == ("new", "vp-r2", Decimal("4"))


def test_a_message_that_is_not_a_trade_update_is_refused_plainly():
    with pytest.raises((KeyError, ValueError)):
        trade_update_from_message({"event": "fill", "timestamp": "2025-01-02T15:00:00Z", "order": {"id": "nope"}})


def test_the_fake_market_can_fill_market_orders_by_itself_and_expire_resting_ones(running_worker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.auto_fill = "partial"
    fake_alpaca_trading.prices.update({"AAPL": Decimal("200"), "MSFT": Decimal("400")})
    collector = Collector()
    running_worker(collector)
    broker = AlpacaBroker.from_settings()

    broker.submit_order(order("vp-auto", qty="10"))
    resting = broker.submit_order(order("vp-rest", order_type="limit", limit_price=Decimal("150")))
    fake_alpaca_trading.expire(resting.broker_order_id)
    wait_for(lambda: len(collector.updates) == 5)

    assert [(u.event, u.order.client_order_id) for u in collector.updates] == [
        ("new", "vp-auto"),
        ("partial_fill", "vp-auto"),
        ("fill", "vp-auto"),
        ("new", "vp-rest"),
        ("expired", "vp-rest"),
    ]
    assert [u.qty for u in collector.updates[1:3]] == [Decimal("5"), Decimal("5")]
    assert collector.updates[2].price == Decimal("200") and collector.updates[2].position_qty == Decimal("10")


def test_the_workers_health_is_kept_for_operators(running_worker, fake_alpaca_trading):  # noqa: F811
    collector = Collector()
    worker = running_worker(collector)
    AlpacaBroker.from_settings().submit_order(order("vp-health"))
    wait_for(lambda: stream_status().received == 1)

    live = stream_status()
    assert live.running and live.connected and live.connections == 1 and live.applied == 1
    assert live.last_event_at is not None and live.connected_at is not None

    worker.stop()
    assert not stream_status().running and not stream_status().connected
    stale = stream_status(now=live.alive_at + dt.timedelta(seconds=3 * HEARTBEAT_SECONDS))
    assert stale.received == 1 and not stale.running

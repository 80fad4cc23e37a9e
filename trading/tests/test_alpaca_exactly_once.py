"""Live accounts' orders through the real services, AlpacaBroker and alpaca-py against the fake Alpaca.

Committed transactions (``transaction=True``): dispatch runs after commit as in production (Celery
eager), and the stream worker applies trade updates from its own thread and database connection.
"""

import socket
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from portfolios.models import Position
from trading.alpaca_stream import TradeStreamWorker
from trading.brokers.registry import clear_cache
from trading.models import Fill, OperatorAlert, Order
from trading.models.simulation import SimulatedOrder
from trading.services import submit_order
from trading.tasks import retry_queued_orders
from trading.tests.factories import funded_account, priced_instrument
from trading.tests.fake_alpaca_trading import alpaca_settings, fake_alpaca_trading  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
ORDERS = 1_000
CLIENTS = 8  # advisers placing orders at once, each for their own account
# Failures every other call, of every kind: the order was recorded then the answer was a 504, or it
# was recorded and the answer never came (our read timeout), or a plain 504 before anything happened.
FAULTS = ["accept_then_504", "accept_then_timeout", 504]


@pytest.fixture
def alpaca(alpaca_settings, fake_alpaca_trading):  # noqa: F811
    """The real broker registry (AlpacaBroker) with no waiting between dispatch attempts."""
    clear_cache()
    fake_alpaca_trading.stall_seconds = 0.2
    with override_settings(
        ALPACA_READ_TIMEOUT_SECONDS=0.05,
        TRADING_DISPATCH_BACKOFF_SECONDS=0,
        TRADING_DISPATCH_BACKOFF_MAX_SECONDS=0,
        TRADING_BREAKER_RESET_SECONDS=0,
    ):
        yield fake_alpaca_trading
    clear_cache()


def live_account_of(advisor):
    return funded_account(advisor=advisor, cash="10000000", trading_mode="live", broker_account_id="PA3FAKE00001")


@pytest.fixture
def live_account(advisor):
    return live_account_of(advisor)


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the stream did not deliver in time"
        time.sleep(0.005)


def drain_queue(rounds: int = 20) -> None:
    """What celery-beat's retry_queued_orders would do over the next minutes."""
    for _ in range(rounds):
        if not Order.objects.filter(status="queued").exists():
            return
        retry_queued_orders()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers in several threads at once need PostgreSQL")
def test_a_thousand_orders_against_an_alpaca_failing_every_other_call_end_exactly_once(alpaca, live_account, advisor):
    """0 duplicates and 0 lost, counted at the fake, though every second call fails after or before acceptance."""
    priced_instrument("AAPL", "190")
    accounts = [live_account] + [live_account_of(advisor) for _ in range(CLIENTS - 1)]
    alpaca.fail_every_other(FAULTS)
    started = time.monotonic()

    def place(account) -> None:
        try:
            for _ in range(ORDERS // CLIENTS):
                submit_order(account=account, actor=advisor, side="buy", symbol="AAPL", qty="1")
        finally:
            connection.close()

    clients = [threading.Thread(target=place, args=(account,)) for account in accounts]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    drain_queue()
    elapsed = time.monotonic() - started

    ours = dict(Order.objects.values_list("client_order_id", "broker_order_id"))
    at_fake = Counter(order["client_order_id"] for order in alpaca.orders.values())
    faults = Counter(str(call["fault"]) for call in alpaca.calls if call["fault"])
    print(
        f"\n{ORDERS} orders in {elapsed:.1f} s: {len(alpaca.calls)} calls to the fake "
        f"({alpaca.post_attempts()} POSTs), faults {dict(faults)}"
    )
    assert len(ours) == ORDERS
    assert sum(at_fake.values()) == ORDERS and max(at_fake.values()) == 1  # no duplicates
    assert set(at_fake) == set(ours)  # none lost
    assert all(ours[cid] == alpaca.by_client_id[cid] for cid in ours)  # each knows its broker order
    assert set(Order.objects.values_list("status", flat=True)) <= {"accepted", "new"}
    assert sum(faults.values()) >= len(alpaca.calls) // 2 and set(faults) == set(map(str, FAULTS))
    assert alpaca.post_attempts() > ORDERS  # failures made us try again, and never twice for one order


def test_a_live_accounts_order_waits_queued_while_alpaca_is_down_and_never_reaches_the_simulator(
    alpaca, live_account, advisor, settings
):
    priced_instrument("AAPL", "190")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings.ALPACA_TRADING_URL = down
    settings.TRADING_BREAKER_FAILURE_THRESHOLD = 3
    settings.TRADING_BREAKER_RESET_SECONDS = 3600

    order = submit_order(account=live_account, actor=advisor, side="buy", symbol="AAPL", qty="5")
    order.refresh_from_db()

    # Three refused connections open the breaker; the fourth attempt is held back by it.
    assert (order.broker, order.status, order.dispatch_attempts) == ("alpaca", "queued", 3)
    assert order.last_error_code == "breaker_open"
    assert not SimulatedOrder.objects.exists()
    assert OperatorAlert.objects.filter(key="breaker:alpaca").exists()
    later = submit_order(account=live_account, actor=advisor, side="buy", symbol="AAPL", qty="1")
    later.refresh_from_db()
    assert later.status == "queued" and later.last_error_code == "breaker_open"

    settings.ALPACA_TRADING_URL = alpaca.url  # Alpaca is back and the breaker's timeout has passed
    settings.TRADING_BREAKER_RESET_SECONDS = 0
    drain_queue()

    assert set(Order.objects.values_list("status", flat=True)) <= {"accepted", "new"}
    assert sorted(o["qty"] for o in alpaca.orders.values()) == ["1", "5"]
    assert not SimulatedOrder.objects.exists()


def test_fills_from_the_stream_are_booked_once_in_the_ledger(alpaca, live_account, advisor):
    """Partial fills and the fill arrive on trade_updates and are booked once, even if sent again."""
    aapl = priced_instrument("AAPL", "190")
    alpaca.prices["AAPL"] = Decimal("190")
    worker = TradeStreamWorker.from_settings(on_connect=lambda: None, min_backoff=0.01, max_backoff=0.05)
    streaming = threading.Thread(target=worker.run, daemon=True)
    streaming.start()
    alpaca.wait_for_listeners(1)
    try:
        order = submit_order(account=live_account, actor=advisor, side="buy", symbol="AAPL", qty="10")
        order.refresh_from_db()
        alpaca.fill(order.broker_order_id, qty="4", price="190.10")
        wait_until(lambda: worker.received == 2)
        alpaca.drop_stream()  # the cable is cut between two fills; the SDK reconnects
        alpaca.wait_for_listeners(1)
        alpaca.fill(order.broker_order_id, price="190.20")
        duplicate = alpaca.events[-1]
        alpaca._outbox.put({"stream": "trade_updates", "data": duplicate})  # Alpaca may repeat an event
        wait_until(lambda: worker.received == 4)
    finally:
        worker.stop()

    order.refresh_from_db()
    assert (order.status, order.filled_qty, order.filled_avg_price) == ("filled", Decimal("10"), Decimal("190.16"))
    assert Fill.objects.filter(order=order).count() == 2
    assert Position.objects.get(account=live_account, instrument=aapl).quantity == Decimal("10")
    assert worker.connections == 2 and worker.failed == 0

"""Cancel and replace against the fake Alpaca through the real services and the trade_updates worker.

Alpaca answers a cancel or replace at once and finishes it later; a fill that arrives meanwhile wins
and is honoured (booked in the ledger), the cancel or replace is then refused.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from portfolios.models import Position
from trading.alpaca_stream import TradeStreamWorker
from trading.brokers.registry import clear_cache
from trading.models import Fill, Order
from trading.services import cancel_order, replace_order, submit_order
from trading.tests.factories import funded_account, priced_instrument
from trading.tests.fake_alpaca_trading import alpaca_settings, fake_alpaca_trading  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The stream applies updates on its own thread while the test writes: concurrent writers need PostgreSQL.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="writers in several threads at once need PostgreSQL"),
]


@pytest.fixture
def alpaca(alpaca_settings, fake_alpaca_trading):  # noqa: F811
    clear_cache()
    fake_alpaca_trading.hold_pending = True
    with override_settings(TRADING_DISPATCH_BACKOFF_SECONDS=0, TRADING_DISPATCH_BACKOFF_MAX_SECONDS=0):
        worker = TradeStreamWorker.from_settings(on_connect=lambda: None, min_backoff=0.01, max_backoff=0.05)
        threading.Thread(target=worker.run, daemon=True).start()
        fake_alpaca_trading.wait_for_listeners(1)
        fake_alpaca_trading.worker = worker
        yield fake_alpaca_trading
        worker.stop()
    clear_cache()


@pytest.fixture
def resting_order(alpaca, advisor):
    """A live limit order for 10 AAPL at 50, acknowledged by Alpaca and its ``new`` event applied."""
    priced_instrument("AAPL", "50")
    account = funded_account(advisor=advisor, cash="100000", trading_mode="live", broker_account_id="PA3FAKE00001")
    order = submit_order(
        account=account, actor=advisor, side="buy", symbol="AAPL", qty="10", order_type="limit", limit_price="50"
    )
    delivered(alpaca, 1)
    order.refresh_from_db()
    assert order.status == "new"
    return order


def delivered(alpaca, count: int, timeout: float = 10.0) -> None:
    """Wait until the worker has handled ``count`` events in all."""
    deadline = time.monotonic() + timeout
    while alpaca.worker.applied + alpaca.worker.failed < count:
        assert time.monotonic() < deadline, f"{alpaca.worker.applied} events applied, expected {count}"
        time.sleep(0.005)
    assert alpaca.worker.failed == 0


def position(order) -> Decimal:
    row = Position.objects.filter(account=order.account, instrument=order.instrument).first()
    return row.quantity if row else Decimal(0)


def test_a_fill_that_wins_the_cancel_race_is_honoured(alpaca, resting_order, advisor):
    canceling = cancel_order(order=resting_order, actor=advisor, reason="client changed their mind")
    assert canceling.status == "pending_cancel"

    alpaca.fill(resting_order.broker_order_id, price="49.90")
    alpaca.complete_pending(resting_order.broker_order_id)  # too late: Alpaca rejects the cancel
    delivered(alpaca, 4)  # new, pending_cancel, fill, order_cancel_rejected

    resting_order.refresh_from_db()
    assert (resting_order.status, resting_order.filled_qty) == ("filled", Decimal("10"))
    assert position(resting_order) == Decimal("10") and Fill.objects.filter(order=resting_order).count() == 1
    assert ("pending_cancel", "filled") in set(resting_order.transitions.values_list("from_status", "to_status"))


def test_a_cancel_after_a_partial_fill_keeps_what_was_filled(alpaca, resting_order, advisor):
    alpaca.fill(resting_order.broker_order_id, qty="4", price="50")
    delivered(alpaca, 2)

    cancel_order(order=resting_order, actor=advisor)
    alpaca.complete_pending(resting_order.broker_order_id)
    delivered(alpaca, 4)  # …, pending_cancel, canceled

    resting_order.refresh_from_db()
    assert (resting_order.status, resting_order.filled_qty) == ("canceled", Decimal("4"))
    assert position(resting_order) == Decimal("4")


def test_a_replace_becomes_final_only_when_alpaca_says_so(alpaca, resting_order, advisor):
    new = replace_order(order=resting_order, actor=advisor, limit_price="51")
    new.refresh_from_db()
    resting_order.refresh_from_db()
    assert new.broker_order_id and new.status in {"pending_new", "accepted"}
    assert resting_order.status == "pending_replace"

    alpaca.complete_pending(resting_order.broker_order_id)
    delivered(alpaca, 4)  # new, pending_replace, replaced, new (the replacement)

    resting_order.refresh_from_db()
    new.refresh_from_db()
    assert resting_order.status == "replaced" and new.status == "new"
    assert alpaca.orders[new.broker_order_id]["limit_price"] == "51"


def test_a_fill_that_wins_the_replace_race_is_honoured_and_the_replacement_rejected(alpaca, resting_order, advisor):
    new = replace_order(order=resting_order, actor=advisor, qty="12", limit_price="51")

    alpaca.fill(resting_order.broker_order_id, price="50")
    alpaca.complete_pending(resting_order.broker_order_id)
    delivered(alpaca, 5)  # new, pending_replace, fill, order_replace_rejected, rejected (the replacement)

    resting_order.refresh_from_db()
    new.refresh_from_db()
    assert (resting_order.status, resting_order.filled_qty) == ("filled", Decimal("10"))
    assert new.status == "rejected" and new.filled_qty == Decimal(0)
    assert position(resting_order) == Decimal("10")
    assert Order.objects.filter(replaces=resting_order).count() == 1

"""AlpacaBroker through the real alpaca-py TradingClient against the loopback fake Alpaca."""

import socket
import threading
import time
from decimal import Decimal

import pytest

from trading.brokers.alpaca import AlpacaBroker
from trading.brokers.base import (
    BrokerAmbiguous,
    BrokerRejected,
    BrokerUnavailable,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRequest,
    ReplaceRequest,
)
from trading.tests.fake_alpaca_trading import alpaca_settings, fake_alpaca_trading  # noqa: F401


@pytest.fixture
def broker(alpaca_settings):  # noqa: F811
    return AlpacaBroker.from_settings()


def market(client_order_id="vp-1", qty="10", side="buy", symbol="AAPL", **fields) -> OrderRequest:
    return OrderRequest(
        client_order_id=client_order_id,
        symbol=symbol,
        side=side,
        order_type=fields.pop("order_type", "market"),
        time_in_force=fields.pop("time_in_force", "day"),
        qty=None if qty is None else Decimal(qty),
        **fields,
    )


def test_submit_sends_the_order_with_our_client_order_id_and_exact_numbers(broker, fake_alpaca_trading):  # noqa: F811
    """The fake receives our client_order_id and the decimals we meant; the answer maps to a BrokerOrder."""
    order = broker.submit_order(
        market("vp-limit", qty="12.5", order_type="limit", time_in_force="gtc", limit_price=Decimal("187.35"))
    )

    sent = fake_alpaca_trading.calls[-1]["body"]
    assert sent["client_order_id"] == "vp-limit"
    assert sent["qty"] == Decimal("12.5") and sent["limit_price"] == Decimal("187.35")
    assert order.client_order_id == "vp-limit"
    assert order.broker_order_id == fake_alpaca_trading.order_for("vp-limit")["id"]
    assert (order.status, order.order_type, order.time_in_force) == ("accepted", "limit", "gtc")
    assert order.qty == Decimal("12.5") and order.limit_price == Decimal("187.35")
    assert order.filled_qty == Decimal(0) and order.submitted_at.tzinfo is not None


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"order_type": "stop", "stop_price": Decimal("90")}, {"stop_price": Decimal("90")}),
        (
            {"order_type": "stop_limit", "stop_price": Decimal("90"), "limit_price": Decimal("89.5")},
            {"stop_price": Decimal("90"), "limit_price": Decimal("89.5")},
        ),
        ({"order_type": "trailing_stop", "trail_percent": Decimal("2.5")}, {"trail_percent": Decimal("2.5")}),
        ({"order_type": "trailing_stop", "trail_price": Decimal("1.25")}, {"trail_price": Decimal("1.25")}),
    ],
)
def test_every_order_type_goes_out_with_its_prices(broker, fake_alpaca_trading, fields, expected):  # noqa: F811
    broker.submit_order(market("vp-typed", side="sell", time_in_force="gtc", **fields))

    sent = fake_alpaca_trading.calls[-1]["body"]
    assert sent["type"] == fields["order_type"] and sent["side"] == "sell"
    assert {name: sent[name] for name in expected} == expected


def test_notional_orders_carry_the_amount_not_a_quantity(broker, fake_alpaca_trading):  # noqa: F811
    order = broker.submit_order(market("vp-notional", qty=None, notional=Decimal("2500.00")))

    assert "qty" not in fake_alpaca_trading.calls[-1]["body"]
    assert order.notional == Decimal("2500") and order.qty is None


def test_an_order_alpaca_would_refuse_is_rejected_before_anything_is_sent(broker, fake_alpaca_trading):  # noqa: F811
    with pytest.raises(BrokerRejected) as refused:
        broker.submit_order(market("vp-bad", order_type="limit"))  # a limit order without a limit price

    assert refused.value.code == "broker_invalid_order"
    assert fake_alpaca_trading.calls == []


def test_a_duplicate_client_order_id_is_its_own_error_and_the_original_can_be_found(broker, fake_alpaca_trading):  # noqa: F811
    first = broker.submit_order(market("vp-dup"))

    with pytest.raises(DuplicateClientOrderId) as duplicate:
        broker.submit_order(market("vp-dup"))

    assert duplicate.value.status == 422
    assert broker.get_order_by_client_id("vp-dup").broker_order_id == first.broker_order_id
    assert len(fake_alpaca_trading.orders) == 1


def test_429_is_unavailable_and_the_sdk_does_not_retry_on_its_own(broker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.fail_next(429)

    with pytest.raises(BrokerUnavailable) as unavailable:
        broker.submit_order(market())

    assert unavailable.value.status == 429
    assert fake_alpaca_trading.post_attempts() == 1 and fake_alpaca_trading.orders == {}


@pytest.mark.parametrize("fault", ["accept_then_504", "accept_then_timeout", "accept_then_drop"])
def test_a_failure_after_acceptance_is_ambiguous_and_settled_by_client_order_id(broker, fake_alpaca_trading, fault):  # noqa: F811
    """Alpaca recorded the order but the answer was lost: ambiguous, and the lookup finds the order."""
    fake_alpaca_trading.fail_next(fault)
    started = time.monotonic()

    with pytest.raises(BrokerAmbiguous):
        broker.submit_order(market("vp-lost-answer"))

    assert time.monotonic() - started < fake_alpaca_trading.stall_seconds  # our read timeout, not the stall
    assert broker.get_order_by_client_id("vp-lost-answer").status == "new"
    assert fake_alpaca_trading.post_attempts() == 1


@pytest.mark.parametrize("fault", [504, 500, "timeout", "drop"])
def test_a_failed_write_whose_outcome_is_unknown_is_ambiguous(broker, fake_alpaca_trading, fault):  # noqa: F811
    fake_alpaca_trading.fail_next(fault)

    with pytest.raises(BrokerAmbiguous):
        broker.submit_order(market("vp-unknown"))

    assert broker.get_order_by_client_id("vp-unknown") is None  # this time it had not been recorded


@pytest.mark.parametrize("fault", [504, "timeout", "drop", 429])
def test_a_failed_read_is_unavailable(broker, fake_alpaca_trading, fault):  # noqa: F811
    fake_alpaca_trading.fail_next(fault)

    with pytest.raises(BrokerUnavailable):
        broker.get_order_by_client_id("vp-anything")


def test_a_refused_connection_is_unavailable(alpaca_settings):  # noqa: F811
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    alpaca_settings.ALPACA_TRADING_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(BrokerUnavailable):
        AlpacaBroker.from_settings().submit_order(market())


def test_without_keys_the_broker_is_unavailable_not_broken(alpaca_settings):  # noqa: F811
    alpaca_settings.ALPACA_API_KEY = ""

    with pytest.raises(BrokerUnavailable) as unavailable:
        AlpacaBroker.from_settings().submit_order(market())

    assert unavailable.value.code == "broker_not_configured"


def test_refusals_keep_alpacas_message(alpaca_settings, broker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.cash = Decimal("100")
    fake_alpaca_trading.prices["AAPL"] = Decimal("190")

    with pytest.raises(BrokerRejected) as refused:
        broker.submit_order(market(qty="1"))
    assert refused.value.status == 403 and "insufficient buying power" in refused.value.message

    alpaca_settings.ALPACA_SECRET_KEY = "wrong"
    with pytest.raises(BrokerRejected) as unauthorised:
        AlpacaBroker.from_settings().get_account()
    assert unauthorised.value.status == 401


def test_cancel_goes_through_pending_cancel_and_a_filled_order_cannot_be_canceled(broker, fake_alpaca_trading):  # noqa: F811
    order = broker.submit_order(market("vp-cancel", order_type="limit", limit_price=Decimal("10")))
    broker.cancel_order(order.broker_order_id)
    assert [e["event"] for e in fake_alpaca_trading.events] == ["new", "pending_cancel", "canceled"]

    filled = broker.submit_order(market("vp-filled"))
    fake_alpaca_trading.fill(filled.broker_order_id, price="101.5")
    with pytest.raises(BrokerRejected) as refused:
        broker.cancel_order(filled.broker_order_id)
    assert "filled" in refused.value.message

    with pytest.raises(OrderNotFound):
        broker.cancel_order("1d8e5e1a-0a4a-4e0a-9a59-5b6e4b0a0000")


def test_replace_answers_the_new_order_and_the_old_one_becomes_replaced(broker, fake_alpaca_trading):  # noqa: F811
    old = broker.submit_order(market("vp-old", order_type="limit", time_in_force="gtc", limit_price=Decimal("50")))

    new = broker.replace_order(
        ReplaceRequest(
            broker_order_id=old.broker_order_id, client_order_id="vp-new", qty=Decimal("20"), limit_price=Decimal("51")
        )
    )

    assert new.client_order_id == "vp-new" and new.replaces == old.broker_order_id
    assert (new.qty, new.limit_price) == (Decimal("20"), Decimal("51"))
    after = fake_alpaca_trading.orders[old.broker_order_id]
    assert after["status"] == "replaced" and after["replaced_by"] == new.broker_order_id
    with pytest.raises(BrokerRejected):
        broker.replace_order(
            ReplaceRequest(broker_order_id=new.broker_order_id, client_order_id="vp-x", qty=Decimal("1.5"))
        )


def test_open_orders_are_listed_past_alpacas_page_of_500(broker, fake_alpaca_trading, settings):  # noqa: F811
    # Pages of 500 orders take longer to write and parse than the 0.1 s read timeout the fault tests use,
    # when the machine is busy; this test is about paging, not timeouts.
    settings.ALPACA_READ_TIMEOUT_SECONDS = 5.0
    fields = {"symbol": "MSFT", "side": "buy", "type": "market", "qty": 1, "time_in_force": "day"}
    with fake_alpaca_trading._lock:
        for number in range(1_203):
            fake_alpaca_trading._create({**fields, "client_order_id": f"vp-{number}"})
        fake_alpaca_trading._create({**fields, "client_order_id": "vp-done"})["status"] = "filled"

    orders = broker.list_open_orders()

    assert len(orders) == 1_203
    assert {order.client_order_id for order in orders} == {f"vp-{number}" for number in range(1_203)}


def test_account_and_positions_follow_the_fills(broker, fake_alpaca_trading):  # noqa: F811
    fake_alpaca_trading.cash = Decimal("10000")
    first = broker.submit_order(market("vp-a", qty="10"))
    fake_alpaca_trading.fill(first.broker_order_id, qty="4", price="100")
    fake_alpaca_trading.fill(first.broker_order_id, qty="6", price="110")

    account = broker.get_account()
    [position] = broker.list_positions()

    assert account.cash == Decimal("8940") and account.status == "ACTIVE"
    assert (position.symbol, position.qty, position.avg_entry_price) == ("AAPL", Decimal("10"), Decimal("106"))
    order = broker.get_order_by_client_id("vp-a")
    assert (order.status, order.filled_qty, order.filled_avg_price) == ("filled", Decimal("10"), Decimal("106"))


def test_one_broker_serves_every_thread_with_its_own_client_and_follows_the_settings(alpaca_settings, broker):  # noqa: F811
    """The registry builds one AlpacaBroker per process: sessions are per thread, settings read per call."""
    clients = []
    workers = [threading.Thread(target=lambda: clients.append(broker.client)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert clients[0] is not clients[1] and broker.client is broker.client

    broker.get_account()
    alpaca_settings.ALPACA_SECRET_KEY = "rotated"
    with pytest.raises(BrokerRejected) as unauthorised:
        broker.get_account()
    assert unauthorised.value.status == 401

"""Trading test helpers: an account with cash and a priced instrument, and an in-test broker.

``ScriptedBroker`` implements the Broker protocol in memory (it is a fake broker, not our code
mocked): it keeps orders by client order id like a real broker would, refuses a duplicate id with
DuplicateClientOrderId, and plays a script of faults ("unavailable", "ambiguous_after_accept",
"ambiguous_before_accept", "rejected") on the next calls. Point ``TRADING_BROKERS`` at it.
"""

import datetime as dt
import itertools
import threading
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from marketdata.tests.factories import DailyBarFactory, InstrumentFactory
from portfolios.services import record_transaction
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from trading.brokers.base import (
    BrokerAccount,
    BrokerAmbiguous,
    BrokerOrder,
    BrokerRejected,
    BrokerUnavailable,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRequest,
    ReplaceRequest,
    TradeUpdate,
)
from trading.brokers.registry import broker_named, clear_cache
from trading.services import submit_order

D = Decimal
TEST_BROKERS = {
    "simulator": "trading.tests.factories.ScriptedBroker",
    "alpaca": "trading.tests.factories.ScriptedAlpacaBroker",
}
FAST_DISPATCH = {
    "TRADING_BROKERS": TEST_BROKERS,
    "TRADING_DISPATCH_BACKOFF_SECONDS": 0,
    "TRADING_DISPATCH_BACKOFF_MAX_SECONDS": 0,
}


class ScriptedBroker:
    name = "simulator"

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.orders: dict[str, BrokerOrder] = {}
        self.calls: list[tuple[str, str]] = []
        self.script: list[str] = []
        self.canceled: list[str] = []
        self.sequence = itertools.count(1)

    def _next_fault(self, call: str, key: str) -> str:
        with self.lock:
            self.calls.append((call, key))
            return self.script.pop(0) if self.script else ""

    def _raise(self, fault: str) -> None:
        if fault == "unavailable":
            raise BrokerUnavailable("429 too many requests", status=429)
        if fault == "ambiguous_before_accept":
            raise BrokerAmbiguous("504 gateway timeout", status=504)
        if fault == "rejected":
            raise BrokerRejected("insufficient qty available", status=422)

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        fault = self._next_fault("submit", request.client_order_id)
        self._raise(fault)
        with self.lock:
            if request.client_order_id in self.orders:
                raise DuplicateClientOrderId("client_order_id must be unique", status=422)
            now = timezone.now()
            order = BrokerOrder(
                broker_order_id=f"b-{next(self.sequence)}",
                client_order_id=request.client_order_id,
                status="accepted",
                symbol=request.symbol,
                side=request.side,
                qty=request.qty,
                filled_qty=D("0"),
                filled_avg_price=None,
                submitted_at=now,
                updated_at=now,
                order_type=request.order_type,
                time_in_force=request.time_in_force,
                limit_price=request.limit_price,
                stop_price=request.stop_price,
                notional=request.notional,
            )
            self.orders[request.client_order_id] = order
        if fault == "ambiguous_after_accept":
            raise BrokerAmbiguous("read timed out", status=None)
        return order

    def _by_broker_id(self, broker_order_id: str) -> BrokerOrder:
        for order in self.orders.values():
            if order.broker_order_id == broker_order_id:
                return order
        raise OrderNotFound("order not found", status=404)

    def cancel_order(self, broker_order_id: str) -> None:
        self._raise(self._next_fault("cancel", broker_order_id))
        order = self._by_broker_id(broker_order_id)
        if order.status in ("filled", "canceled", "expired", "replaced", "rejected"):
            raise BrokerRejected(f"order is {order.status}", status=422)
        self.orders[order.client_order_id] = replace(order, status="pending_cancel")
        self.canceled.append(broker_order_id)

    def replace_order(self, request: ReplaceRequest) -> BrokerOrder:
        fault = self._next_fault("replace", request.client_order_id)
        self._raise(fault)
        old = self._by_broker_id(request.broker_order_id)
        if old.status in ("filled", "canceled", "expired", "replaced", "rejected"):
            raise BrokerRejected(f"order is {old.status}", status=422)
        new = replace(
            old,
            broker_order_id=f"b-{next(self.sequence)}",
            client_order_id=request.client_order_id,
            status="pending_new",
            qty=request.qty or old.qty,
            limit_price=request.limit_price or old.limit_price,
            replaces=old.broker_order_id,
        )
        self.orders[old.client_order_id] = replace(old, status="pending_replace", replaced_by=new.broker_order_id)
        self.orders[new.client_order_id] = new
        return new

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        self._raise(self._next_fault("get", client_order_id))
        return self.orders.get(client_order_id)

    def list_open_orders(self) -> list[BrokerOrder]:
        final = ("filled", "canceled", "expired", "replaced", "rejected")
        return [order for order in self.orders.values() if order.status not in final]

    def get_account(self) -> BrokerAccount:
        return BrokerAccount(cash=D("0"), buying_power=D("0"))

    def list_positions(self):
        return []

    # What the broker would push on its stream, for tests to apply.
    def update(self, client_order_id: str, event: str, *, qty=None, price=None, execution_id="", **changes):
        order = self.orders[client_order_id]
        status = {"fill": "filled", "partial_fill": "partially_filled"}.get(event, event)
        if event in ("fill", "partial_fill"):
            filled = order.filled_qty + qty
            average = ((order.filled_avg_price or D("0")) * order.filled_qty + qty * price) / filled
            order = replace(order, filled_qty=filled, filled_avg_price=average)
        order = replace(order, status=changes.pop("status", status), updated_at=timezone.now(), **changes)
        self.orders[client_order_id] = order
        return TradeUpdate(
            event=event, order=order, timestamp=timezone.now(), execution_id=execution_id, price=price, qty=qty
        )


class ScriptedAlpacaBroker(ScriptedBroker):
    name = "alpaca"


def scripted_broker(name: str = "simulator") -> ScriptedBroker:
    return broker_named(name)


@contextmanager
def scripted_brokers(**settings):
    """The in-test brokers, reset, with instant dispatch backoff (and ``settings``); yields the simulator's."""
    clear_cache()
    with override_settings(**FAST_DISPATCH, **settings):
        scripted_broker("simulator").reset()
        scripted_broker("alpaca").reset()
        yield scripted_broker("simulator")
    clear_cache()


def funded_account(*, advisor=None, cash="10000", trading_mode="paper", **account_fields):
    household = HouseholdFactory(advisor=advisor) if advisor else HouseholdFactory()
    account = AccountFactory(client=ClientFactory(household=household), trading_mode=trading_mode, **account_fields)
    if cash:
        record_transaction(account=account, kind="deposit", trade_date=dt.date(2024, 1, 2), actor=None, amount=D(cash))
        account.refresh_from_db()
    return account


def priced_instrument(symbol: str = "ACME", close="100", **fields):
    instrument = InstrumentFactory(symbol=symbol, **fields)
    DailyBarFactory(instrument=instrument, date=dt.date(2024, 1, 2), close=D(close))
    return instrument


def gtc_limit_buy(account, actor, *, qty, limit, symbol: str = "ACME"):
    """A good-till-canceled limit buy entered through the real service (it rests unless marketable)."""
    return submit_order(
        account=account,
        actor=actor,
        side="buy",
        symbol=symbol,
        qty=D(qty),
        order_type="limit",
        limit_price=D(limit),
        time_in_force="gtc",
    )

"""The one interface every broker implements; trading services talk to brokers only through it.

The vocabulary is Alpaca's (statuses, trade-update events, order types, time in force), so the
Alpaca adapter translates little and the paper simulator speaks the same language. Brokers report
what happened after submission as ``TradeUpdate`` values, which ``trading.services`` applies to our
orders through the one state machine, whatever the broker.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class OrderRequest:
    """An order as sent to a broker. ``client_order_id`` is derived from our persisted order."""

    client_order_id: str
    symbol: str
    side: str  # buy | sell
    order_type: str  # market | limit | stop | stop_limit | trailing_stop
    time_in_force: str  # day | gtc | ioc | fok | opg | cls
    qty: Decimal | None = None
    notional: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    # The broker-side account: Alpaca's is implied by the API key; the simulator uses our account id.
    broker_account_id: str = ""


@dataclass(frozen=True)
class ReplaceRequest:
    """Alpaca's PATCH /v2/orders/{id}: the broker creates a new order that replaces the old one."""

    broker_order_id: str
    client_order_id: str  # the replacement order's own id
    qty: Decimal | None = None
    time_in_force: str | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail: Decimal | None = None  # trail_price or trail_percent, whichever the order uses


@dataclass(frozen=True)
class BrokerOrder:
    """The broker's view of one order."""

    broker_order_id: str
    client_order_id: str
    status: str  # Alpaca's order status vocabulary
    symbol: str
    side: str
    qty: Decimal | None
    filled_qty: Decimal
    filled_avg_price: Decimal | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None
    order_type: str = ""
    time_in_force: str = ""
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    notional: Decimal | None = None
    replaced_by: str = ""  # broker id of the order replacing this one
    replaces: str = ""  # broker id of the order this one replaces


@dataclass(frozen=True)
class TradeUpdate:
    """One event of Alpaca's ``trade_updates`` stream (or the simulator's equivalent).

    ``event`` is one of: new, accepted, pending_new, partial_fill, fill, canceled, expired,
    done_for_day, replaced, rejected, pending_cancel, pending_replace, calculated, suspended,
    stopped, held, order_replace_rejected, order_cancel_rejected. ``price``/``qty`` are this
    execution's, present for fills; ``execution_id`` makes a fill idempotent.
    """

    event: str
    order: BrokerOrder
    timestamp: dt.datetime
    execution_id: str = ""
    price: Decimal | None = None
    qty: Decimal | None = None
    position_qty: Decimal | None = None


@dataclass(frozen=True)
class BrokerAccount:
    cash: Decimal
    buying_power: Decimal
    status: str = "ACTIVE"


@dataclass(frozen=True)
class BrokerPosition:
    symbol: str
    qty: Decimal
    avg_entry_price: Decimal


class BrokerError(Exception):
    """A broker call failed. ``code`` is stable and shown to people; ``message`` explains."""

    code = "broker_error"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        if code:
            self.code = code


class BrokerRejected(BrokerError):
    """The broker refused the request for good (403, 422 …): retrying the same request cannot help."""

    code = "broker_rejected"


class DuplicateClientOrderId(BrokerRejected):
    """An order with this ``client_order_id`` already exists at the broker: look it up, don't resend."""

    code = "duplicate_client_order_id"


class OrderNotFound(BrokerError):
    code = "broker_order_not_found"


class BrokerUnavailable(BrokerError):
    """Transient and known not to have taken effect (429, 503 on connect, connection refused): retry."""

    code = "broker_unavailable"


class BrokerAmbiguous(BrokerError):
    """Sent, but the outcome is unknown (timeout or 5xx after sending): resolve by client order id."""

    code = "broker_ambiguous"


class Broker(Protocol):
    name: str

    def submit_order(self, request: OrderRequest) -> BrokerOrder: ...

    def cancel_order(self, broker_order_id: str) -> None: ...

    def replace_order(self, request: ReplaceRequest) -> BrokerOrder: ...

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None: ...

    def list_open_orders(self) -> list[BrokerOrder]: ...

    def get_account(self) -> BrokerAccount: ...

    def list_positions(self) -> list[BrokerPosition]: ...

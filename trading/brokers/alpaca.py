"""Alpaca through alpaca-py's ``TradingClient``, behind the one broker interface (``trading.brokers.base``).

The SDK's own retry is switched off: it would wait 3 s and re-POST an order on 429/504, turning an
order Alpaca already recorded into a 422 duplicate at the caller. Our dispatch decides when to retry,
with backoff and jitter, and settles ambiguity by ``client_order_id``. The SDK sets no request timeout,
so one (connect, read) is mounted on its session: a hung call must fail, not hang a worker.

Errors are mapped to the interface's kinds:
- 422 ``client_order_id must be unique`` → ``DuplicateClientOrderId`` (look the order up, don't resend);
- 404 → ``OrderNotFound``; 429 and connection refused / connect timeout → ``BrokerUnavailable``;
- other 4xx → ``BrokerRejected`` (Alpaca's message kept);
- a timeout, dropped connection, 5xx or unreadable answer after a *write* was sent →
  ``BrokerAmbiguous`` (it may have taken effect); the same on a read is ``BrokerUnavailable``.
"""

import datetime as dt
import json
import threading
from decimal import Decimal

import requests
from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, QueryOrderStatus, TimeInForce
from alpaca.trading.requests import (
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
    TrailingStopOrderRequest,
)
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from .base import (
    BrokerAccount,
    BrokerAmbiguous,
    BrokerError,
    BrokerOrder,
    BrokerPosition,
    BrokerRejected,
    BrokerUnavailable,
    DuplicateClientOrderId,
    OrderNotFound,
    OrderRequest,
    ReplaceRequest,
)

DUPLICATE_CLIENT_ORDER_ID_CODE = 40010001
PAGE_SIZE = 500  # Alpaca's largest page of orders
REQUEST_CLASSES = {
    "market": MarketOrderRequest,
    "limit": LimitOrderRequest,
    "stop": StopOrderRequest,
    "stop_limit": StopLimitOrderRequest,
    "trailing_stop": TrailingStopOrderRequest,
}
PRICE_FIELDS = ("limit_price", "stop_price", "trail_price", "trail_percent")


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: tuple[float, float]):
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _text(value) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def broker_order_from_alpaca(order) -> BrokerOrder:
    """alpaca-py's ``Order`` → our ``BrokerOrder`` (quantities and prices as exact decimals)."""
    return BrokerOrder(
        broker_order_id=str(order.id),
        client_order_id=order.client_order_id,
        status=_text(order.status),
        symbol=order.symbol or "",
        side=_text(order.side),
        qty=_decimal(order.qty),
        filled_qty=_decimal(order.filled_qty) or Decimal(0),
        filled_avg_price=_decimal(order.filled_avg_price),
        submitted_at=order.submitted_at,
        updated_at=order.updated_at,
        order_type=_text(order.type or order.order_type),
        time_in_force=_text(order.time_in_force),
        limit_price=_decimal(order.limit_price),
        stop_price=_decimal(order.stop_price),
        notional=_decimal(order.notional),
        replaced_by=_text(order.replaced_by),
        replaces=_text(order.replaces),
    )


def _alpaca_message(error: APIError) -> tuple[int | None, str]:
    try:
        body = json.loads(str(error))
        return body.get("code"), str(body.get("message", ""))
    except (ValueError, AttributeError):
        return None, str(error)[:200]


def _refused_connection(error: BaseException) -> bool:
    """True when the TCP connection was never made, so the request cannot have reached Alpaca."""
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        pending.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        pending.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    return False


def translate_error(error: Exception, *, write: bool) -> BrokerError:
    """One exception raised by the SDK or ``requests`` → the broker interface's error kind."""
    maybe_applied = BrokerAmbiguous if write else BrokerUnavailable
    if isinstance(error, APIError):
        status = error.status_code
        code, message = _alpaca_message(error)
        text = f"Alpaca answered HTTP {status}: {message}" if message else f"Alpaca answered HTTP {status}."
        if status == 422 and (code == DUPLICATE_CLIENT_ORDER_ID_CODE or "client_order_id" in message):
            return DuplicateClientOrderId(text, status=status)
        if status == 404:
            return OrderNotFound(text, status=status)
        if status in (408, 429):
            return BrokerUnavailable(text, status=status)
        if status is not None and 400 <= status < 500:
            return BrokerRejected(text, status=status)
        return maybe_applied(text, status=status)
    if isinstance(error, requests.ConnectTimeout) or (
        isinstance(error, requests.ConnectionError) and _refused_connection(error)
    ):
        return BrokerUnavailable(f"Alpaca could not be reached: {type(error).__name__}.")
    if isinstance(error, requests.RequestException):
        return maybe_applied(f"Alpaca did not answer: {type(error).__name__}.")
    # A 2xx whose body is not what Alpaca sends (bad JSON, a model that does not validate).
    return maybe_applied(f"Alpaca's answer was unusable: {type(error).__name__}.")


class AlpacaBroker:
    """The Broker protocol on Alpaca's trading API. The account is the one the API key belongs to.

    Built with no arguments it reads ``ALPACA_*`` settings at each call (the registry builds one per
    process); each thread gets its own ``TradingClient`` (a ``requests`` session is not thread-safe),
    rebuilt when the settings it was made from change.
    """

    name = "alpaca"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        secret_key: str | None = None,
        url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ):
        self._explicit = {
            "api_key": api_key,
            "secret_key": secret_key,
            "url": url,
            "connect_timeout": connect_timeout,
            "read_timeout": read_timeout,
        }
        self._local = threading.local()

    @classmethod
    def from_settings(cls) -> "AlpacaBroker":
        return cls()

    def _options(self) -> dict:
        configured = {
            "api_key": settings.ALPACA_API_KEY,
            "secret_key": settings.ALPACA_SECRET_KEY,
            "url": settings.ALPACA_TRADING_URL,
            "connect_timeout": settings.ALPACA_CONNECT_TIMEOUT_SECONDS,
            "read_timeout": settings.ALPACA_READ_TIMEOUT_SECONDS,
        }
        return {key: configured[key] if value is None else value for key, value in self._explicit.items()}

    @property
    def client(self) -> TradingClient:
        options = self._options()
        key = tuple(options.values())
        cached = getattr(self._local, "client", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        if not options["api_key"] or not options["secret_key"]:
            raise BrokerUnavailable("Alpaca needs ALPACA_API_KEY and ALPACA_SECRET_KEY.", code="broker_not_configured")
        client = TradingClient(options["api_key"], options["secret_key"], url_override=options["url"] or None)
        client._retry = 0  # our dispatch retries; see the module docstring
        client._retry_wait = 0
        adapter = _TimeoutAdapter((float(options["connect_timeout"]), float(options["read_timeout"])))
        client._session.mount("http://", adapter)
        client._session.mount("https://", adapter)
        self._local.client = (key, client)
        return client

    def _call(self, function, *args, write: bool):
        try:
            return function(*args)
        except BrokerError:
            raise
        except (APIError, requests.RequestException, ValueError) as error:
            raise translate_error(error, write=write) from error

    # --- orders ----------------------------------------------------------------------------------
    def _order_request(self, request: OrderRequest):
        kind = REQUEST_CLASSES.get(request.order_type)
        if kind is None:
            raise BrokerRejected(f"Alpaca has no order type {request.order_type!r}.", code="broker_invalid_order")
        fields = {
            "symbol": request.symbol,
            "side": OrderSide(request.side),
            "time_in_force": TimeInForce(request.time_in_force),
            "client_order_id": request.client_order_id,
            "qty": None if request.qty is None else float(request.qty),
            "notional": None if request.notional is None else float(request.notional),
        }
        for name in PRICE_FIELDS:
            value = getattr(request, name)
            if value is not None:
                fields[name] = float(value)
        try:
            return kind(**{key: value for key, value in fields.items() if value is not None})
        except ValueError as error:  # the SDK's own field rules, before anything is sent
            raise BrokerRejected(f"Alpaca would refuse this order: {error}", code="broker_invalid_order") from error

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        order = self._call(self.client.submit_order, self._order_request(request), write=True)
        return broker_order_from_alpaca(order)

    def cancel_order(self, broker_order_id: str) -> None:
        self._call(self.client.cancel_order_by_id, broker_order_id, write=True)

    def replace_order(self, request: ReplaceRequest) -> BrokerOrder:
        if request.qty is not None and request.qty != request.qty.to_integral_value():
            raise BrokerRejected("Alpaca replaces whole-share quantities only.", code="broker_invalid_order")
        fields = {
            "qty": None if request.qty is None else int(request.qty),
            "time_in_force": None if request.time_in_force is None else TimeInForce(request.time_in_force),
            "limit_price": None if request.limit_price is None else float(request.limit_price),
            "stop_price": None if request.stop_price is None else float(request.stop_price),
            "trail": None if request.trail is None else float(request.trail),
            "client_order_id": request.client_order_id or None,
        }
        try:
            body = ReplaceOrderRequest(**{key: value for key, value in fields.items() if value is not None})
        except ValueError as error:
            raise BrokerRejected(f"Alpaca would refuse this change: {error}", code="broker_invalid_order") from error
        order = self._call(self.client.replace_order_by_id, request.broker_order_id, body, write=True)
        return broker_order_from_alpaca(order)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        try:
            order = self._call(self.client.get_order_by_client_id, client_order_id, write=False)
        except OrderNotFound:
            return None
        return broker_order_from_alpaca(order)

    def list_open_orders(self) -> list[BrokerOrder]:
        """Every open order, newest first, paging back in time past Alpaca's 500-order page."""
        found: dict[str, BrokerOrder] = {}
        until: dt.datetime | None = None
        while True:
            query = GetOrdersRequest(status=QueryOrderStatus.OPEN, limit=PAGE_SIZE, direction="desc", until=until)
            page = self._call(self.client.get_orders, query, write=False)
            fresh = [order for order in page if str(order.id) not in found]
            for order in fresh:
                found[str(order.id)] = broker_order_from_alpaca(order)
            if len(page) < PAGE_SIZE or not fresh:
                return list(found.values())
            # ``until`` is exclusive: step one microsecond past the oldest so equal stamps come again.
            until = min(order.submitted_at for order in page) + dt.timedelta(microseconds=1)

    # --- account ---------------------------------------------------------------------------------
    def get_account(self) -> BrokerAccount:
        account = self._call(self.client.get_account, write=False)
        return BrokerAccount(
            cash=_decimal(account.cash) or Decimal(0),
            buying_power=_decimal(account.buying_power) or Decimal(0),
            status=_text(account.status),
        )

    def list_positions(self) -> list[BrokerPosition]:
        positions = self._call(self.client.get_all_positions, write=False)
        return [
            BrokerPosition(
                symbol=position.symbol,
                qty=_decimal(position.qty),
                avg_entry_price=_decimal(position.avg_entry_price),
            )
            for position in positions
        ]

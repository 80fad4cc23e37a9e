"""The order book behind the fake Alpaca (``fake_alpaca_trading``): orders, fills, positions and cash.

Speaks Alpaca's JSON (strings for decimals, ``...Z`` timestamps, the fields alpaca-py's ``Order``
needs) and its semantics: ``accepted`` on submit then a ``new`` event; cancel and replace pass
through ``pending_cancel``/``pending_replace`` and finish in ``complete_pending`` (at once unless
``hold_pending``), where a fill that came first wins. Every change emits a trade update through
``_publish``, which the transport overrides to push it on the WebSocket.
"""

import datetime as dt
import threading
import uuid
from decimal import Decimal

OPEN_STATUSES = frozenset(
    {"new", "accepted", "pending_new", "partially_filled", "pending_cancel", "pending_replace", "held"}
)
FILLABLE_STATUSES = OPEN_STATUSES - {"pending_new", "held"}


class FakeRefusal(Exception):
    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> str:
    return _stamp(dt.datetime.now(dt.UTC))


def _query_stamp(value: str | None) -> str | None:
    return None if value is None else _stamp(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


class AlpacaBook:
    def __init__(self, *, cash: Decimal = Decimal("1000000"), hold_pending: bool = False):
        self.cash = cash
        self.prices: dict[str, Decimal] = {}
        self.hold_pending = hold_pending
        self.auto_fill: str | None = None  # None | "full" | "partial": market orders fill after "new"
        self.orders: dict[str, dict] = {}
        self.by_client_id: dict[str, str] = {}
        self.positions: dict[str, dict] = {}
        self.events: list[dict] = []
        self._pending: dict[str, tuple[str, str | None]] = {}  # order id -> ("cancel"|"replace", new id)
        self._lock = threading.RLock()

    def _publish(self, message: dict) -> None:
        """Deliver one trade_updates message; the transport sends it to the stream's listeners."""

    def order_for(self, client_order_id: str) -> dict | None:
        with self._lock:
            order_id = self.by_client_id.get(client_order_id)
            return dict(self.orders[order_id]) if order_id else None

    # --- the market, driven by tests -------------------------------------------------------
    def fill(self, order_id: str, qty=None, price=None) -> dict:
        """Execute (part of) an open order: a ``partial_fill`` or ``fill`` event with a new execution id."""
        with self._lock:
            order = self.orders[order_id]
            if order["status"] not in FILLABLE_STATUSES:
                raise ValueError(f"order {order_id} is {order['status']} and cannot fill")
            ordered = _decimal(order["qty"])
            filled = _decimal(order["filled_qty"])
            price = _decimal(price) or _decimal(order["limit_price"]) or self.prices.get(order["symbol"], Decimal(100))
            if ordered is None:  # notional: the whole amount at this price
                ordered = (_decimal(order["notional"]) / price).quantize(Decimal("0.000000001"))
                order["qty"] = _text(ordered)
            qty = min(_decimal(qty) or ordered - filled, ordered - filled)
            previous_avg = _decimal(order["filled_avg_price"]) or Decimal(0)
            total = filled + qty
            average = (previous_avg * filled + price * qty) / total
            order["filled_avg_price"] = _text(average.quantize(Decimal("0.0001")))
            order["filled_qty"] = _text(total)
            done = total >= ordered
            if done:
                order["status"], order["filled_at"] = "filled", _now()
            elif order["status"] in {"new", "accepted"}:
                order["status"] = "partially_filled"
            order["updated_at"] = _now()
            position_qty = self._book(order["symbol"], order["side"], qty, price)
            self._emit(
                "fill" if done else "partial_fill",
                order,
                execution_id=str(uuid.uuid4()),
                price=_text(price),
                qty=_text(qty),
                position_qty=_text(position_qty),
            )
            return dict(order)

    def complete_pending(self, order_id: str) -> None:
        """Finish a held cancel or replace, or refuse it when a fill won the race."""
        with self._lock:
            kind, new_id = self._pending.pop(order_id)
            order = self.orders[order_id]
            if order["status"] == "filled":
                if kind == "cancel":
                    self._emit("order_cancel_rejected", order)
                else:
                    self._emit("order_replace_rejected", order)
                    self._set(self.orders[new_id], "rejected", "rejected")
                return
            if kind == "cancel":
                order["canceled_at"] = _now()
                self._set(order, "canceled", "canceled")
            else:
                order["replaced_at"], order["replaced_by"] = _now(), new_id
                self._set(order, "replaced", "replaced")
                self._set(self.orders[new_id], "new", "new")
                self._auto_fill(self.orders[new_id])

    def expire(self, order_id: str) -> None:
        with self._lock:
            order = self.orders[order_id]
            order["expired_at"] = _now()
            self._set(order, "expired", "expired")

    # --- order book ----------------------------------------------------------------------------
    def _book(self, symbol: str, side: str, qty: Decimal, price: Decimal) -> Decimal:
        position = self.positions.setdefault(symbol, {"qty": Decimal(0), "cost": Decimal(0)})
        if side == "buy":
            position["qty"] += qty
            position["cost"] += qty * price
            self.cash -= qty * price
        else:
            if position["qty"]:
                position["cost"] -= position["cost"] * qty / position["qty"]
            position["qty"] -= qty
            self.cash += qty * price
        return position["qty"]

    def _set(self, order: dict, status: str, event: str) -> None:
        order["status"], order["updated_at"] = status, _now()
        self._emit(event, order)

    def _emit(self, event: str, order: dict, **fields) -> None:
        message = {"event": event, "order": dict(order), "timestamp": _now(), **fields}
        self.events.append(message)
        self._publish({"stream": "trade_updates", "data": message})

    def _auto_fill(self, order: dict) -> None:
        if self.auto_fill and order["type"] == "market":
            if self.auto_fill == "partial" and order["qty"] and _decimal(order["qty"]) > 1:
                self.fill(order["id"], qty=(_decimal(order["qty"]) / 2).to_integral_value())
            self.fill(order["id"])

    def _open_buy_commitments(self) -> Decimal:
        total = Decimal(0)
        for order in self.orders.values():
            if order["side"] != "buy" or order["status"] not in OPEN_STATUSES:
                continue
            if order["notional"]:
                total += _decimal(order["notional"])
                continue
            price = _decimal(order["limit_price"]) or self.prices.get(order["symbol"], Decimal(0))
            total += (_decimal(order["qty"]) - _decimal(order["filled_qty"])) * price
        return total

    def _create(self, body: dict) -> dict:
        client_order_id = body.get("client_order_id") or str(uuid.uuid4())
        if client_order_id in self.by_client_id:
            raise FakeRefusal(422, 40010001, "client_order_id must be unique")
        symbol, side, kind = body.get("symbol"), body.get("side"), body.get("type")
        qty, notional = _decimal(body.get("qty")), _decimal(body.get("notional"))
        if not symbol or side not in {"buy", "sell"} or kind is None or body.get("time_in_force") is None:
            raise FakeRefusal(422, 40010000, "symbol, side, type and time_in_force are required")
        if self.prices and symbol not in self.prices:
            raise FakeRefusal(422, 40010000, f'asset "{symbol}" not found')
        if (qty is None) == (notional is None) or (qty is not None and qty <= 0) or (notional and notional <= 0):
            raise FakeRefusal(422, 40010000, "qty or notional is required and must be positive")
        if kind in {"limit", "stop_limit"} and not body.get("limit_price"):
            raise FakeRefusal(422, 40010000, "limit_price is required")
        if kind in {"stop", "stop_limit"} and not body.get("stop_price"):
            raise FakeRefusal(422, 40010000, "stop_price is required")
        price = _decimal(body.get("limit_price")) or self.prices.get(symbol, Decimal(0))
        cost = notional if notional is not None else qty * price
        if side == "buy" and cost > self.cash - self._open_buy_commitments():
            raise FakeRefusal(403, 40310000, "insufficient buying power")
        stamp = _now()
        order = {
            "id": str(uuid.uuid4()),
            "client_order_id": client_order_id,
            "created_at": stamp,
            "updated_at": stamp,
            "submitted_at": stamp,
            "filled_at": None,
            "expired_at": None,
            "canceled_at": None,
            "failed_at": None,
            "replaced_at": None,
            "replaced_by": None,
            "replaces": body.get("replaces"),
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            "symbol": symbol,
            "asset_class": "us_equity",
            "notional": _text(notional),
            "qty": _text(qty),
            "filled_qty": "0",
            "filled_avg_price": None,
            "order_class": "simple",
            "order_type": kind,
            "type": kind,
            "side": side,
            "time_in_force": body["time_in_force"],
            "limit_price": _text(_decimal(body.get("limit_price"))),
            "stop_price": _text(_decimal(body.get("stop_price"))),
            "trail_price": _text(_decimal(body.get("trail_price"))),
            "trail_percent": _text(_decimal(body.get("trail_percent"))),
            "hwm": None,
            "status": "accepted",
            "extended_hours": bool(body.get("extended_hours")),
            "legs": None,
        }
        self.orders[order["id"]] = order
        self.by_client_id[client_order_id] = order["id"]
        return order

    def _submit(self, body: dict) -> dict:
        order = self._create(body)
        answer = dict(order)
        self._set(order, "new", "new")
        self._auto_fill(order)
        return answer

    def _cancel(self, order_id: str) -> None:
        order = self._existing(order_id)
        if order["status"] not in OPEN_STATUSES - {"pending_cancel"}:
            raise FakeRefusal(422, 42210000, f'order is already in "{order["status"]}" state')
        self._set(order, "pending_cancel", "pending_cancel")
        self._pending[order_id] = ("cancel", None)
        if not self.hold_pending:
            self.complete_pending(order_id)

    def _replace(self, order_id: str, body: dict) -> dict:
        old = self._existing(order_id)
        if old["status"] not in {"new", "accepted", "partially_filled"}:
            raise FakeRefusal(422, 42210000, f'order is already in "{old["status"]}" state')
        trail_field = "trail_percent" if old["trail_percent"] else "trail_price"
        changes = {key: body[key] for key in ("qty", "time_in_force", "limit_price", "stop_price") if key in body}
        if "trail" in body:
            changes[trail_field] = body["trail"]
        fields = {key: old[key] for key in ("symbol", "side", "type", "time_in_force", "limit_price", "stop_price")}
        fields.update({"qty": old["qty"], "notional": old["notional"], trail_field: old[trail_field]})
        fields.update(changes, client_order_id=body.get("client_order_id"), replaces=order_id)
        new = self._create(fields)
        new["status"] = "pending_new"
        answer = dict(new)
        self._set(old, "pending_replace", "pending_replace")
        self._pending[order_id] = ("replace", new["id"])
        if not self.hold_pending:
            self.complete_pending(order_id)
        return answer

    def _existing(self, order_id: str) -> dict:
        if order_id not in self.orders:
            raise FakeRefusal(404, 40410000, "order not found")
        return self.orders[order_id]

    def _list(self, query: dict) -> list[dict]:
        status = query.get("status", ["open"])[0]
        limit = min(int(query.get("limit", ["50"])[0]), 500)
        symbols = set(query["symbols"][0].split(",")) if "symbols" in query else None
        until, after = _query_stamp(query.get("until", [None])[0]), _query_stamp(query.get("after", [None])[0])
        rows = [
            order
            for order in self.orders.values()
            if (status == "all" or (order["status"] in OPEN_STATUSES) == (status == "open"))
            and (symbols is None or order["symbol"] in symbols)
            and (until is None or order["submitted_at"] < until)
            and (after is None or order["submitted_at"] > after)
        ]
        ascending = query.get("direction", ["desc"])[0] == "asc"
        rows.sort(key=lambda order: order["submitted_at"], reverse=not ascending)
        return [dict(order) for order in rows[:limit]]

    def _account(self) -> dict:
        market = sum((p["qty"] * self.prices.get(s, Decimal(0)) for s, p in self.positions.items()), Decimal(0))
        return {
            "id": "904837e3-3b76-47ec-b432-046db621571b",
            "account_number": "PA3FAKE00001",
            "status": "ACTIVE",
            "currency": "USD",
            "cash": _text(self.cash),
            "buying_power": _text(self.cash - self._open_buy_commitments()),
            "equity": _text(self.cash + market),
            "portfolio_value": _text(self.cash + market),
            "trading_blocked": False,
            "account_blocked": False,
        }

    def _positions(self) -> list[dict]:
        rows = []
        for symbol, position in sorted(self.positions.items()):
            if not position["qty"]:
                continue
            average = (position["cost"] / position["qty"]).quantize(Decimal("0.0001"))
            rows.append(
                {
                    "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
                    "symbol": symbol,
                    "exchange": "NASDAQ",
                    "asset_class": "us_equity",
                    "avg_entry_price": _text(average),
                    "qty": _text(position["qty"]),
                    "qty_available": _text(position["qty"]),
                    "side": "long" if position["qty"] > 0 else "short",
                    "cost_basis": _text(position["cost"].quantize(Decimal("0.01"))),
                }
            )
        return rows

    def route(self, method: str, path: str, query: dict, body: dict):
        """Return (status, json body or None) for one authorised request."""
        if path == "/v2/orders" and method == "POST":
            return 200, self._submit(body)
        if path == "/v2/orders" and method == "GET":
            return 200, self._list(query)
        if path == "/v2/orders:by_client_order_id" and method == "GET":
            order_id = self.by_client_id.get(query.get("client_order_id", [""])[0])
            if order_id is None:
                raise FakeRefusal(404, 40410000, "order not found")
            return 200, dict(self.orders[order_id])
        if path.startswith("/v2/orders/"):
            order_id = path.removeprefix("/v2/orders/")
            if method == "GET":
                return 200, dict(self._existing(order_id))
            if method == "DELETE":
                self._cancel(order_id)
                return 204, None
            if method == "PATCH":
                return 200, self._replace(order_id, body)
        if path == "/v2/account" and method == "GET":
            return 200, self._account()
        if path == "/v2/positions" and method == "GET":
            return 200, self._positions()
        raise FakeRefusal(404, 40410000, "endpoint not found")

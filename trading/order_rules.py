"""Field rules of an order, as Alpaca applies them; bad input becomes one error with field messages.

- type market | limit | stop | stop_limit | trailing_stop; time in force day | gtc | ioc | fok | opg | cls;
  side buy | sell.
- exactly one of ``qty`` and ``notional``, positive; notional only for market orders good for the day;
  fractional quantities only for day orders that are not trailing stops.
- limit and stop-limit orders need a positive ``limit_price``, stop and stop-limit a positive
  ``stop_price``; other types must not carry them. Prices of $1 or more use at most 2 decimals,
  below $1 at most 4 (the sub-penny rule).
- trailing stops need exactly one of ``trail_price`` and ``trail_percent`` (0 < % < 100) and are day
  or gtc; other types carry neither.
- opg and cls apply to market and limit orders only; ioc and fok likewise.
- ``expires_at`` (good till date, expired by the schedule) only with gtc, and in the future.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from .choices import OrderSide, OrderType, TimeInForce
from .errors import TradingError

QTY_PLACES = 8
CASH_PLACES = 2
MAX_QTY = Decimal("1e12")
MAX_NOTIONAL = Decimal("1e15")
MAX_PRICE = Decimal("1e9")

PRICED_TYPES = {OrderType.LIMIT, OrderType.STOP_LIMIT}
STOP_TYPES = {OrderType.STOP, OrderType.STOP_LIMIT}
AUCTION_OR_IMMEDIATE_TIFS = {TimeInForce.OPG, TimeInForce.CLS, TimeInForce.IOC, TimeInForce.FOK}


@dataclass(frozen=True)
class OrderSpec:
    """A valid order's fields, typed. Money and quantities are Decimals."""

    side: str
    order_type: str
    time_in_force: str
    qty: Decimal | None = None
    notional: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    expires_at: dt.datetime | None = None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class _Errors:
    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first_field, messages = next(iter(self.fields.items()))
            raise TradingError("invalid_order", f"{first_field}: {messages[0]}", fields=self.fields)


def _decimal(errors: _Errors, field: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, "Enter a number.")
        return None
    if not number.is_finite():
        errors.add(field, "Enter a finite number.")
        return None
    return number


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _positive(errors: _Errors, field: str, number: Decimal | None, *, places: int, maximum: Decimal) -> None:
    if number is None:
        return
    if number <= 0:
        errors.add(field, "Must be more than 0.")
    elif number > maximum:
        errors.add(field, f"Must be at most {maximum:,.0f}.")
    elif _places(number) > places:
        errors.add(field, f"Use at most {places} decimal places.")


def _price(errors: _Errors, field: str, number: Decimal | None) -> None:
    if number is None:
        return
    if number <= 0:
        errors.add(field, "Must be more than 0.")
        return
    if number > MAX_PRICE:
        errors.add(field, "Too large.")
        return
    allowed = 2 if number >= 1 else 4
    if _places(number) > allowed:
        errors.add(field, f"Prices {'of $1 or more' if allowed == 2 else 'below $1'} use at most {allowed} decimals.")


def _choice(errors: _Errors, field: str, value, choices) -> str:
    value = (value or "").strip().lower() if isinstance(value, str) else value
    if value not in choices.values:
        errors.add(field, f"Choose one of: {', '.join(choices.values)}.")
        return ""
    return value


def clean_order(
    *,
    side,
    order_type,
    time_in_force,
    qty=None,
    notional=None,
    limit_price=None,
    stop_price=None,
    trail_price=None,
    trail_percent=None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> OrderSpec:
    """The typed order, or TradingError ``invalid_order`` with every field's messages."""
    errors = _Errors()
    side = _choice(errors, "side", side, OrderSide)
    order_type = _choice(errors, "order_type", order_type, OrderType)
    tif = _choice(errors, "time_in_force", time_in_force, TimeInForce)
    numbers = {
        name: _decimal(errors, name, value)
        for name, value in (
            ("qty", qty),
            ("notional", notional),
            ("limit_price", limit_price),
            ("stop_price", stop_price),
            ("trail_price", trail_price),
            ("trail_percent", trail_percent),
        )
    }
    qty, notional = numbers["qty"], numbers["notional"]
    _positive(errors, "qty", qty, places=QTY_PLACES, maximum=MAX_QTY)
    _positive(errors, "notional", notional, places=CASH_PLACES, maximum=MAX_NOTIONAL)
    for name in ("limit_price", "stop_price", "trail_price"):
        _price(errors, name, numbers[name])
    trail_percent = numbers["trail_percent"]
    if trail_percent is not None and not 0 < trail_percent < 100:
        errors.add("trail_percent", "Must be more than 0 and less than 100.")
    elif trail_percent is not None and _places(trail_percent) > 2:
        errors.add("trail_percent", "Use at most 2 decimal places.")

    if qty is None and notional is None and "qty" not in errors.fields and "notional" not in errors.fields:
        errors.add("qty", "Enter a quantity or a notional amount.")
    if qty is not None and notional is not None:
        errors.add("notional", "Enter a quantity or a notional amount, not both.")
    if notional is not None and ((order_type and order_type != OrderType.MARKET) or (tif and tif != TimeInForce.DAY)):
        errors.add("notional", "Notional amounts are for market orders good for the day only.")
    if qty is not None and qty > 0 and qty != qty.to_integral_value():
        if tif and tif != TimeInForce.DAY:
            errors.add("qty", "Fractional quantities are for day orders only.")
        elif order_type == OrderType.TRAILING_STOP:
            errors.add("qty", "Trailing stops take whole shares.")

    if order_type:
        _type_rules(errors, order_type, tif, numbers)
    if expires_at is not None:
        if tif and tif != TimeInForce.GTC:
            errors.add("expires_at", "A good-till date applies to gtc orders only.")
        elif timezone.is_naive(expires_at):
            errors.add("expires_at", "Give the time with its time zone.")
        elif expires_at <= (now or timezone.now()):
            errors.add("expires_at", "Must be in the future.")
    errors.raise_if_any()
    return OrderSpec(
        side=side,
        order_type=order_type,
        time_in_force=tif,
        qty=qty,
        notional=notional,
        limit_price=numbers["limit_price"],
        stop_price=numbers["stop_price"],
        trail_price=numbers["trail_price"],
        trail_percent=trail_percent,
        expires_at=expires_at,
    )


def _type_rules(errors: _Errors, order_type: str, tif: str, numbers: dict) -> None:
    if order_type in PRICED_TYPES and numbers["limit_price"] is None and "limit_price" not in errors.fields:
        errors.add("limit_price", "A limit order needs a positive limit price.")
    if order_type not in PRICED_TYPES and numbers["limit_price"] is not None:
        errors.add("limit_price", "Only limit and stop-limit orders take a limit price.")
    if order_type in STOP_TYPES and numbers["stop_price"] is None and "stop_price" not in errors.fields:
        errors.add("stop_price", "A stop order needs a positive stop price.")
    if order_type not in STOP_TYPES and numbers["stop_price"] is not None:
        errors.add("stop_price", "Only stop and stop-limit orders take a stop price.")
    trails = [name for name in ("trail_price", "trail_percent") if numbers[name] is not None]
    if order_type == OrderType.TRAILING_STOP:
        if len(trails) != 1 and not {"trail_price", "trail_percent"} & set(errors.fields):
            errors.add("trail_price", "A trailing stop needs exactly one of trail price and trail percent.")
        if tif and tif not in (TimeInForce.DAY, TimeInForce.GTC):
            errors.add("time_in_force", "Trailing stops are day or gtc orders.")
    elif trails:
        errors.add(trails[0], "Only trailing stops take a trail.")
    if tif in AUCTION_OR_IMMEDIATE_TIFS and order_type not in (OrderType.MARKET, OrderType.LIMIT):
        errors.add("time_in_force", f"{tif} applies to market and limit orders only.")


def clean_replacement(order, *, qty=None, time_in_force=None, limit_price=None, stop_price=None, trail=None):
    """The replaced order's full spec (Alpaca's PATCH semantics: what is not given stays), validated."""
    if all(value in (None, "") for value in (qty, time_in_force, limit_price, stop_price, trail)):
        raise TradingError("nothing_to_change", "Change at least one of quantity, time in force, prices or trail.")
    trail_field = "trail_percent" if order.trail_percent is not None else "trail_price"
    values = {
        "side": order.side,
        "order_type": order.order_type,
        "time_in_force": time_in_force or order.time_in_force,
        "qty": qty if qty not in (None, "") else order.qty,
        "notional": order.notional if qty in (None, "") else None,
        "limit_price": limit_price if limit_price not in (None, "") else order.limit_price,
        "stop_price": stop_price if stop_price not in (None, "") else order.stop_price,
        "trail_price": order.trail_price,
        "trail_percent": order.trail_percent,
        "expires_at": order.expires_at if (time_in_force or order.time_in_force) == TimeInForce.GTC else None,
    }
    if trail not in (None, ""):
        values[trail_field] = trail
    return clean_order(**values)

"""The shapes of what the live order streams send, and the names of their groups — in one place.

A broadcast (``trading.broadcast``) carries ids only: ``{"type": "order.changed", "order_id", "event"}``.
Each consumer re-reads the order through the user's scope before it forwards anything, so a message
never carries data to someone who may not see it, and the socket receives ``order_payload(order)``:

    {"type": "order", "event": "transition" | "fill", "order": {id, status, status_display, side,
     symbol, account_id, account, qty, notional, filled_qty, filled_avg_price, limit_price,
     order_type, time_in_force, created_at, updated_at, url}}
"""

from decimal import Decimal

from django.urls import reverse

MESSAGE_TYPE = "order.changed"


def firm_group(firm_id: int) -> str:
    return f"trading-firm-{firm_id}"


def advisor_group(advisor_id: int) -> str:
    return f"trading-advisor-{advisor_id}"


def account_group(account_id: int) -> str:
    return f"trading-account-{account_id}"


def order_group(order_id: int) -> str:
    return f"trading-order-{order_id}"


def broadcast_message(*, order_id: int, event: str) -> dict:
    return {"type": MESSAGE_TYPE, "order_id": order_id, "event": event}


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def order_payload(order, *, event: str = "") -> dict:
    """What a browser needs to redraw a blotter row or an order page's status (``order`` with
    account and instrument joined)."""
    return {
        "type": "order",
        "event": event,
        "order": {
            "id": order.pk,
            "status": order.status,
            "status_display": order.get_status_display(),
            "is_open": order.is_open,
            "side": order.side,
            "symbol": order.instrument.symbol,
            "account_id": order.account_id,
            "account": order.account.name,
            "order_type": order.order_type,
            "time_in_force": order.time_in_force,
            "qty": _text(order.qty),
            "notional": _text(order.notional),
            "limit_price": _text(order.limit_price),
            "filled_qty": _text(order.filled_qty),
            "filled_avg_price": _text(order.filled_avg_price),
            "created_at": order.created_at.isoformat(),
            "updated_at": order.updated_at.isoformat(),
            "url": reverse("trading:order-detail", args=[order.pk]),
        },
    }

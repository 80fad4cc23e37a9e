"""Scheduled upkeep: expiring orders by the trading calendar and reconciling with the brokers.

Expiry. A DAY (or OPG/CLS) order belongs to the first XNYS session whose close is after its entry;
once that close (an early close on half days) is TRADING_EXPIRY_GRACE_MINUTES (15) behind us it is
expired: a queued order never sent is expired here; an order at the broker is first looked up
(the broker's own expiry is applied as news) and otherwise canceled at the broker, the transition
recording the cause ``expiry``. A GTC order with ``expires_at`` (good till date) is handled the
same way at that time (Alpaca has no GTD: its final status is then ``canceled``).

Reconciliation. For every open order we sent to a broker, the broker's copy is fetched; fills we
missed (broker's filled quantity above ours, last changed more than TRADING_RECONCILE_SETTLE_SECONDS
(60) ago so the stream is not still delivering them) are booked with execution id
``reconcile:<broker id>:<cumulative qty>``, and a different status is applied through the state
machine. Broker open orders we do not know, orders the broker does not know and position
differences are flagged as operator alerts (positions are never changed except by fills).
"""

import datetime as dt
import logging
from decimal import Decimal
from functools import lru_cache

import exchange_calendars
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from marketdata.calendar import CALENDAR_NAME, FIRST_SESSION
from portfolios.choices import TradingMode
from portfolios.models import Position

from ..brokers.base import BrokerError, BrokerOrder, TradeUpdate
from ..brokers.registry import broker_named
from ..choices import AlertKind, BrokerName, OrderStatus, TimeInForce, TransitionCause
from ..models import OPEN_STATUSES, Order
from ..state_machine import can_transition, transition
from .alerts import raise_alert
from .updates import apply_trade_update

logger = logging.getLogger(__name__)

SESSION_TIFS = (TimeInForce.DAY, TimeInForce.OPG, TimeInForce.CLS)
STATUS_EVENT = {OrderStatus.PARTIALLY_FILLED: "partial_fill", OrderStatus.FILLED: "fill"}


@lru_cache(maxsize=1)
def _calendar():
    return exchange_calendars.get_calendar(CALENDAR_NAME, start=FIRST_SESSION)


def session_close_for(entered_at: dt.datetime) -> dt.datetime:
    """The close of the session a day order entered at ``entered_at`` belongs to."""
    calendar = _calendar()
    local_day = timezone.localtime(entered_at, timezone.get_default_timezone()).date()
    session = calendar.date_to_session(pd.Timestamp(local_day), direction="next")
    close = calendar.session_close(session).to_pydatetime()
    if entered_at >= close:
        close = calendar.session_close(calendar.next_session(session)).to_pydatetime()
    return close


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=float(getattr(settings, "TRADING_EXPIRY_GRACE_MINUTES", 15)))


def due_for_expiry(order: Order, now: dt.datetime) -> bool:
    if order.time_in_force in SESSION_TIFS:
        return now >= session_close_for(order.created_at) + _grace()
    return order.expires_at is not None and now >= order.expires_at


def expire_due_orders(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    candidates = Order.objects.filter(status__in=OPEN_STATUSES, cancel_requested_at__isnull=True).filter(
        time_in_force__in=SESSION_TIFS
    ) | Order.objects.filter(status__in=OPEN_STATUSES, cancel_requested_at__isnull=True, expires_at__lte=now)
    expired = []
    for order in candidates.only("pk", "time_in_force", "created_at", "expires_at").order_by("pk"):
        if due_for_expiry(order, now):
            try:
                if expire_order(order.pk, now=now):
                    expired.append(order.pk)
            except BrokerError as error:
                logger.warning("expiry could not reach the broker", extra={"order": order.pk, "code": error.code})
    return expired


def expire_order(order_id: int, *, now: dt.datetime | None = None) -> bool:
    """Expire one due order (idempotent: an order no longer open is left alone)."""
    now = now or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=order_id)
        if order.status not in OPEN_STATUSES or order.cancel_requested_at is not None or not due_for_expiry(order, now):
            return False
        if order.status == OrderStatus.QUEUED and not order.broker_order_id and not order.dispatch_attempts:
            transition(order, OrderStatus.EXPIRED, cause=TransitionCause.EXPIRY, at=now)
            return True
        broker = broker_named(order.broker)
    copy = broker.get_order_by_client_id(order.client_order_id)
    if copy is not None and copy.status not in OPEN_STATUSES:
        repair_from_broker(order.pk, copy, settle=dt.timedelta(0))
        return True
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=order_id)
        if order.status not in OPEN_STATUSES or order.cancel_requested_at is not None:
            return False
        if copy is None:
            if can_transition(order.status, OrderStatus.EXPIRED):
                transition(order, OrderStatus.EXPIRED, cause=TransitionCause.EXPIRY, at=now)
            return True
        broker.cancel_order(copy.broker_order_id)
        order.cancel_requested_at = now
        order.broker_order_id = order.broker_order_id or copy.broker_order_id
        if can_transition(order.status, OrderStatus.PENDING_CANCEL):
            transition(
                order,
                OrderStatus.PENDING_CANCEL,
                cause=TransitionCause.EXPIRY,
                at=now,
                extra_fields=("cancel_requested_at", "broker_order_id"),
            )
        else:
            order.save(update_fields=["cancel_requested_at", "broker_order_id", "updated_at"])
    return True


def _settle() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "TRADING_RECONCILE_SETTLE_SECONDS", 60)))


def repair_from_broker(order_id: int, copy: BrokerOrder, *, settle: dt.timedelta | None = None) -> list[str]:
    """Bring one order in line with the broker's copy; returns what was repaired."""
    settle = _settle() if settle is None else settle
    order = Order.objects.get(pk=order_id)
    repaired = []
    changed_at = copy.updated_at or timezone.now()
    missing = copy.filled_qty - order.filled_qty
    if missing > 0 and copy.filled_avg_price and timezone.now() - changed_at >= settle:
        ours = order.filled_qty * (order.filled_avg_price or Decimal("0"))
        price = ((copy.filled_qty * copy.filled_avg_price - ours) / missing).quantize(Decimal("0.000001"))
        event = "fill" if copy.status == OrderStatus.FILLED else "partial_fill"
        apply_trade_update(
            TradeUpdate(
                event=event,
                order=copy,
                timestamp=changed_at,
                execution_id=f"reconcile:{copy.broker_order_id}:{copy.filled_qty.normalize():f}",
                price=price if price > 0 else copy.filled_avg_price,
                qty=missing,
            ),
            source="reconcile",
        )
        repaired.append(f"fill {missing}")
        order.refresh_from_db()
    if missing > 0 and not repaired:
        return repaired  # fills not yet settled: the stream may still deliver them; next run
    if copy.status != order.status:
        event = STATUS_EVENT.get(copy.status, copy.status)
        apply_trade_update(TradeUpdate(event=event, order=copy, timestamp=changed_at), source="reconcile")
        order.refresh_from_db()
        repaired.append(f"status {copy.status}")
    return repaired


def _accounts_mode(broker_name: str) -> str:
    return TradingMode.LIVE if broker_name == BrokerName.ALPACA else TradingMode.PAPER


def reconcile_broker(broker_name: str) -> dict:
    """Reconcile open orders and positions with one broker (module docstring). Returns counts."""
    broker = broker_named(broker_name)
    summary = {"checked": 0, "repaired": 0, "unknown_at_broker": 0, "unknown_to_us": 0, "position_differences": 0}
    theirs = {copy.client_order_id: copy for copy in broker.list_open_orders()}
    ours = Order.objects.filter(broker=broker_name, status__in=OPEN_STATUSES).exclude(status=OrderStatus.QUEUED)
    known = set(Order.objects.filter(client_order_id__in=list(theirs)).values_list("client_order_id", flat=True))
    for order in ours.order_by("pk"):
        summary["checked"] += 1
        copy = theirs.get(order.client_order_id) or broker.get_order_by_client_id(order.client_order_id)
        if copy is None:
            summary["unknown_at_broker"] += 1
            raise_alert(
                kind=AlertKind.RECONCILE_MISMATCH,
                key=f"reconcile:missing:{order.pk}",
                message=f"{broker_name} does not know open order {order.pk} ({order.client_order_id}).",
                order=order,
            )
            continue
        if repair_from_broker(order.pk, copy):
            summary["repaired"] += 1
    for client_order_id, copy in theirs.items():
        if client_order_id not in known:
            summary["unknown_to_us"] += 1
            raise_alert(
                kind=AlertKind.UNKNOWN_ORDER,
                key=f"unknown:{copy.broker_order_id}",
                message=f"{broker_name} has open order {copy.broker_order_id} ({copy.symbol}) that we did not place.",
                details={"client_order_id": client_order_id, "symbol": copy.symbol},
            )
    summary["position_differences"] = _compare_positions(broker_name, broker)
    return summary


def _compare_positions(broker_name: str, broker) -> int:
    if broker_name != BrokerName.ALPACA:
        return 0  # the simulator's positions are our ledger's: nothing to compare
    theirs = {position.symbol: position.qty for position in broker.list_positions()}
    ours_rows = (
        Position.objects.filter(account__trading_mode=_accounts_mode(broker_name), account__is_active=True)
        .values("instrument__symbol")
        .annotate(total=Sum("quantity"))
    )
    ours = {row["instrument__symbol"]: row["total"] for row in ours_rows}
    differences = {
        symbol: (ours.get(symbol, Decimal("0")), theirs.get(symbol, Decimal("0")))
        for symbol in set(ours) | set(theirs)
        if ours.get(symbol, Decimal("0")) != theirs.get(symbol, Decimal("0"))
    }
    if differences:
        raise_alert(
            kind=AlertKind.RECONCILE_MISMATCH,
            key=f"reconcile:positions:{broker_name}",
            message=f"Positions differ from {broker_name}'s for {len(differences)} symbols: "
            + ", ".join(f"{symbol} ours {a} theirs {b}" for symbol, (a, b) in sorted(differences.items())[:10]),
            details={symbol: [str(a), str(b)] for symbol, (a, b) in differences.items()},
        )
    return len(differences)

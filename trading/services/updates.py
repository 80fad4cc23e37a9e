"""Broker news → our orders: the only way a broker's trade update changes an order.

``apply_trade_update`` finds the order by ``client_order_id`` (else the broker's id), locks the
account row and then the order row, applies the reported status through the state machine, and
for a fill or partial fill with an execution id not seen before records a Fill and books it in the
ledger (portfolios.services.ledger.record_transaction, which locks the position and lots in pk
order under the same account lock) — all in one transaction. Applying the same update twice
changes nothing (the Fill's execution id is unique). A fill the ledger refuses (e.g. a buy that
costs more than the cash) is still recorded, with ``booking_error``, and raises an operator alert:
the broker executed it, so it must not be lost.

Out-of-order or stale news (``new`` after ``filled``) is ignored; any other impossible status
change raises an operator alert instead of an error, so a stream never stops on one bad event.
"""

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from marketdata.calendar import session_on_or_before
from portfolios.errors import PortfoliosError
from portfolios.models import Account
from portfolios.services.ledger import record_transaction

from ..brokers.base import TradeUpdate
from ..choices import AlertKind, AlertSeverity, OrderStatus, TransitionCause
from ..models import Fill, Order
from ..state_machine import (
    EVENT_STATUS,
    LATE_FILL_STATUSES,
    TERMINAL,
    WORKING,
    can_transition,
    notify_after_commit,
    status_before_pending,
    transition,
)
from .alerts import raise_alert

logger = logging.getLogger(__name__)

PRICE_QUANTUM = Decimal("0.000001")
FILL_EVENTS = {"fill", "partial_fill"}
_STALE = WORKING | {OrderStatus.PENDING_NEW, OrderStatus.QUEUED}


def _find(update: TradeUpdate) -> Order | None:
    ids = Q()
    if update.order.client_order_id:
        ids |= Q(client_order_id=update.order.client_order_id)
    if update.order.broker_order_id:
        ids |= Q(broker_order_id=update.order.broker_order_id)
    if not ids:
        return None
    return Order.objects.filter(ids).only("pk", "account_id").first()


def apply_trade_update(update: TradeUpdate, *, source: str) -> Order | None:
    """Apply one trade update (see module docstring); returns the order, or None for an unknown one."""
    found = _find(update)
    if found is None:
        raise_alert(
            kind=AlertKind.UNKNOWN_ORDER,
            key=f"unknown:{update.order.broker_order_id or update.order.client_order_id}",
            message=(
                f"{source} reported {update.event} for an order we do not know "
                f"(client id {update.order.client_order_id!r}, broker id {update.order.broker_order_id!r})."
            ),
            details={"event": update.event, "symbol": update.order.symbol},
        )
        return None
    with transaction.atomic():
        Account.objects.select_for_update(of=("self",)).filter(pk=found.account_id).values_list("pk").first()
        order = Order.objects.select_for_update(of=("self",)).select_related("instrument", "account").get(pk=found.pk)
        if update.order.broker_order_id and not order.broker_order_id:
            order.broker_order_id = update.order.broker_order_id
            order.save(update_fields=["broker_order_id", "updated_at"])
        if update.event in FILL_EVENTS:
            _record_fill(order, update, source)
        _apply_status(order, update, source)
    return order


def _execution_id(order: Order, update: TradeUpdate) -> str:
    if update.execution_id:
        return update.execution_id
    # Without an id, the cumulative filled quantity identifies the execution (each one raises it).
    return f"{order.broker_order_id or order.client_order_id}:{update.order.filled_qty.normalize():f}"


def trade_date_of(at) -> dt.date:
    """The XNYS session a fill belongs to: its New York date, or the session before when that is no
    trading day (a simulated or extended-hours execution on a weekend or holiday)."""
    return session_on_or_before(timezone.localtime(at, ZoneInfo("America/New_York")).date())


def _record_fill(order: Order, update: TradeUpdate, source: str) -> Fill | None:
    execution_id = _execution_id(order, update)
    if Fill.objects.filter(execution_id=execution_id).exists():
        return None
    if (
        update.order.filled_qty
        and update.order.filled_qty <= order.filled_qty
        and order.fills.filter(execution_id__startswith="reconcile:").exists()
    ):
        return None  # reconciliation already booked what this execution reports
    qty = update.qty if update.qty is not None else update.order.filled_qty - order.filled_qty
    if update.qty is None and qty <= 0:
        return None  # a status-only fill report: nothing new executed
    price = update.price if update.price is not None else update.order.filled_avg_price
    if not qty or qty <= 0 or not price or price <= 0:
        raise_alert(
            kind=AlertKind.RECONCILE_MISMATCH,
            key=f"fill-data:{order.pk}:{execution_id}",
            message=f"{source} reported a {update.event} of order {order.pk} without a usable quantity or price.",
            order=order,
            account=order.account,
        )
        return None
    at = update.timestamp if timezone.is_aware(update.timestamp) else timezone.make_aware(update.timestamp)
    fill = Fill.objects.create(order=order, execution_id=execution_id, qty=qty, price=price, at=at, source=source)
    try:
        with transaction.atomic():
            tx = record_transaction(
                account=order.account,
                actor=None,
                kind=order.side,
                trade_date=trade_date_of(at),
                instrument=order.instrument,
                quantity=qty,
                price=price,
                description=f"Order {order.pk} ({order.client_order_id}) fill",
                external_id=f"fill:{execution_id}"[:100],
            )
        fill.transaction = tx
        fill.save(update_fields=["transaction"])
    except PortfoliosError as error:
        fill.booking_error = f"{error.code}: {error.message}"[:500]
        fill.save(update_fields=["booking_error"])
        raise_alert(
            kind=AlertKind.FILL_NOT_BOOKED,
            severity=AlertSeverity.CRITICAL,
            key=f"fill:{execution_id}",
            message=f"Fill {execution_id} of order {order.pk} ({qty} @ {price}) was not booked: {error.message}",
            order=order,
            account=order.account,
        )
    before = order.filled_qty
    order.filled_qty = before + qty
    previous_cost = before * (order.filled_avg_price or Decimal("0"))
    order.filled_avg_price = ((previous_cost + qty * price) / order.filled_qty).quantize(PRICE_QUANTUM, ROUND_HALF_UP)
    order.save(update_fields=["filled_qty", "filled_avg_price", "updated_at"])
    from compliance.services import record_event

    record_event(
        action="order.fill",
        target=order,
        firm_id=order.firm_id,
        metadata={
            "execution_id": execution_id,
            "qty": qty,
            "price": price,
            "side": order.side,
            "source": source,
            "booked": fill.transaction_id is not None,
            "status": order.status,
        },
    )
    notify_after_commit(order, "fill")
    return fill


def _target_status(order: Order, update: TradeUpdate) -> str | None:
    if update.event not in EVENT_STATUS:
        return None
    target = EVENT_STATUS[update.event]
    if target is None:  # order_cancel_rejected / order_replace_rejected: back to where it was
        reported = update.order.status
        if reported and reported != order.status and can_transition(order.status, reported):
            return reported
        if order.status in (OrderStatus.PENDING_CANCEL, OrderStatus.PENDING_REPLACE):
            return status_before_pending(order)
        return None
    if target == OrderStatus.PARTIALLY_FILLED and order.status in LATE_FILL_STATUSES:
        return None  # a late partial fill is booked; the order stays canceled/expired/replaced
    return target


def _apply_status(order: Order, update: TradeUpdate, source: str) -> None:
    target = _target_status(order, update)
    if update.event == "order_replace_rejected":
        _reject_replacements(order, source)
    if target is None or target == order.status:
        return
    if not can_transition(order.status, target):
        if target in _STALE or (order.status in TERMINAL and target in TERMINAL and target != OrderStatus.FILLED):
            logger.info("stale trade update ignored", extra={"order": order.pk, "event": update.event})
            return
        raise_alert(
            kind=AlertKind.ILLEGAL_TRANSITION,
            key=f"illegal:{order.pk}:{order.status}:{target}",
            message=f"{source} reported order {order.pk} going from {order.status} to {target}, which cannot happen.",
            order=order,
            account=order.account,
            details={"event": update.event},
        )
        return
    if order.status == OrderStatus.QUEUED and not order.submitted_at:
        order.submitted_at = update.timestamp
    transition(
        order,
        target,
        cause=TransitionCause.TRADE_UPDATE,
        event=update.event,
        source=source,
        at=update.timestamp if timezone.is_aware(update.timestamp) else None,
        details={"broker_status": update.order.status, "filled_qty": update.order.filled_qty},
        extra_fields=("submitted_at",),
    )
    if target == OrderStatus.REPLACED and update.order.replaced_by:
        Order.objects.filter(replaces=order, broker_order_id="").update(broker_order_id=update.order.replaced_by)


def _reject_replacements(order: Order, source: str) -> None:
    """The broker refused a replace: our replacement order (if still open) is rejected."""
    open_replacements = Order.objects.select_for_update(of=("self",)).filter(replaces=order)
    open_replacements = open_replacements.exclude(status__in=TERMINAL)
    for replacement in open_replacements:
        if can_transition(replacement.status, OrderStatus.REJECTED):
            replacement.reject_reason = "The broker refused to replace the original order."
            transition(
                replacement,
                OrderStatus.REJECTED,
                cause=TransitionCause.TRADE_UPDATE,
                event="order_replace_rejected",
                source=source,
                extra_fields=("reject_reason",),
            )

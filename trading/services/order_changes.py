"""Changing orders already entered: cancel and replace, with Alpaca's semantics.

The broker is asked outside the account's row lock and its answer is applied under it; a fill that
wins the race with the request is honoured. Entering orders is ``trading.services.orders``.
"""

from django.db import transaction
from django.utils import timezone

from ..brokers.base import BrokerError, BrokerRejected
from ..brokers.registry import broker_named
from ..choices import OrderSide, OrderStatus, TransitionCause
from ..errors import OrderConflict, RiskRejected
from ..models import Order
from ..order_rules import clean_replacement
from ..risk import evaluate_order
from ..state_machine import TERMINAL, can_transition, record_entry, record_request, transition
from .orders import BrokerUnavailableError, enqueue_dispatch, lock_account, order_memorandum, require_trader


def cancel_order(*, order: Order, actor, reason: str = "") -> Order:
    """Cancel an order: a queued one never sent is canceled here; one at the broker is asked to cancel
    (→ pending_cancel; the broker's update makes it canceled, or a fill that wins the race, filled).

    The broker is called between two short transactions, never under the account's row lock: a slow
    broker must not hold up every other write to the account. Whatever the broker reported in between
    (a fill, the cancel itself) is already applied when the second transaction looks again.
    """
    require_trader(actor, order.account)
    details = {"reason": reason[:300]} if reason else {}
    with transaction.atomic():
        order = _lock_order(order)
        status_when_asked = order.status
        if order.status in TERMINAL:
            raise OrderConflict("order_not_open", f"The order is already {order.get_status_display().lower()}.")
        if order.status == OrderStatus.PENDING_CANCEL:
            return order
        if order.status == OrderStatus.QUEUED and not order.broker_order_id:
            broker_copy = _broker_copy(order) if order.dispatch_attempts else None
            if broker_copy is None:
                order.cancel_requested_at = timezone.now()
                transition(
                    order,
                    OrderStatus.CANCELED,
                    cause=TransitionCause.CANCEL_REQUEST,
                    actor=actor,
                    details=details,
                    extra_fields=("cancel_requested_at",),
                )
                return order
            from .dispatch import acknowledge

            acknowledge(order, broker_copy, cause=TransitionCause.RECONCILE)
    asked_at = timezone.now()
    try:
        broker_named(order.broker).cancel_order(order.broker_order_id)
    except BrokerRejected as error:
        raise OrderConflict("cancel_refused", f"The broker refused the cancel: {error.message}") from error
    except BrokerError as error:
        raise BrokerUnavailableError(
            "broker_unavailable", "The broker could not be reached; try again in a moment."
        ) from error
    with transaction.atomic():
        order = _lock_order(order)
        # Recorded only once the broker took the request: expiry leaves orders with a cancel under way alone.
        order.cancel_requested_at = timezone.now()
        if can_transition(order.status, OrderStatus.PENDING_CANCEL):
            transition(
                order,
                OrderStatus.PENDING_CANCEL,
                cause=TransitionCause.CANCEL_REQUEST,
                actor=actor,
                details=details,
                extra_fields=("cancel_requested_at",),
            )
        else:
            # The broker's news got here first (the simulator confirms a cancel at once; a fill may
            # have won the race): the status is already past pending_cancel. The request is still part
            # of the memorandum — who asked and why — so it is noted in the history and audited.
            order.save(update_fields=["cancel_requested_at", "updated_at"])
            record_request(
                order,
                cause=TransitionCause.CANCEL_REQUEST,
                actor=actor,
                details={**details, "requested_at": asked_at, "status_when_requested": status_when_asked},
            )
    return order


def _lock_order(order: Order) -> Order:
    """The order's account, then the order itself, locked in that order (as every writer does)."""
    lock_account(order.account)
    return Order.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=order.pk)


def _broker_copy(order: Order):
    """A queued order whose earlier send had an unknown outcome may exist at the broker: ask it."""
    try:
        return broker_named(order.broker).get_order_by_client_id(order.client_order_id)
    except BrokerError as error:
        raise BrokerUnavailableError(
            "broker_unavailable", "The broker could not be reached to check this order; try again."
        ) from error


REPLACEABLE = frozenset(
    {
        OrderStatus.PENDING_NEW,
        OrderStatus.ACCEPTED,
        OrderStatus.NEW,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.HELD,
        OrderStatus.DONE_FOR_DAY,
    }
)


def replace_order(
    *,
    order: Order,
    actor,
    qty=None,
    time_in_force=None,
    limit_price=None,
    stop_price=None,
    trail=None,
    note: str = "",
) -> Order:
    """Replace an open order (Alpaca's semantics): a new order is entered with ``replaces`` = the old
    one and sent as a replace; the old one becomes ``replaced`` only when the broker says so, and a
    fill of the old order that wins the race is honoured. Returns the new order."""
    require_trader(actor, order.account)
    with transaction.atomic():
        account = lock_account(order.account)
        old = Order.objects.select_for_update(of=("self",)).select_related("instrument").get(pk=order.pk)
        if old.status not in REPLACEABLE or not old.broker_order_id:
            raise OrderConflict(
                "order_not_replaceable", f"A {old.get_status_display().lower()} order cannot be replaced."
            )
        if Order.objects.filter(replaces=old).exclude(status__in=TERMINAL).exists():
            raise OrderConflict("replace_pending", "A replacement of this order is already on its way.")
        spec = clean_replacement(
            old, qty=qty, time_in_force=time_in_force, limit_price=limit_price, stop_price=stop_price, trail=trail
        )
        report = evaluate_order(account=account, instrument=old.instrument, spec=spec, replacing=old)
        if not report.passed:
            raise RiskRejected(report.failures)
        new = Order.objects.create(
            account=account,
            firm_id=old.firm_id,
            instrument=old.instrument,
            broker=old.broker,
            **spec.as_dict(),
            arrival_price=report.impact.last_price,
            reserve_price=report.impact.reserve_price if spec.side == OrderSide.BUY else None,
            replaces=old,
            recommended_by=old.recommended_by,
            placed_by=actor,
            discretionary=old.discretionary,
            source=old.source,
            note=(note or old.note)[:500],
            proposal_trade=old.proposal_trade,
        )
        record_entry(new, actor=actor, source=new.source, details=order_memorandum(new, report))
        enqueue_dispatch(new.pk)
    return new

"""Sending a queued order to its broker exactly once.

The order's ``client_order_id`` was fixed when it was inserted, so every attempt sends the same
id. Each attempt runs in its own transaction holding the order's row lock (two workers never send
one order at the same time; broker news about it waits until the attempt is stored):

- breaker open → the order stays queued (``last_error_code`` ``breaker_open``);
  ``retry_queued_orders`` sends it once the breaker lets a call through.
- BrokerUnavailable (429, connection refused: known not to have taken effect) → retried.
- BrokerAmbiguous (timeout or 5xx after sending) → resolved first by ``get_order_by_client_id``;
  if the broker does not know it (or cannot be asked), retried — and every attempt after the first
  asks the broker before sending.
- DuplicateClientOrderId → the broker has it: looked up and acknowledged, never sent twice.
- BrokerRejected → the order is rejected with the broker's reason.

Retries use exponential backoff with full jitter (tenacity): TRADING_DISPATCH_ATTEMPTS (4),
TRADING_DISPATCH_BACKOFF_SECONDS (0.25), TRADING_DISPATCH_BACKOFF_MAX_SECONDS (4). Out of
attempts, the order stays queued for the periodic retry. Unavailable and ambiguous failures count
towards the broker's circuit breaker. A live account's order never reaches the simulator.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from portfolios.choices import TradingMode

from ..brokers import breaker
from ..brokers.base import (
    BrokerAmbiguous,
    BrokerError,
    BrokerOrder,
    BrokerRejected,
    DuplicateClientOrderId,
    OrderRequest,
    ReplaceRequest,
)
from ..brokers.registry import broker_named
from ..choices import AlertKind, BrokerName, OrderStatus, TransitionCause
from ..models import Order
from ..state_machine import TERMINAL, can_transition, transition
from .alerts import raise_alert

logger = logging.getLogger(__name__)

DONE, WAITING, RETRY = "done", "waiting", "retry"
# Statuses an acknowledgement may move a queued order to; fills only ever arrive as trade updates
# (with execution ids), so a response already showing fills acknowledges the order as ``new``.
_FILL_STATUSES = {OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED}


_LOCAL_REFUSALS = {"live_account", "original_not_open"}


class _Transient(Exception):
    pass


def _policy() -> dict:
    return {
        "attempts": int(getattr(settings, "TRADING_DISPATCH_ATTEMPTS", 4)),
        "base": float(getattr(settings, "TRADING_DISPATCH_BACKOFF_SECONDS", 0.25)),
        "max": float(getattr(settings, "TRADING_DISPATCH_BACKOFF_MAX_SECONDS", 4)),
    }


def dispatch_order(order_id: int, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """Send order ``order_id`` if it is still queued; returns "done", "waiting" (breaker) or "retry"."""
    policy = _policy()
    retrying = Retrying(
        stop=stop_after_attempt(max(policy["attempts"], 1)),
        wait=wait_random_exponential(multiplier=policy["base"], max=policy["max"]),
        retry=retry_if_exception_type(_Transient),
        sleep=sleep,
        reraise=True,
    )

    def attempt() -> str:
        outcome = _attempt(order_id)
        if outcome == RETRY:
            raise _Transient
        return outcome

    try:
        return retrying(attempt)
    except _Transient:
        _schedule_retry(order_id)
        return RETRY


def _schedule_retry(order_id: int) -> None:
    delay = timezone.timedelta(seconds=float(getattr(settings, "TRADING_BREAKER_RESET_SECONDS", 30)))
    Order.objects.filter(pk=order_id, status=OrderStatus.QUEUED).update(next_attempt_at=timezone.now() + delay)


def _request(order: Order) -> OrderRequest:
    return OrderRequest(
        client_order_id=order.client_order_id,
        symbol=order.instrument.symbol,
        side=order.side,
        order_type=order.order_type,
        time_in_force=order.time_in_force,
        qty=order.qty,
        notional=order.notional,
        limit_price=order.limit_price,
        stop_price=order.stop_price,
        trail_price=order.trail_price,
        trail_percent=order.trail_percent,
        broker_account_id=order.account.broker_account_id
        if order.broker == BrokerName.ALPACA
        else str(order.account_id),
    )


def _replace_request(order: Order, old: Order) -> ReplaceRequest:
    trail = order.trail_percent if order.trail_percent is not None else order.trail_price
    old_trail = old.trail_percent if old.trail_percent is not None else old.trail_price
    return ReplaceRequest(
        broker_order_id=old.broker_order_id,
        client_order_id=order.client_order_id,
        qty=order.qty,
        time_in_force=order.time_in_force if order.time_in_force != old.time_in_force else None,
        limit_price=order.limit_price if order.limit_price != old.limit_price else None,
        stop_price=order.stop_price if order.stop_price != old.stop_price else None,
        trail=trail if trail != old_trail else None,
    )


def _attempt(order_id: int) -> str:
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("instrument", "account")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.status != OrderStatus.QUEUED:
            return DONE
        if order.broker == BrokerName.SIMULATOR and order.account.trading_mode == TradingMode.LIVE:
            _reject(order, "live_account", "A live account's order is never sent to the simulator.")
            return DONE
        old = None
        if order.replaces_id:
            old = Order.objects.select_for_update(of=("self",)).get(pk=order.replaces_id)
            if old.status in TERMINAL or old.status == OrderStatus.QUEUED:
                _reject(order, "original_not_open", f"The order it replaces is {old.get_status_display().lower()}.")
                return DONE
        if not breaker.admit(order.broker):
            _note_error(order, "breaker_open", f"{order.broker} is failing; the order waits until it recovers.")
            return WAITING
        broker = broker_named(order.broker)
        order.dispatch_attempts += 1
        try:
            response = _send(broker, order, old)
        except BrokerRejected as error:
            breaker.record_success(order.broker)
            _reject(order, error.code, error.message)
            return DONE
        except BrokerError as error:
            breaker.record_failure(order.broker, error_code=error.code)
            _note_error(order, error.code, error.message)
            logger.warning("order dispatch failed", extra={"order": order.pk, "error_code": error.code})
            return RETRY
        breaker.record_success(order.broker)
        acknowledge(order, response, cause=TransitionCause.BROKER_RESPONSE)
        if old is not None and old.status not in TERMINAL and can_transition(old.status, OrderStatus.PENDING_REPLACE):
            transition(
                old,
                OrderStatus.PENDING_REPLACE,
                cause=TransitionCause.REPLACE_REQUEST,
                actor=order.placed_by,
                details={"replacement": order.pk},
            )
        return DONE


def _send(broker, order: Order, old: Order | None) -> BrokerOrder:
    """One send, with the lookups that make it exactly-once (module docstring)."""
    if order.dispatch_attempts > 1:
        # An earlier attempt may have reached the broker (ambiguous, or a lost answer): ask before sending.
        found = broker.get_order_by_client_id(order.client_order_id)
        if found is not None:
            return found
    try:
        if old is not None:
            return broker.replace_order(_replace_request(order, old))
        return broker.submit_order(_request(order))
    except DuplicateClientOrderId:
        found = broker.get_order_by_client_id(order.client_order_id)
        if found is None:
            raise BrokerAmbiguous("The broker reports a duplicate it cannot find.") from None
        return found
    except BrokerAmbiguous:
        try:
            found = broker.get_order_by_client_id(order.client_order_id)
        except BrokerError:
            found = None
        if found is None:
            raise
        return found


def acknowledge(order: Order, response: BrokerOrder, *, cause: str) -> None:
    """Store the broker's id and move a queued order to the status the broker reports."""
    order.broker_order_id = response.broker_order_id or order.broker_order_id
    status = response.status
    if status in _FILL_STATUSES or not can_transition(order.status, status):
        status = OrderStatus.NEW
    transition(
        order,
        status,
        cause=cause,
        actor=None,
        source=order.broker,
        details={"broker_order_id": order.broker_order_id, "broker_status": response.status},
        extra_fields=("broker_order_id", "dispatch_attempts", "last_error_code", "last_error_message"),
    )


def _note_error(order: Order, code: str, message: str) -> None:
    order.last_error_code = code[:64]
    order.last_error_message = (message or "")[:500]
    order.save(update_fields=["dispatch_attempts", "last_error_code", "last_error_message", "updated_at"])


def _reject(order: Order, code: str, message: str) -> None:
    order.reject_reason = f"{code}: {message}"[:500]
    order.last_error_code = code[:64]
    order.last_error_message = (message or "")[:500]
    transition(
        order,
        OrderStatus.REJECTED,
        cause=TransitionCause.DISPATCH_FAILED if code in _LOCAL_REFUSALS else TransitionCause.BROKER_RESPONSE,
        source=order.broker,
        details={"code": code, "message": message[:300]},
        extra_fields=("reject_reason", "dispatch_attempts", "last_error_code", "last_error_message"),
    )
    if code == "live_account":
        raise_alert(
            kind=AlertKind.DISPATCH_FAILED,
            key=f"dispatch:{order.pk}",
            message=f"Order {order.pk} of live account {order.account_id} was entered for the simulator; refused.",
            order=order,
            account=order.account,
        )

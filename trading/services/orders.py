"""Entering, canceling and replacing orders. Sending them to the broker is ``dispatch``'s job.

``submit_order`` validates the fields (order_rules), locks the account row, runs every pre-trade
check (risk) under that lock, inserts the order — its ``client_order_id`` is fixed by that insert,
before any broker call — stores its first transition (→ queued) with an audit event, and enqueues
its dispatch after commit. Concurrent orders on one account queue on the row lock, so their
commitments are always counted against the cash: they cannot overdraw it.

Idempotency-Key: the same key from the same user with the same request returns the first order
(``order.idempotent_replay`` is True); a different request with a used key is a 409
(``idempotency_key_reused``).
"""

import hashlib
import json
import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.roles import Capability, has_capability
from marketdata.choices import AssetClass
from marketdata.models import Instrument
from portfolios.models import Account
from portfolios.selectors import account_visible_to, accounts_visible_to

from ..brokers.base import BrokerError, BrokerRejected
from ..brokers.registry import broker_name_for, broker_named
from ..choices import OrderSide, OrderSource, OrderStatus, TransitionCause
from ..errors import IdempotencyConflict, OrderConflict, RiskRejected, TradingError
from ..models import Order
from ..order_rules import clean_order, clean_replacement
from ..risk import evaluate_order
from ..state_machine import TERMINAL, can_transition, record_entry, record_request, transition

logger = logging.getLogger(__name__)

ZERO = Decimal("0")


class BrokerUnavailableError(TradingError):
    status = 503


def _require_role(actor) -> None:
    """``actor=None`` is the system (strategies, schedules); people need the right to manage a book."""
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise TradingError("forbidden", "Your role cannot place or change orders.")


def _require_trader(actor, account: Account) -> None:
    """The role, and that ``account`` is in the actor's scope (``actor=None``: the system, everything)."""
    _require_role(actor)
    if actor is not None and not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise TradingError("not_found", "No such account.")


def resolve_instrument(instrument=None, symbol: str | None = None) -> Instrument:
    if isinstance(instrument, Instrument):
        found = instrument
    else:
        text = (symbol or instrument or "").strip().upper() if isinstance(symbol or instrument, str) else ""
        found = Instrument.objects.filter(symbol=text).first() if text else None
        if found is None:
            message = "Enter a symbol." if not text else f"Unknown symbol {text}."
            raise TradingError("invalid_order", message, fields={"symbol": [message]})
    if not found.is_active or found.asset_class == AssetClass.INDEX:
        message = f"{found.symbol} is not tradable."
        raise TradingError("invalid_order", message, fields={"symbol": [message]})
    return found


def fingerprint(**values) -> str:
    """SHA-256 of the normalised request, to tell a retried request from a different one."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value.normalize())
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if hasattr(value, "pk"):
            return value.pk
        return value

    canonical = json.dumps({key: plain(value) for key, value in sorted(values.items())}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(actor, key: str, digest: str) -> Order | None:
    if not key or actor is None:
        return None
    existing = Order.objects.filter(placed_by=actor, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != digest:
        raise IdempotencyConflict(
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different order; use a new key for a new order.",
        )
    existing.idempotent_replay = True
    return existing


def _lock_account(account: Account | int, *, scope=None, require_active: bool = True) -> Account:
    """Lock the account's row (with its household, for the firm). With ``scope`` (a user), an account
    outside the user's scope is ``not_found``, judged on the locked row (``account_visible_to``): the
    lock is the only query."""
    pk = account if isinstance(account, int) else account.pk
    locked = Account.objects.select_for_update(of=("self",)).select_related("client__household").filter(pk=pk).first()
    if locked is None or (scope is not None and not account_visible_to(scope, locked)):
        raise TradingError("not_found", "No such account.")
    if require_active:
        _require_active(locked)
    return locked


def _require_active(account: Account) -> None:
    if not account.is_active:
        raise TradingError("inactive_account", "This account is closed.")


def _enqueue_dispatch(order_id: int) -> None:
    """Publish the order's dispatch task once the order is committed (about 1-2 ms of the request: Celery
    reuses its pooled broker connection and producer, ``broker_pool_limit`` 10 by default).

    The publish is a speed-up, not the guarantee: an order is committed ``queued`` before anything is
    published, and ``trading.tasks.retry_queued_orders`` (celery-beat, every 30 s) sends every queued order whose
    ``next_attempt_at`` has passed, so an order whose publish was lost (broker down, process killed
    right after the commit) still goes out, exactly once (dispatch holds the order's row lock and
    its ``client_order_id`` is fixed).
    """

    def enqueue():
        from ..tasks import dispatch_order_task

        try:
            dispatch_order_task.delay(order_id)
        except OperationalError:
            # The order is committed: the request succeeds and the retry task sends it.
            logger.warning("Could not publish the dispatch of order %s; it waits queued for the retry task.", order_id)

    transaction.on_commit(enqueue)


def submit_order(
    *,
    account: Account | int,
    actor,
    side: str,
    symbol: str | None = None,
    instrument: Instrument | None = None,
    order_type: str = "market",
    time_in_force: str = "day",
    qty=None,
    notional=None,
    limit_price=None,
    stop_price=None,
    trail_price=None,
    trail_percent=None,
    expires_at=None,
    recommended_by=None,
    discretionary: bool = False,
    note: str = "",
    source: str = OrderSource.TICKET,
    idempotency_key: str | None = None,
    proposal_trade=None,
    extra_buying_power: Decimal = ZERO,
    extra_position: Decimal = ZERO,
) -> Order:
    """Enter an order (the order memorandum) after the pre-trade checks; it is dispatched after commit.

    ``account`` is an Account or its id: it is read, locked and scope-checked in one query (TradingError
    ``not_found`` outside the actor's scope). Raises TradingError ``invalid_order`` (field errors),
    RiskRejected (the failed checks' codes), IdempotencyConflict (409). ``recommended_by`` defaults to
    ``actor``. A used Idempotency-Key is recognised only after the scope check (a replay never answers
    for an account the actor may no longer see): by the unique constraint on insert, or before a refusal.
    """
    _require_role(actor)
    account_id = account if isinstance(account, int) else account.pk
    instrument = resolve_instrument(instrument, symbol)
    spec = clean_order(
        side=side,
        order_type=order_type,
        time_in_force=time_in_force,
        qty=qty,
        notional=notional,
        limit_price=limit_price,
        stop_price=stop_price,
        trail_price=trail_price,
        trail_percent=trail_percent,
        expires_at=expires_at,
    )
    recommended_by = recommended_by or actor
    key = (idempotency_key or "").strip()[:200]
    digest = fingerprint(
        account=account_id,
        instrument=instrument.pk,
        recommended_by=recommended_by,
        discretionary=bool(discretionary),
        note=note or "",
        **spec.as_dict(),
    )
    try:
        with transaction.atomic():
            locked = _lock_account(account_id, scope=actor, require_active=False)
            # A repeated Idempotency-Key is found by the unique constraint on insert (IntegrityError
            # below), which saves a lookup on every new order. A retry whose original order used up
            # the cash (or closed the account since) must still get that order, not a refusal: a
            # refusal looks for a replay first.
            report = None
            if locked.is_active:
                report = evaluate_order(
                    account=locked,
                    instrument=instrument,
                    spec=spec,
                    extra_buying_power=extra_buying_power,
                    extra_position=extra_position,
                )
            if report is None or not report.passed:
                replayed = _replay(actor, key, digest)
                if replayed is not None:
                    return replayed
                _require_active(locked)
                raise RiskRejected(report.failures)
            order = Order.objects.create(
                account=locked,
                firm_id=locked.client.household.firm_id,
                instrument=instrument,
                broker=broker_name_for(locked),
                **spec.as_dict(),
                arrival_price=report.impact.last_price,
                reserve_price=report.impact.reserve_price if spec.side == OrderSide.BUY else None,
                recommended_by=recommended_by,
                placed_by=actor,
                discretionary=bool(discretionary),
                source=source,
                note=(note or "")[:500],
                proposal_trade=proposal_trade,
                idempotency_key=key,
                request_fingerprint=digest,
            )
            record_entry(order, actor=actor, source=source, details=_memorandum(order, report))
    except IntegrityError:
        # The Idempotency-Key was used before (or by a request that won the race): answer as the first
        # request was answered (the same order), or 409 for a different request.
        replayed = _replay(actor, key, digest)
        if replayed is None:
            raise
        return replayed
    # Enqueued outside the try: an error of the dispatch (run at once when tasks are eager) is not a
    # lost Idempotency-Key race and must not be answered as one.
    _enqueue_dispatch(order.pk)
    order.idempotent_replay = False
    return order


def _memorandum(order: Order, report) -> dict:
    return {
        "account": order.account_id,
        "symbol": order.instrument.symbol,
        "side": order.side,
        "order_type": order.order_type,
        "time_in_force": order.time_in_force,
        "qty": order.qty,
        "notional": order.notional,
        "limit_price": order.limit_price,
        "stop_price": order.stop_price,
        "trail_price": order.trail_price,
        "trail_percent": order.trail_percent,
        "broker": order.broker,
        "client_order_id": order.client_order_id,
        "recommended_by": order.recommended_by_id,
        "discretionary": order.discretionary,
        "arrival_price": order.arrival_price,
        "buying_power": report.impact.buying_power,
        "replaces": order.replaces_id,
    }


def cancel_order(*, order: Order, actor, reason: str = "") -> Order:
    """Cancel an order: a queued one never sent is canceled here; one at the broker is asked to cancel
    (→ pending_cancel; the broker's update makes it canceled, or a fill that wins the race, filled).

    The broker is called between two short transactions, never under the account's row lock: a slow
    broker must not hold up every other write to the account. Whatever the broker reported in between
    (a fill, the cancel itself) is already applied when the second transaction looks again.
    """
    _require_trader(actor, order.account)
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
    _lock_account(order.account)
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
    _require_trader(actor, order.account)
    with transaction.atomic():
        account = _lock_account(order.account)
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
        record_entry(new, actor=actor, source=new.source, details=_memorandum(new, report))
        _enqueue_dispatch(new.pk)
    return new

"""Entering orders (changing them is ``order_changes``; sending them to the broker, ``dispatch``).

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
from kombu.exceptions import OperationalError

from accounts.roles import Capability, has_capability
from marketdata.choices import AssetClass
from marketdata.models import Instrument
from portfolios.models import Account
from portfolios.selectors import account_visible_to, accounts_visible_to

from ..brokers.registry import broker_name_for
from ..choices import OrderSide, OrderSource
from ..errors import IdempotencyConflict, RiskRejected, TradingError
from ..models import Order
from ..order_rules import clean_order
from ..risk import evaluate_order
from ..state_machine import record_entry

logger = logging.getLogger(__name__)

ZERO = Decimal("0")


class BrokerUnavailableError(TradingError):
    status = 503


def _require_role(actor) -> None:
    """``actor=None`` is the system (strategies, schedules); people need the right to manage a book."""
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise TradingError("forbidden", "Your role cannot place or change orders.")


def require_trader(actor, account: Account) -> None:
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


def lock_account(account: Account | int, *, scope=None, require_active: bool = True) -> Account:
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


def enqueue_dispatch(order_id: int) -> None:
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
            locked = lock_account(account_id, scope=actor, require_active=False)
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
            record_entry(order, actor=actor, source=source, details=order_memorandum(order, report))
    except IntegrityError:
        # The Idempotency-Key was used before (or by a request that won the race): answer as the first
        # request was answered (the same order), or 409 for a different request.
        replayed = _replay(actor, key, digest)
        if replayed is None:
            raise
        return replayed
    # Enqueued outside the try: an error of the dispatch (run at once when tasks are eager) is not a
    # lost Idempotency-Key race and must not be answered as one.
    enqueue_dispatch(order.pk)
    order.idempotent_replay = False
    return order


def order_memorandum(order: Order, report) -> dict:
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

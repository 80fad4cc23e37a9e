"""The one order state machine: Alpaca's statuses plus the local ``queued``, and every allowed move.

Modelled on nautilus_trader's order FSM: a table of allowed (from, to) pairs, nothing else. Read it
as "an order in status X may next be reported as Y".

- ``queued`` is ours: persisted, ``client_order_id`` fixed, no broker acknowledgement yet (waiting for
  dispatch, a retry or a closed circuit breaker). It may be canceled locally.
- Working statuses (accepted, new, held, …) move freely among themselves: brokers report them in
  varying order.
- ``pending_cancel``/``pending_replace`` can go back to a working status when the broker refuses the
  cancel or replace (``order_cancel_rejected``/``order_replace_rejected``), and a fill may win the
  race: pending_cancel → filled, pending_replace → partially_filled/filled.
- Late fills: a fill reported after canceled, expired or replaced is honoured (the broker executed
  it); a complete fill moves the order to ``filled``, a partial one is booked while the status stays.
- ``filled`` and ``rejected`` are final: nothing follows them.

Every applied change is stored as an OrderTransition with its time, cause, actor and source, and
audited. An illegal change raises IllegalTransition (code ``illegal_transition``).
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from compliance.services import record_event

from .choices import OrderStatus as S
from .choices import TransitionCause
from .errors import IllegalTransition
from .models import Order, OrderTransition
from .signals import order_changed

WORKING = frozenset(
    {S.ACCEPTED, S.NEW, S.ACCEPTED_FOR_BIDDING, S.PENDING_REVIEW, S.HELD, S.CALCULATED, S.STOPPED, S.SUSPENDED}
)
_LEAVING_WORKING = frozenset(
    {
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.PENDING_REPLACE,
        S.DONE_FOR_DAY,
        S.CANCELED,
        S.EXPIRED,
        S.REPLACED,
        S.REJECTED,
    }
)

TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.PENDING_NEW, *WORKING, S.PARTIALLY_FILLED, S.FILLED, S.REJECTED, S.CANCELED, S.EXPIRED}),
    S.PENDING_NEW: frozenset(WORKING | _LEAVING_WORKING),
    **{status: frozenset((WORKING - {status}) | _LEAVING_WORKING) for status in WORKING},
    S.PARTIALLY_FILLED: frozenset(
        {
            S.FILLED,
            S.PENDING_CANCEL,
            S.PENDING_REPLACE,
            S.DONE_FOR_DAY,
            S.CANCELED,
            S.EXPIRED,
            S.REPLACED,
            S.STOPPED,
            S.SUSPENDED,
            S.CALCULATED,
            S.HELD,
        }
    ),
    # A refused cancel returns the order to where it was; a fill may beat the cancel.
    S.PENDING_CANCEL: frozenset(
        {*WORKING, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.DONE_FOR_DAY, S.REPLACED}
    ),
    # A refused replace returns the order to where it was; a fill may beat the replace.
    S.PENDING_REPLACE: frozenset(
        {*WORKING, S.PARTIALLY_FILLED, S.FILLED, S.REPLACED, S.CANCELED, S.EXPIRED, S.PENDING_CANCEL, S.DONE_FOR_DAY}
    ),
    S.DONE_FOR_DAY: frozenset(
        {
            S.NEW,
            S.ACCEPTED,
            S.PARTIALLY_FILLED,
            S.FILLED,
            S.PENDING_CANCEL,
            S.PENDING_REPLACE,
            S.CANCELED,
            S.EXPIRED,
            S.REPLACED,
        }
    ),
    # Late fills: the broker executed before it processed the cancel/expiry/replace.
    S.CANCELED: frozenset({S.FILLED}),
    S.EXPIRED: frozenset({S.FILLED}),
    S.REPLACED: frozenset({S.FILLED}),
    S.FILLED: frozenset(),
    S.REJECTED: frozenset(),
}

TERMINAL = frozenset({S.FILLED, S.CANCELED, S.EXPIRED, S.REPLACED, S.REJECTED})
OPEN = frozenset(status for status in S.values if status not in TERMINAL)
# Statuses after which a partial fill is still booked, without changing the status.
LATE_FILL_STATUSES = frozenset({S.CANCELED, S.EXPIRED, S.REPLACED})

# Alpaca's trade_updates events and the status each one reports. ``order_cancel_rejected`` and
# ``order_replace_rejected`` report no status of their own: the order returns to the status the
# broker now shows (or the one it had before the pending request).
EVENT_STATUS: dict[str, str | None] = {
    "pending_new": S.PENDING_NEW,
    "new": S.NEW,
    "accepted": S.ACCEPTED,
    "partial_fill": S.PARTIALLY_FILLED,
    "fill": S.FILLED,
    "canceled": S.CANCELED,
    "expired": S.EXPIRED,
    "done_for_day": S.DONE_FOR_DAY,
    "replaced": S.REPLACED,
    "rejected": S.REJECTED,
    "pending_cancel": S.PENDING_CANCEL,
    "pending_replace": S.PENDING_REPLACE,
    "calculated": S.CALCULATED,
    "suspended": S.SUSPENDED,
    "stopped": S.STOPPED,
    "held": S.HELD,
    "order_cancel_rejected": None,
    "order_replace_rejected": None,
}

# The timestamp field each status sets the first time the order reaches it.
_STAMPS = {
    S.ACCEPTED: "accepted_at",
    S.NEW: "accepted_at",
    S.FILLED: "filled_at",
    S.CANCELED: "canceled_at",
    S.EXPIRED: "expired_at",
    S.REPLACED: "replaced_at",
}
_ACKNOWLEDGED = frozenset(TRANSITIONS) - {"", S.QUEUED}


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def check_transition(from_status: str, to_status: str, *, order_id=None) -> None:
    if not can_transition(from_status, to_status):
        raise IllegalTransition(from_status, to_status, order_id=order_id)


def status_before_pending(order: Order) -> str:
    """The status an order had before its current pending_cancel/pending_replace (for refused requests)."""
    entered = OrderTransition.objects.filter(order=order, to_status=order.status).order_by("-at", "-id").first()
    if entered is None or not entered.from_status:
        return S.NEW
    return entered.from_status


def transition(
    order: Order,
    to_status: str,
    *,
    cause: str,
    actor=None,
    event: str = "",
    source: str = "",
    at: dt.datetime | None = None,
    details: dict | None = None,
    extra_fields: tuple[str, ...] = (),
) -> OrderTransition:
    """Move ``order`` (locked by the caller, inside its transaction) to ``to_status``; store and audit it.

    Raises IllegalTransition, and then nothing changes. ``extra_fields`` are other fields the caller
    changed on ``order`` and wants saved with the status.
    """
    from_status = order.status
    check_transition(from_status, to_status, order_id=order.pk)
    at = at or timezone.now()
    order.status = to_status
    changed = {"status", "updated_at", *extra_fields}
    stamp = _STAMPS.get(to_status)
    if stamp and getattr(order, stamp) is None:
        setattr(order, stamp, at)
        changed.add(stamp)
    if to_status in _ACKNOWLEDGED and order.submitted_at is None and to_status != S.REJECTED:
        order.submitted_at = at
        changed.add("submitted_at")
    order.save(update_fields=sorted(changed))
    return _store(order, from_status, to_status, cause, actor, event, source, at, details)


def record_entry(order: Order, *, actor=None, source: str = "", details: dict | None = None) -> OrderTransition:
    """Store the first transition (nothing → queued) of an order just inserted, and audit its entry."""
    check_transition("", order.status, order_id=order.pk)
    return _store(order, "", order.status, TransitionCause.CREATED, actor, "", source, order.created_at, details)


def record_request(order: Order, *, cause: str, actor=None, source: str = "", details: dict | None = None):
    """Note a request that changed no status (a cancel the broker confirmed before the request was
    stored): a history row from and to the order's current status, with who asked and why, audited
    as ``order.<cause>`` (e.g. ``order.cancel_request``). Not a transition: nothing is checked or moved."""
    action = f"order.{cause}"
    return _store(order, order.status, order.status, cause, actor, "", source, timezone.now(), details, action=action)


def _store(order, from_status, to_status, cause, actor, event, source, at, details, *, action="") -> OrderTransition:
    row = OrderTransition.objects.create(
        order=order,
        from_status=from_status,
        to_status=to_status,
        cause=cause,
        event=event,
        source=source,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        details=_plain(details or {}),
    )
    record_event(
        action=action or ("order.created" if not from_status else f"order.{to_status}"),
        actor=actor,
        target=order,
        firm_id=order.firm_id,
        changes={"status": (from_status or None, to_status)},
        metadata={"cause": cause, "event": event, "source": source, **(details or {})},
    )
    notify_after_commit(order, "transition")
    return row


def _plain(details: dict) -> dict:
    """JSON-safe details: Decimals as exact strings, times as ISO 8601, model instances as their pk."""

    def plain(value):
        if isinstance(value, Decimal):
            return str(value)
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if hasattr(value, "pk"):
            return value.pk
        return value

    return {key: plain(value) for key, value in details.items()}


def notify_after_commit(order: Order, event: str) -> None:
    """Send ``trading.signals.order_changed`` once the caller's transaction commits."""
    payload = {
        "order_id": order.pk,
        "account_id": order.account_id,
        "firm_id": order.firm_id,
        "status": order.status,
        "event": event,
    }
    transaction.on_commit(lambda: order_changed.send(sender=Order, **payload))

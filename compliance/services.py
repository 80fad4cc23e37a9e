"""Writes to the audit trail. ``record_event`` is the only way an event is created."""

import math

from django.db import connection, transaction
from django.utils import timezone

from valuepartner import request_context

from .chain import GENESIS_HASH, canonical_ip, compute_hash
from .models import AuditEvent

# Events about a firm itself belong to that firm.
_FIRM_MODEL = "accounts.firm"

# Arbitrary constant naming the advisory lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 7_362_001


def _lock_chain_and_read_last() -> tuple[int, str] | None:
    """The last event's sequence and hash, read once no other transaction can append.

    On PostgreSQL the advisory lock and the read go in one round trip as two statements: each
    statement of a READ COMMITTED transaction takes its own snapshot, so the read, which starts
    after the lock is granted, sees the event the previous lock holder committed.
    """
    if connection.vendor != "postgresql":
        return AuditEvent.objects.order_by("-sequence").values_list("sequence", "content_hash").first()
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK_KEY}); "  # noqa: S608 - constants only
            f"SELECT sequence, content_hash FROM {table} ORDER BY sequence DESC LIMIT 1"
        )
        cursor.nextset()
        return cursor.fetchone()


def _text(value, max_length: int | None = None) -> str:
    # PostgreSQL refuses NUL in text and jsonb, and a value longer than its column; a sign-in
    # attempt must not fail because the username typed was odd.
    text = str(value).replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    return text[:max_length] if max_length else text


def _field_text(name: str, value) -> str:
    return _text("" if value is None else value, AuditEvent._meta.get_field(name).max_length)


def _jsonable(value):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dict):
        return {_text(key): _jsonable(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return _text(value)


def _stored_ip(value: str | None) -> str | None:
    # An address the inet column would refuse (a proxy's "unknown", a scoped IPv6) is not recorded.
    return value.split("%", 1)[0] if canonical_ip(value) else None


def record_event(
    *,
    action: str,
    actor=None,
    target=None,
    changes: dict | None = None,
    metadata: dict | None = None,
    firm_id: int | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    ``changes`` maps a field name to ``(before, after)``. The request id and address come from the
    current request, if any. ``firm_id`` defaults to the target's firm (or the target, if it is a
    firm), else the actor's. Costs two round trips: one indexed read of the last event (with the
    lock on PostgreSQL) and one insert. The lock is held until the caller's transaction ends, so
    appends are serialised and the chain never forks.
    """
    context = request_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if firm_id is None and target is not None and target._meta.label_lower == _FIRM_MODEL:
        firm_id = target.pk
    if firm_id is None:
        firm_id = getattr(target, "firm_id", None) or getattr(actor, "firm_id", None)
    # No savepoint: if the insert fails the caller's transaction is unusable anyway.
    with transaction.atomic(savepoint=False):
        last = _lock_chain_and_read_last()
        sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        fields = {
            "sequence": sequence,
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if actor else None,
            "actor_label": _field_text("actor_label", actor_label or (actor.get_username() if actor else "")),
            "firm_id": firm_id,
            "action": _field_text("action", action),
            "object_type": _field_text("object_type", target._meta.label_lower if target is not None else ""),
            "object_id": _field_text("object_id", target.pk if target is not None else ""),
            "object_repr": _field_text("object_repr", target if target is not None else ""),
            "changes": _jsonable({name: list(pair) for name, pair in (changes or {}).items()}),
            "metadata": _jsonable(metadata or {}),
            "request_id": _field_text("request_id", context.request_id),
            "ip_address": _stored_ip(context.ip),
            "previous_hash": previous_hash,
        }
        return AuditEvent.objects.create(**fields, content_hash=compute_hash(fields))

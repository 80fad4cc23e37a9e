"""Writes to the audit trail. ``record_event`` is the only way an event is created."""

from django.db import connection, transaction
from django.utils import timezone

from valuepartner import request_context

from .chain import GENESIS_HASH, compute_hash
from .models import AuditEvent

# Arbitrary constant naming the advisory lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 7_362_001


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


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
    current request, if any. ``firm_id`` defaults to the target's or the actor's firm.
    """
    context = request_context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if firm_id is None:
        firm_id = getattr(target, "firm_id", None) or getattr(actor, "firm_id", None)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "content_hash").first()
        sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        fields = {
            "sequence": sequence,
            "occurred_at": timezone.now(),
            "actor_id": actor.pk if actor else None,
            "actor_label": actor_label or (actor.get_username() if actor else ""),
            "firm_id": firm_id,
            "action": action,
            "object_type": target._meta.label_lower if target is not None else "",
            "object_id": str(target.pk) if target is not None else "",
            "object_repr": str(target)[:200] if target is not None else "",
            "changes": _jsonable({name: list(pair) for name, pair in (changes or {}).items()}),
            "metadata": _jsonable(metadata or {}),
            "request_id": context.request_id,
            "ip_address": context.ip,
            "previous_hash": previous_hash,
        }
        return AuditEvent.objects.create(**fields, content_hash=compute_hash(fields))

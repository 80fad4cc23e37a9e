"""The audit trail's hash chain: how an event's hash is computed, and how the chain is checked.

The hash is computed from the values ``record_event`` writes and re-computed from the values read
back, so its input must not depend on how a database stores them: datetimes are hashed in UTC with
fixed precision, numbers by their decimal value (PostgreSQL's jsonb returns ``1e16`` as an integer
and ``-0.0`` as ``0.0``), and IP addresses by their address (PostgreSQL writes ``::ffff:1.2.3.4``
where Python writes ``::ffff:102:304``).
"""

import functools
import hashlib
import ipaddress
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

GENESIS_HASH = "0" * 64

# The fields an event's hash covers, in a fixed order. Changing this list breaks existing chains.
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "firm_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "metadata",
    "request_id",
    "ip_address",
    "previous_hash",
)


@functools.lru_cache(maxsize=4096)
def canonical_ip(value: str | None) -> str | None:
    """The address in one spelling, or ``None`` when ``value`` is not an address."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(str(value).split("%", 1)[0]).exploded
    except ValueError:
        return None


# Checked by exact type first: almost every value is one of these, and this is the hot path of
# verifying a long chain.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def _normal(value):
    """``value`` with every number, datetime and key in one spelling, ready for ``json.dumps``.

    Integral numbers become ints (jsonb hands ``1e16`` back as an integer and ``1.0`` as a float,
    and drops the sign of ``-0.0``); other finite floats keep their shortest repr, which
    PostgreSQL and SQLite return unchanged. A number never becomes text, so ``1`` and ``"1"`` differ.
    """
    if type(value) in _PLAIN_TYPES or isinstance(value, str | bool | int):
        return value
    if isinstance(value, dict):
        return {str(key): _normal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    if isinstance(value, float | Decimal):
        if not math.isfinite(value):
            return str(value)
        exact = value if isinstance(value, Decimal) else Decimal(repr(value))
        # int(1e300) is not 10**300, but jsonb returns the digits of "1e+300": go through the text.
        return int(exact) if exact == exact.to_integral_value() else float(exact)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def compute_hash(fields: dict) -> str:
    payload = {name: _normal(fields.get(name)) for name in HASHED_FIELDS}
    payload["ip_address"] = canonical_ip(fields.get("ip_address"))
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def event_fields(event) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    """What a walk of the chain found: how many events it checked, and the first break if any."""

    checked: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def check_chain(events: Iterable) -> ChainReport:
    """Walk events in sequence order; stop at the first one that was altered, removed or inserted.

    ``events`` may be any iterable of objects with the hashed fields and ``content_hash`` as
    attributes, so a caller can stream rows from the database in batches. Removing events from the
    end of the chain leaves a shorter chain that is still intact: detecting that needs the head hash
    kept somewhere else.
    """
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in events:
        if event.sequence > expected_sequence:
            reason = f"removed (the next present event is #{event.sequence})"
            return ChainReport(checked, ChainBreak(expected_sequence, reason))
        if event.sequence < expected_sequence:
            return ChainReport(checked, ChainBreak(event.sequence, "inserted (sequence out of order or repeated)"))
        if compute_hash(event_fields(event)) != event.content_hash:
            return ChainReport(checked, ChainBreak(event.sequence, "altered (content does not match its hash)"))
        if event.previous_hash != expected_previous:
            reason = (
                f"does not link to event #{event.sequence - 1} (that event was rewritten with a recomputed "
                "hash, or this one was inserted or moved)"
                if event.sequence > 1
                else "inserted (the first event does not start from the genesis hash)"
            )
            return ChainReport(checked, ChainBreak(event.sequence, reason))
        checked += 1
        expected_previous = event.content_hash
        expected_sequence += 1
    return ChainReport(checked, None)


def first_break(events: Iterable) -> ChainBreak | None:
    """The first altered, removed or inserted event, or ``None`` when the chain is intact."""
    return check_chain(events).first_break

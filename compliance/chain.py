"""The audit trail's hash chain: how an event's hash is computed, and how the chain is checked."""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

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


def _canonical(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def compute_hash(fields: dict) -> str:
    payload = {name: _canonical(fields.get(name)) for name in HASHED_FIELDS}
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def event_fields(event) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.sequence}: {self.reason}"


def first_break(events: Iterable) -> ChainBreak | None:
    """Walk events in sequence order; return the first one that was altered, removed or inserted."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    for event in events:
        if event.sequence != expected_sequence:
            if event.sequence > expected_sequence:
                return ChainBreak(expected_sequence, f"removed (next present event is #{event.sequence})")
            return ChainBreak(event.sequence, "inserted (sequence out of order)")
        if event.previous_hash != expected_previous:
            return ChainBreak(event.sequence, "inserted or reordered (does not link to the previous event)")
        if compute_hash(event_fields(event)) != event.content_hash:
            return ChainBreak(event.sequence, "altered (content does not match its hash)")
        expected_previous = event.content_hash
        expected_sequence += 1
    return None

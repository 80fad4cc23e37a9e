"""The hash and the walk of the chain, without a database."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from compliance.chain import GENESIS_HASH, HASHED_FIELDS, check_chain, compute_hash, event_fields, first_break

# The hash of make_fields(1, GENESIS_HASH), computed once when the canonical form was settled.
PINNED_HASH = "6d2aaf460647fb203bb1c78faf9a014411bac38c7cf28b5af8f83da0cef21804"
WHEN = datetime(2026, 3, 2, 14, 30, 5, 123456, tzinfo=UTC)


def make_fields(sequence: int, previous_hash: str, **overrides) -> dict:
    fields = {
        "sequence": sequence,
        "occurred_at": WHEN + timedelta(seconds=sequence),
        "actor_id": 7,
        "actor_label": "alice",
        "firm_id": 3,
        "action": "user.role_changed",
        "object_type": "accounts.user",
        "object_id": "12",
        "object_repr": "Bob Smith",
        "changes": {"role": ["advisor", "operator"]},
        "metadata": {"channel": "web", "ratio": 0.25},
        "request_id": f"req-{sequence:08d}",
        "ip_address": "203.0.113.9",
        "previous_hash": previous_hash,
    }
    fields.update(overrides)
    return fields


def make_chain(length: int) -> list[SimpleNamespace]:
    events, previous = [], GENESIS_HASH
    for sequence in range(1, length + 1):
        fields = make_fields(sequence, previous)
        previous = compute_hash(fields)
        events.append(SimpleNamespace(**fields, content_hash=previous))
    return events


def rehash(event: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(**event_fields(event), content_hash=compute_hash(event_fields(event)))


def test_hash_of_known_fields_is_pinned():
    """The canonical form is part of every stored chain: a change to it must be deliberate."""
    assert compute_hash(make_fields(1, GENESIS_HASH)) == PINNED_HASH


def test_hash_is_the_same_for_the_same_fields():
    """Hashing is deterministic and ignores dict key order."""
    fields = make_fields(1, GENESIS_HASH)
    reordered = dict(reversed(list(fields.items())))
    reordered["metadata"] = {"ratio": 0.25, "channel": "web"}
    assert compute_hash(fields) == compute_hash(reordered)


@pytest.mark.parametrize(
    ("written", "read_back"),
    [
        ({"occurred_at": WHEN}, {"occurred_at": WHEN.astimezone(timezone(timedelta(hours=-5)))}),
        ({"metadata": {"n": 1e16}}, {"metadata": {"n": 10**16}}),
        ({"metadata": {"n": -0.0}}, {"metadata": {"n": 0.0}}),
        ({"metadata": {"n": 1.0}}, {"metadata": {"n": 1}}),
        ({"metadata": {"n": 1e300}}, {"metadata": {"n": 10**300}}),
        ({"ip_address": "::ffff:102:304"}, {"ip_address": "::ffff:1.2.3.4"}),
        ({"ip_address": "2001:DB8:0::0001"}, {"ip_address": "2001:db8::1"}),
    ],
)
def test_hash_survives_database_normalisation(written, read_back):
    """Values PostgreSQL or SQLite hand back in another spelling (time zone, jsonb numbers, inet) hash alike."""
    assert compute_hash(make_fields(1, GENESIS_HASH, **written)) == compute_hash(
        make_fields(1, GENESIS_HASH, **read_back)
    )


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_every_hashed_field_changes_the_hash(name):
    """Altering any covered field, including the link to the previous event, changes the hash."""
    fields = make_fields(2, "a" * 64)
    altered = {
        "sequence": 3,
        "occurred_at": WHEN + timedelta(microseconds=1),
        "actor_id": 8,
        "actor_label": "mallory",
        "firm_id": 4,
        "action": "user.created",
        "object_type": "accounts.firm",
        "object_id": "13",
        "object_repr": "Bob Smith ",
        "changes": {"role": ["advisor", "client"]},
        "metadata": {"channel": "web", "ratio": "0.25"},
        "request_id": "req-other",
        "ip_address": "203.0.113.10",
        "previous_hash": "b" * 64,
    }[name]
    assert compute_hash(fields) != compute_hash({**fields, name: altered})


def test_a_number_and_its_text_hash_differently():
    """Turning 1 into "1" (or Decimal text into a number) is an alteration, not a normalisation."""
    assert compute_hash(make_fields(1, GENESIS_HASH, metadata={"n": 1})) != compute_hash(
        make_fields(1, GENESIS_HASH, metadata={"n": "1"})
    )
    assert compute_hash(make_fields(1, GENESIS_HASH, metadata={"n": Decimal("1.50")})) == compute_hash(
        make_fields(1, GENESIS_HASH, metadata={"n": 1.5})
    )


def test_intact_chain_has_no_break():
    """An untouched chain is intact and every event is counted."""
    report = check_chain(make_chain(5))
    assert report.intact
    assert report.checked == 5
    assert first_break([]) is None


def test_altered_event_is_named():
    """Changing a stored value without re-hashing is reported at that event."""
    events = make_chain(5)
    events[2].object_repr = "Someone else"
    found = first_break(events)
    assert (found.sequence, found.reason.split()[0]) == (3, "altered")
    assert str(found).startswith("event #3: altered")


def test_altered_and_rehashed_event_breaks_the_next_link():
    """Re-computing the altered event's own hash still leaves the next event pointing at the old one."""
    events = make_chain(5)
    events[2].metadata = {"channel": "api"}
    events[2] = rehash(events[2])
    found = first_break(events)
    assert found.sequence == 4
    assert "does not link to event #3" in found.reason


def test_removed_event_is_named():
    """A gap in the sequence names the missing event."""
    events = make_chain(5)
    del events[1]
    found = first_break(events)
    assert found.sequence == 2
    assert found.reason.startswith("removed")
    assert check_chain(events).checked == 1


def test_inserted_event_is_named():
    """An event slipped in with a sequence already used is reported as inserted."""
    events = make_chain(4)
    forged = make_fields(2, events[0].content_hash, action="user.deleted")
    events.insert(2, SimpleNamespace(**forged, content_hash=compute_hash(forged)))
    found = first_break(events)
    assert (found.sequence, found.reason.split()[0]) == (2, "inserted")


def test_inserted_first_event_must_start_from_genesis():
    """A self-consistent first event that does not link to the genesis hash is not the chain's start."""
    forged = make_fields(1, "f" * 64)
    found = first_break([SimpleNamespace(**forged, content_hash=compute_hash(forged))])
    assert (found.sequence, found.reason.split()[0]) == (1, "inserted")


def test_reordered_events_are_detected():
    """Swapping two events' sequence numbers breaks the chain whether or not they are re-hashed."""
    events = make_chain(5)
    second, third = events[1], events[2]
    second.sequence, third.sequence = 3, 2
    swapped = [events[0], third, second, *events[3:]]
    assert first_break(swapped).sequence == 2
    assert first_break(swapped).reason.startswith("altered")

    rehashed = [events[0], rehash(third), rehash(second), *events[3:]]
    assert first_break(rehashed).sequence == 2
    assert "does not link to event #1" in first_break(rehashed).reason


def test_walk_in_wrong_order_is_detected():
    """Events handed over out of sequence order are never taken as an intact chain."""
    events = make_chain(3)
    assert first_break([events[0], events[2], events[1]]).sequence == 2


def test_check_chain_consumes_a_stream_lazily():
    """The walk stops at the first break without reading the rest of the stream."""
    events = make_chain(4)
    events[0].action = "tampered"
    consumed = []

    def stream():
        for event in events:
            consumed.append(event.sequence)
            yield event

    assert first_break(stream()).sequence == 1
    assert consumed == [1]


def test_missing_first_event_is_named():
    """A chain that does not start at #1 has lost its first event, and the message says which."""
    found = first_break([SimpleNamespace(**make_fields(2, GENESIS_HASH), content_hash="x")])
    assert str(found) == "event #1: removed (the next present event is #2)"

"""record_event against the real database: numbering, linking, context, and what survives storage."""

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from compliance.chain import GENESIS_HASH, compute_hash, event_fields
from compliance.models import AuditEvent
from compliance.selectors import verify_stored_chain
from compliance.services import record_event
from valuepartner import request_context


@pytest.fixture
def bound_request():
    token = request_context.bind(request_id="req-0123456789abcdef", ip="203.0.113.5", user_id=None)
    yield
    request_context.reset(token)


def stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


@pytest.mark.django_db
def test_first_event_starts_from_genesis():
    """The first event is #1 and links to the genesis hash."""
    event = record_event(action="system.started")
    assert (event.sequence, event.previous_hash) == (1, GENESIS_HASH)


def test_sequence_increments_and_links_previous_hash(advisor):
    """Each event takes the next number and carries the previous event's hash."""
    first = record_event(action="test.first", actor=advisor)
    second = record_event(action="test.second", actor=advisor)
    third = record_event(action="test.third", actor=advisor)
    assert [second.sequence, third.sequence] == [first.sequence + 1, first.sequence + 2]
    assert second.previous_hash == first.content_hash
    assert third.previous_hash == second.content_hash
    assert len({first.content_hash, second.content_hash, third.content_hash}) == 3


def test_request_id_and_address_come_from_the_request_context(advisor, bound_request):
    """Services need not pass the request: its id and address are taken from the bound context."""
    event = stored(record_event(action="test.request", actor=advisor))
    assert event.request_id == "req-0123456789abcdef"
    assert event.ip_address == "203.0.113.5"


def test_outside_a_request_id_and_address_are_empty(advisor):
    """A command or task has no request: the event says so rather than inventing one."""
    event = stored(record_event(action="test.no_request", actor=advisor))
    assert (event.request_id, event.ip_address) == ("", None)


def test_actor_target_and_firm_are_recorded(advisor, other_firm):
    """Actor id and username, the target's type, id and text, and the target's firm are stored."""
    target = type(advisor).objects.create(username="target-user", firm=other_firm, first_name="Tara")
    event = stored(record_event(action="test.target", actor=advisor, target=target, changes={"role": ("a", "b")}))
    assert (event.actor_id, event.actor_label) == (advisor.pk, advisor.username)
    assert (event.object_type, event.object_id, event.object_repr) == ("accounts.user", str(target.pk), "Tara")
    assert event.firm_id == other_firm.pk
    assert event.changes == {"role": ["a", "b"]}


def test_firm_falls_back_to_the_actor_and_can_be_given(advisor, other_firm):
    """Without a target the actor's firm is used; an explicit firm id wins; a firm target is its own firm."""
    assert record_event(action="test.actor_firm", actor=advisor).firm_id == advisor.firm_id
    assert record_event(action="test.given_firm", actor=advisor, firm_id=other_firm.pk).firm_id == other_firm.pk
    assert record_event(action="test.firm_target", actor=advisor, target=other_firm).firm_id == other_firm.pk


@pytest.mark.django_db
def test_anonymous_actor_is_recorded_as_nobody():
    """An anonymous user is not an actor; an explicit label (e.g. the username tried) is kept."""
    event = stored(record_event(action="test.anon", actor=AnonymousUser(), actor_label="guessed-name"))
    assert (event.actor_id, event.actor_label, event.firm_id) == (None, "guessed-name", None)


def test_stored_rows_hash_as_they_were_written(advisor):
    """Values that databases hand back in another form (floats, -0.0, Decimal, sets, datetimes,
    IPv4-mapped IPv6) re-hash to the stored hash, so the chain verifies on SQLite and PostgreSQL."""
    token = request_context.bind(request_id="req-mapped-ipv6", ip="::ffff:192.0.2.1")
    try:
        record_event(
            action="test.awkward",
            actor=advisor,
            target=advisor,
            changes={"weight": (Decimal("0.10"), Decimal("0.125")), "since": (None, datetime(2026, 1, 2, tzinfo=UTC))},
            metadata={
                "big": 1e16,
                "negative_zero": -0.0,
                "ratio": 0.1 + 0.2,
                "tiny": 1.5e-300,
                "ids": {3, 1, 2},
                "nested": {"b": [1, {"c": None}], "a": True},
                "text": "naïve ✓ 𝄞",
            },
        )
    finally:
        request_context.reset(token)
    for event in AuditEvent.objects.all():
        assert compute_hash(event_fields(event)) == event.content_hash, event.sequence
    assert verify_stored_chain().intact


def test_values_the_database_would_refuse_are_made_storable(advisor):
    """NUL characters, overlong text, non-finite numbers and a non-address never make an audit write fail."""
    token = request_context.bind(request_id="r" * 300, ip="unknown")
    try:
        event = record_event(
            action="test.odd",
            actor_label="evil\x00" + "x" * 300,
            metadata={"username": "a\x00b", "score": float("nan"), "k\x00": float("inf")},
        )
    finally:
        request_context.reset(token)
    event = stored(event)
    assert event.actor_label == "evil\ufffd" + "x" * 145
    assert event.request_id == "r" * 128
    assert event.ip_address is None
    assert event.metadata == {"username": "a\ufffdb", "score": "nan", "k\ufffd": "inf"}
    assert verify_stored_chain().intact


def test_event_in_a_rolled_back_transaction_leaves_nothing(advisor):
    """The event belongs to the caller's transaction: if the change is rolled back, so is its record,
    and the next event reuses the number so the chain has no gap."""
    before = record_event(action="test.before", actor=advisor)
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(action="test.rolled_back", actor=advisor)
        raise RuntimeError("the change failed")
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    after = record_event(action="test.after", actor=advisor)
    assert (after.sequence, after.previous_hash) == (before.sequence + 1, before.content_hash)
    assert verify_stored_chain().intact


def test_record_costs_one_read_and_one_insert(advisor, django_assert_num_queries):
    """Appending costs two round trips: read the last event (taking the lock on PostgreSQL), insert one row."""
    record_event(action="test.warm", actor=advisor)
    with django_assert_num_queries(2):
        record_event(action="test.cost", actor=advisor, target=advisor, metadata={"a": 1})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    """Writers in parallel transactions are serialised by the advisory lock: no duplicate or lost
    sequence numbers and the chain stays intact."""
    errors = []

    def write(worker: int):
        try:
            for index in range(30):
                with transaction.atomic():
                    record_event(action="test.concurrent", metadata={"worker": worker, "index": index})
        except Exception as error:  # reported to the main thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, 181))
    assert verify_stored_chain().intact

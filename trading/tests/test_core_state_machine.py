"""The order state machine's table, pair by pair, and how a transition is stored."""

import itertools

import pytest

from compliance.models import AuditEvent
from trading.choices import OrderStatus as S
from trading.errors import IllegalTransition
from trading.models import OrderTransition
from trading.state_machine import (
    EVENT_STATUS,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    WORKING,
    can_transition,
    check_transition,
    transition,
)

ALL = list(S.values)

# The allowed moves, written out independently of the module's construction of its table.
EXPECTED = {
    S.QUEUED: {S.PENDING_NEW, *WORKING, S.PARTIALLY_FILLED, S.FILLED, S.REJECTED, S.CANCELED, S.EXPIRED},
    S.PENDING_NEW: {
        *WORKING,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.PENDING_REPLACE,
        S.DONE_FOR_DAY,
        S.CANCELED,
        S.EXPIRED,
        S.REPLACED,
        S.REJECTED,
    },
    S.PARTIALLY_FILLED: {
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
    },
    S.PENDING_CANCEL: {*WORKING, S.PARTIALLY_FILLED, S.FILLED, S.CANCELED, S.EXPIRED, S.DONE_FOR_DAY, S.REPLACED},
    S.PENDING_REPLACE: {
        *WORKING,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.REPLACED,
        S.CANCELED,
        S.EXPIRED,
        S.PENDING_CANCEL,
        S.DONE_FOR_DAY,
    },
    S.DONE_FOR_DAY: {
        S.NEW,
        S.ACCEPTED,
        S.PARTIALLY_FILLED,
        S.FILLED,
        S.PENDING_CANCEL,
        S.PENDING_REPLACE,
        S.CANCELED,
        S.EXPIRED,
        S.REPLACED,
    },
    S.CANCELED: {S.FILLED},
    S.EXPIRED: {S.FILLED},
    S.REPLACED: {S.FILLED},
    S.FILLED: set(),
    S.REJECTED: set(),
}
for working in WORKING:
    EXPECTED[working] = (WORKING - {working}) | {
        S.PARTIALLY_FILLED, S.FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE, S.DONE_FOR_DAY, S.CANCELED, S.EXPIRED,
        S.REPLACED, S.REJECTED,
    }  # fmt: skip


def test_every_status_is_in_the_table():
    assert set(TRANSITIONS) == {"", *ALL}
    assert set(ALL) == TERMINAL | OPEN and not TERMINAL & OPEN
    assert set(EVENT_STATUS.values()) - {None} <= set(ALL)


@pytest.mark.parametrize(("from_status", "to_status"), list(itertools.product(ALL, ALL)))
def test_each_pair(from_status, to_status):
    """Every one of the 19 x 19 pairs is allowed exactly when the expected table says so."""
    allowed = to_status in EXPECTED[from_status]
    assert can_transition(from_status, to_status) is allowed
    if not allowed:
        with pytest.raises(IllegalTransition) as error:
            check_transition(from_status, to_status)
        assert error.value.code == "illegal_transition" and error.value.status == 409


def test_only_queued_starts_and_nothing_follows_filled_or_rejected():
    assert TRANSITIONS[""] == {S.QUEUED}
    assert not TRANSITIONS[S.FILLED] and not TRANSITIONS[S.REJECTED]


def test_late_fills_and_race_wins_are_allowed():
    for status in (S.CANCELED, S.EXPIRED, S.REPLACED, S.PENDING_CANCEL, S.PENDING_REPLACE):
        assert can_transition(status, S.FILLED)
    assert can_transition(S.PENDING_REPLACE, S.PARTIALLY_FILLED)
    assert not can_transition(S.CANCELED, S.NEW)


@pytest.mark.django_db
def test_a_transition_is_stored_with_time_cause_actor_and_audited(advisor):
    from trading.tests.factories import funded_account, priced_instrument

    account = funded_account(advisor=advisor)
    from trading.models import Order

    order = Order.objects.create(
        account=account, firm=advisor.firm, instrument=priced_instrument(), broker="simulator", side="buy",
        order_type="market", time_in_force="day", qty=1,
    )  # fmt: skip
    transition(order, S.ACCEPTED, cause="broker_response", actor=advisor, source="simulator", details={"x": 1})
    row = OrderTransition.objects.get(order=order)
    assert (row.from_status, row.to_status, row.cause, row.actor, row.source) == (
        S.QUEUED, S.ACCEPTED, "broker_response", advisor, "simulator",
    )  # fmt: skip
    assert row.at is not None and order.accepted_at == row.at
    assert AuditEvent.objects.filter(action="order.accepted", object_id=str(order.pk)).exists()
    with pytest.raises(IllegalTransition):
        transition(order, S.QUEUED, cause="operator")
    order.refresh_from_db()
    assert order.status == S.ACCEPTED and OrderTransition.objects.filter(order=order).count() == 1

"""Splits: lots and positions scale by the ratio, cost and dates stay, fractional residue stays as shares."""

from decimal import Decimal

import pytest

from marketdata.tests.factories import InstrumentFactory
from portfolios.errors import PortfoliosError
from portfolios.ledger.check import check_account
from portfolios.models import Lot
from portfolios.tests.ledger_support import SESSIONS, account_of, buy, deposit, position_of, record, sell, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


def split(account, instrument, numerator, denominator, day):
    return record(
        account, "split", day, instrument=instrument, split_numerator=numerator, split_denominator=denominator
    )


def test_forward_split_scales_open_lots_and_position_but_not_cost(advisor, acme):
    """A 3-for-2 split turns 10 and 4 shares into 15 and 6; costs, dates and cash are untouched."""
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "10", "20", SESSIONS[1])
    buy(account, acme, "4", "25", SESSIONS[2])

    tx = split(account, acme, 3, 2, SESSIONS[3])

    lots = list(Lot.objects.filter(account=account).order_by("pk"))
    assert [(lot.quantity, lot.remaining_quantity, lot.cost_basis) for lot in lots] == [
        (Decimal("15"), Decimal("15"), Decimal("200.00")),
        (Decimal("6"), Decimal("6"), Decimal("100.00")),
    ]
    assert [lot.acquired_on for lot in lots] == [SESSIONS[1], SESSIONS[2]]
    position = position_of(account, acme)
    assert (position.quantity, position.cost_basis) == (Decimal("21"), Decimal("300.00"))
    assert tx.amount == 0
    assert check_account(account) == []


def test_split_leaves_closed_lots_and_other_instruments_alone(advisor, acme):
    """A closed lot keeps its historical quantity; another instrument's lots do not move."""
    other = InstrumentFactory(symbol="OTHR")
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "2", "10", SESSIONS[1])
    buy(account, acme, "2", "10", SESSIONS[2])
    buy(account, other, "5", "10", SESSIONS[2])
    sell(account, acme, "2", "10", SESSIONS[3])

    split(account, acme, 2, 1, SESSIONS[4])

    closed, still_open = Lot.objects.filter(instrument=acme).order_by("pk")
    assert (closed.quantity, closed.remaining_quantity) == (Decimal("2"), Decimal("0"))
    assert (still_open.quantity, still_open.remaining_quantity) == (Decimal("4"), Decimal("4"))
    assert position_of(account, other).quantity == 5
    assert check_account(account) == []


def test_reverse_split_keeps_fractional_residue_as_shares(advisor, acme):
    """1-for-3 on 10 shares leaves 3.33333333 shares at full cost; selling them all later closes the lot exactly."""
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "10", "10", SESSIONS[1])

    split(account, acme, 1, 3, SESSIONS[2])

    lot = Lot.objects.get(account=account)
    assert (lot.remaining_quantity, lot.cost_basis) == (Decimal("3.33333333"), Decimal("100.00"))
    tx = sell(account, acme, "3.33333333", "30", SESSIONS[3])
    assert tx.lot_reliefs.get().cost_basis == Decimal("100.00")
    assert position_of(account, acme) is None
    assert check_account(account) == []


def test_sells_after_a_split_use_split_adjusted_cost_per_share(advisor, acme):
    """After 2-for-1, selling half the new shares relieves half the original cost."""
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "5", "100", SESSIONS[1])
    split(account, acme, 2, 1, SESSIONS[2])

    tx = sell(account, acme, "5", "55", SESSIONS[3])

    relief = tx.lot_reliefs.get()
    assert (relief.cost_basis, relief.realized_gain) == (Decimal("250.00"), Decimal("25.00"))


def test_split_rounding_a_lot_to_nothing_is_refused(advisor, acme):
    """A reverse split that would leave a lot with no shares at 8 decimals writes nothing."""
    account = account_of(advisor)
    deposit(account, "10.00")
    buy(account, acme, "0.00000001", "100", SESSIONS[1])
    before = snapshot(account)

    with pytest.raises(PortfoliosError) as caught:
        split(account, acme, 1, 10, SESSIONS[2])

    assert caught.value.code == "invalid_split"
    assert snapshot(account) == before

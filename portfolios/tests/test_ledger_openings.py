"""An opening (buy or transfer in) adds its lot to the position without reading the other lots, so its
cost does not grow with the lots the account holds, and the stored state still equals the replay."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketdata.tests.factories import InstrumentFactory
from portfolios.ledger.check import check_account
from portfolios.models import Position
from portfolios.tests.ledger_support import SESSIONS, account_of, buy, deposit, record, sell

pytestmark = pytest.mark.django_db


def _lot_reads_of_a_buy(account, instrument, day) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        buy(account, instrument, "1", "10", day)
    return [
        query["sql"] for query in queries if query["sql"].startswith("SELECT") and '"portfolios_lot"' in query["sql"]
    ]


def test_a_buy_reads_no_other_lot(advisor):
    """Each buy of a long-running savings plan used to lock and read every open lot of the instrument."""
    account, acme = account_of(advisor), InstrumentFactory(symbol="ACME")
    deposit(account, "100000.00")
    for day in SESSIONS[1:40]:
        buy(account, acme, "1", "10", day)

    assert _lot_reads_of_a_buy(account, acme, SESSIONS[40]) == []
    position = Position.objects.get(account=account, instrument=acme)
    assert (position.quantity, position.cost_basis) == (Decimal("40"), Decimal("400.00"))
    assert check_account(account) == []


def test_openings_after_sells_splits_and_transfers_keep_position_equal_to_lots(advisor):
    account, acme = account_of(advisor), InstrumentFactory(symbol="ACME")
    deposit(account, "100000.00")
    buy(account, acme, "10", "100", SESSIONS[1], fees="1.00")
    sell(account, acme, "4", "110", SESSIONS[2])
    record(account, "split", SESSIONS[3], instrument=acme, split_numerator=3, split_denominator=2)
    record(
        account,
        "transfer_in",
        SESSIONS[4],
        instrument=acme,
        quantity=Decimal("5"),
        cost_basis=Decimal("321.09"),
        acquired_on=SESSIONS[0],
    )
    buy(account, acme, "2.5", "71.13", SESSIONS[5], fees="0.37")
    sell(account, acme, "16.5", "75", SESSIONS[6])  # all of it (6, split to 9, +5, +2.5): the position goes
    assert not Position.objects.filter(account=account, instrument=acme).exists()
    buy(account, acme, "3", "80", SESSIONS[7])  # and a buy starts a new one

    position = Position.objects.get(account=account, instrument=acme)
    assert position.quantity == Decimal("3")
    assert check_account(account) == []

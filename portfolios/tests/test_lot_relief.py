"""Which lots a sell relieves under FIFO, LIFO, highest-cost and specific-lot relief, and the gains and terms."""

import datetime as dt
from decimal import Decimal

import pytest

from marketdata.tests.factories import InstrumentFactory
from portfolios.errors import PortfoliosError
from portfolios.ledger.check import check_account
from portfolios.ledger.lots import holding_term, one_year_after
from portfolios.models import Lot, LotRelief
from portfolios.selectors import open_lots, realized_gains
from portfolios.tests.ledger_support import SESSIONS, account_of, buy, cash_of, deposit, record, sell, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


@pytest.fixture
def ledger(advisor, acme):
    """An account with three lots of ACME: 1 @ 10 (oldest), 1 @ 30, 1 @ 20 (newest)."""
    account = account_of(advisor)
    deposit(account, "1000.00")
    lots = []
    for day, price in ((SESSIONS[1], "10"), (SESSIONS[2], "30"), (SESSIONS[3], "20")):
        buy(account, acme, "1", price, day)
        lots.append(Lot.objects.filter(account=account).latest("pk"))
    return account, lots


def relieved(tx) -> list[tuple[int, Decimal]]:
    return [(relief.lot_id, relief.quantity) for relief in tx.lot_reliefs.order_by("pk")]


@pytest.mark.parametrize(
    ("method", "order"),
    [("fifo", [0, 1]), ("lifo", [2, 1]), ("highest_cost", [1, 2])],
)
def test_methods_relieve_lots_in_their_order(ledger, acme, method, order):
    """1.5 shares: the first lot in the method's order closes, the second gives up half."""
    account, lots = ledger

    tx = sell(account, acme, "1.5", "40", SESSIONS[4], lot_relief_method=method)

    assert relieved(tx) == [(lots[order[0]].pk, Decimal("1")), (lots[order[1]].pk, Decimal("0.5"))]
    assert check_account(account) == []


def test_account_default_method_applies_without_override(advisor, acme):
    """An account set to LIFO relieves newest first when the sell names no method."""
    account = account_of(advisor, lot_relief_method="lifo")
    deposit(account, "100.00")
    buy(account, acme, "1", "10", SESSIONS[1])
    buy(account, acme, "1", "12", SESSIONS[2])

    tx = sell(account, acme, "1", "15", SESSIONS[3])

    assert tx.lot_reliefs.get().cost_basis == Decimal("12.00")
    assert tx.lot_relief_method == "lifo"


def test_same_day_lots_are_relieved_in_the_order_they_were_recorded(advisor, acme):
    """FIFO ties on the acquisition date break by the opening transaction: the first recorded goes first."""
    account = account_of(advisor)
    deposit(account, "100.00")
    buy(account, acme, "1", "11", SESSIONS[1])
    buy(account, acme, "1", "10", SESSIONS[1])

    tx = sell(account, acme, "1", "12", SESSIONS[2])

    assert tx.lot_reliefs.get().cost_basis == Decimal("11.00")


def test_realised_gain_is_net_proceeds_less_relieved_cost(ledger, acme):
    """Proceeds net of fees are split across lots by quantity; each relief's gain is its proceeds less its cost."""
    account, _ = ledger

    tx = sell(account, acme, "1.5", "40", SESSIONS[4], fees="1.00", lot_relief_method="fifo")

    reliefs = list(tx.lot_reliefs.order_by("pk"))
    assert [relief.proceeds for relief in reliefs] == [Decimal("39.33"), Decimal("19.67")]
    assert [relief.cost_basis for relief in reliefs] == [Decimal("10.00"), Decimal("15.00")]
    assert [relief.realized_gain for relief in reliefs] == [Decimal("29.33"), Decimal("4.67")]
    assert sum(relief.proceeds for relief in reliefs) == tx.amount == Decimal("59.00")


def test_last_relief_of_a_lot_takes_its_whole_remaining_cost(advisor, acme):
    """Three sells of a third each of a 10.00 lot: each takes its share of what is left (10.00 / 3, then
    6.67 / 2 rounded half-even) and the last takes the rest, so no cent is left behind or lost."""
    account = account_of(advisor)
    deposit(account, "10.00")
    buy(account, acme, "3", "3.333333", SESSIONS[1], fees="0.00")

    costs = [sell(account, acme, "1", "4", SESSIONS[2 + i]).lot_reliefs.get().cost_basis for i in range(3)]

    assert costs == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert sum(costs) == Decimal("10.00")
    assert Lot.objects.get(account=account).cost_basis == 0


def test_specific_lots_are_relieved_as_named(ledger, acme):
    """Specific-lot relief takes exactly the lots and quantities the selection names, in its order."""
    account, lots = ledger
    selection = [{"lot": lots[2].pk, "quantity": "0.25"}, {"lot": lots[0].pk, "quantity": "1"}]

    tx = sell(account, acme, "1.25", "40", SESSIONS[4], lot_relief_method="specific", lot_selection=selection)

    assert relieved(tx) == [(lots[2].pk, Decimal("0.25")), (lots[0].pk, Decimal("1"))]
    assert check_account(account) == []


def test_a_selection_without_a_method_means_specific(ledger, acme):
    """Naming lots is enough: the stored method is specific."""
    account, lots = ledger

    tx = sell(account, acme, "1", "40", SESSIONS[4], lot_selection=[{"lot": lots[1].pk, "quantity": "1"}])

    assert tx.lot_relief_method == "specific"
    assert relieved(tx) == [(lots[1].pk, Decimal("1"))]


def test_bad_specific_selections_are_refused(ledger, acme, advisor):
    """Lots of another account or instrument, closed lots, repeats, wrong totals or no selection: all refused."""
    account, lots = ledger
    other_instrument = InstrumentFactory(symbol="OTHR")
    buy(account, other_instrument, "1", "5", SESSIONS[4])
    foreign = account_of(advisor)
    deposit(foreign, "100.00")
    buy(foreign, acme, "1", "10", SESSIONS[1])
    sell(account, acme, "1", "40", SESSIONS[5], lot_relief_method="fifo")  # closes lots[0]
    other_lot = Lot.objects.get(instrument=other_instrument)
    foreign_lot = Lot.objects.get(account=foreign)
    before = snapshot(account)
    bad = [
        [{"lot": foreign_lot.pk, "quantity": "1"}],
        [{"lot": other_lot.pk, "quantity": "1"}],
        [{"lot": lots[0].pk, "quantity": "1"}],
        [{"lot": lots[1].pk, "quantity": "0.5"}, {"lot": lots[1].pk, "quantity": "0.5"}],
        [{"lot": lots[1].pk, "quantity": "0.5"}],
        [{"lot": lots[1].pk, "quantity": "2"}],
        [{"lot": lots[1].pk}],
        [],
    ]
    for selection in bad:
        with pytest.raises(PortfoliosError) as caught:
            sell(account, acme, "1", "40", SESSIONS[6], lot_relief_method="specific", lot_selection=selection)
        assert caught.value.code == "invalid_lot_selection", selection
        assert "lot_selection" in caught.value.fields
    assert snapshot(account) == before


def test_holding_more_than_a_year_is_long_term():
    """Long-term starts the day after the anniversary; a 29 February purchase's anniversary is 28 February."""
    assert holding_term(dt.date(2021, 3, 1), dt.date(2022, 3, 1)) == "short"
    assert holding_term(dt.date(2021, 3, 1), dt.date(2022, 3, 2)) == "long"
    assert one_year_after(dt.date(2020, 2, 29)) == dt.date(2021, 2, 28)
    assert holding_term(dt.date(2020, 2, 29), dt.date(2021, 2, 28)) == "short"
    assert holding_term(dt.date(2020, 2, 29), dt.date(2021, 3, 1)) == "long"


def test_reliefs_record_their_term(advisor, acme):
    """A sell closing an old transferred-in lot and a new lot records one long and one short relief."""
    account = account_of(advisor)
    deposit(account, "100.00")
    record(
        account,
        "transfer_in",
        SESSIONS[1],
        instrument=acme,
        quantity=Decimal("1"),
        cost_basis=Decimal("5.00"),
        acquired_on=dt.date(2019, 5, 1),
    )
    buy(account, acme, "1", "10", SESSIONS[2])

    tx = sell(account, acme, "2", "12", SESSIONS[3])

    assert [relief.term for relief in tx.lot_reliefs.order_by("pk")] == ["long", "short"]


def test_selectors_list_open_lots_and_realised_gains_by_year(ledger, acme):
    """open_lots drops closed lots; realized_gains filters by the year the relief closed."""
    account, lots = ledger
    sell(account, acme, "1", "40", SESSIONS[4], lot_relief_method="fifo")
    year = SESSIONS[4].year

    assert [lot.pk for lot in open_lots(account)] == [lots[1].pk, lots[2].pk]
    assert [relief.lot_id for relief in realized_gains(account, year=year)] == [lots[0].pk]
    assert not realized_gains(account, year=year + 5).exists()
    assert LotRelief.objects.count() == 1
    assert cash_of(account) == Decimal("980.00")

"""Property: whatever sequence of transactions is thrown at an account, the stored state equals the replay.

Random sequences of deposits, withdrawals, fees, interest, buys, sells (under all four relief
methods, with specific selections good and bad), dividends, splits and transfers over two
instruments, some of them invalid or backdated. Refused transactions must change nothing; after
each sequence the materialised lots, reliefs, positions and cash must equal the replay, cash is
never negative, positions are the sums of open lots, and realised gains are proceeds less cost.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from marketdata.tests.factories import InstrumentFactory
from portfolios.errors import PortfoliosError
from portfolios.ledger.check import check_account
from portfolios.models import Lot, LotRelief, Position
from portfolios.money import ZERO, to_cash, to_quantity
from portfolios.services import record_transaction
from portfolios.tests.ledger_support import SESSIONS, account_of, cash_of, snapshot

METHODS = ("fifo", "lifo", "highest_cost", "specific")
START = 300  # index into SESSIONS: room to backdate before it and to move forward after it

# Mostly valid inputs, so that sequences build holdings worth selling; one in ten is made invalid.
quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("20"), places=3)
prices = st.decimals(min_value=Decimal("1"), max_value=Decimal("120"), places=4)
spoilers = st.sampled_from([None] * 9 + ["spoil"])
amounts = st.decimals(min_value=Decimal("1"), max_value=Decimal("5000"), places=2)

operation = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(
            [
                "deposit",
                "deposit",
                "withdrawal",
                "fee",
                "interest",
                "buy",
                "buy",
                "buy",
                "sell",
                "sell",
                "sell",
                "dividend",
                "split",
                "transfer_in",
                "transfer_out",
            ]
        ),
        "instrument": st.integers(0, 1),
        "step": st.integers(0, 3),
        "backdate": st.integers(0, 12).map(lambda n: n if n > 9 else 0),  # mostly forward in time
        "quantity": st.tuples(quantities, spoilers).map(lambda q: Decimal("-1") if q[1] else q[0]),
        "price": st.tuples(prices, spoilers).map(lambda p: Decimal("0") if p[1] else p[0]),
        "fees": st.sampled_from([Decimal("0"), Decimal("0.99"), Decimal("4.95")]),
        "amount": amounts,
        "method": st.sampled_from(METHODS),
        "ratio": st.sampled_from([(2, 1), (3, 2), (1, 2), (1, 3)]),
        "spoil_selection": spoilers.map(bool),
    }
)


def _selection(account, instrument, quantity: Decimal, spoil: bool) -> list[dict]:
    """Newest open lots first, up to ``quantity``; spoiled selections name a lot that is not there."""
    chosen, left = [], quantity
    for lot in Lot.objects.filter(account=account, instrument=instrument, remaining_quantity__gt=0).order_by("-pk"):
        if left <= 0:
            break
        part = min(left, lot.remaining_quantity)
        chosen.append({"lot": lot.pk, "quantity": str(part)})
        left -= part
    if spoil:
        chosen.append({"lot": 10**9, "quantity": "1"})
    return chosen


def _apply(account, instruments, op: dict, day: dt.date) -> None:
    kind, instrument = op["kind"], instruments[op["instrument"]]
    values: dict = {}
    if kind in ("deposit", "withdrawal", "fee", "interest"):
        values = {"amount": to_cash(op["amount"] / (1 if kind == "deposit" else 20))}
    elif kind == "dividend":
        values = {"instrument": instrument, "amount": to_cash(op["amount"] / 100)}
    elif kind == "buy":
        values = {"instrument": instrument, "quantity": op["quantity"], "price": op["price"], "fees": op["fees"]}
    elif kind == "sell":
        # A third of a buy's size, so sells often fit within what is held (and sometimes do not).
        quantity = to_quantity(op["quantity"] / 3)
        values = {"instrument": instrument, "quantity": quantity, "price": op["price"], "fees": op["fees"]}
    elif kind == "split":
        values = {"instrument": instrument, "split_numerator": op["ratio"][0], "split_denominator": op["ratio"][1]}
    elif kind == "transfer_in":
        values = {
            "instrument": instrument,
            "quantity": op["quantity"],
            "cost_basis": (abs(op["quantity"]) * op["price"]).quantize(Decimal("0.01")),
            "acquired_on": day - dt.timedelta(days=op["step"] * 200),
        }
    elif kind == "transfer_out":
        values = {"instrument": instrument, "quantity": to_quantity(op["quantity"] / 3)}
    if kind in ("sell", "transfer_out"):
        values["lot_relief_method"] = op["method"]
        if op["method"] == "specific":
            values["lot_selection"] = _selection(account, instrument, values["quantity"], op["spoil_selection"])
    record_transaction(account=account, kind=kind, trade_date=day, actor=None, **values)


def _assert_invariants(account) -> None:
    assert check_account(account) == []
    assert cash_of(account) >= 0
    for position in Position.objects.filter(account=account):
        open_lots = Lot.objects.filter(account=account, instrument=position.instrument, remaining_quantity__gt=0)
        totals = open_lots.aggregate(quantity=Sum("remaining_quantity"), cost=Sum("cost_basis"))
        assert (totals["quantity"], totals["cost"]) == (position.quantity, position.cost_basis)
        assert position.quantity > 0
    assert not Lot.objects.filter(account=account, remaining_quantity=0).exclude(cost_basis=0).exists()
    reliefs = LotRelief.objects.filter(lot__account=account).aggregate(
        gain=Sum("realized_gain"), proceeds=Sum("proceeds"), cost=Sum("cost_basis")
    )
    assert (reliefs["gain"] or ZERO) == (reliefs["proceeds"] or ZERO) - (reliefs["cost"] or ZERO)
    for sell in account.transactions.filter(kind="sell"):
        assert sum(relief.proceeds for relief in sell.lot_reliefs.all()) == sell.amount


@pytest.fixture
def instruments(db):
    return [InstrumentFactory(symbol=symbol) for symbol in ("AAA", "BBB")]


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=8, max_size=30))
def test_materialised_state_always_equals_the_replay(advisor, instruments, operations):
    """Stored lots, reliefs, positions and cash equal the replay after any sequence; refusals write nothing."""
    with transaction.atomic():
        account = account_of(advisor)
        # Enough to fund a few buys, not so much that withdrawals and fees never run out.
        record_transaction(
            account=account, kind="deposit", trade_date=SESSIONS[START], actor=None, amount=Decimal("15000")
        )
        cursor = START
        for op in operations:
            cursor += op["step"]
            day = SESSIONS[cursor - op["backdate"]]
            before = snapshot(account)
            try:
                _apply(account, instruments, op, day)
            except PortfoliosError as error:
                event(f"refused {op['kind']}: {error.code}")
                assert snapshot(account) == before
            else:
                event(f"recorded {op['kind']}")
        _assert_invariants(account)
        transaction.set_rollback(True)

"""verify_ledger and the replay behind it: a consistent database passes, any tampered row is reported."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.tests.factories import InstrumentFactory
from portfolios.ledger.check import check_account
from portfolios.models import Account, Lot, LotRelief, Position, Transaction
from portfolios.tests.ledger_support import SESSIONS, account_of, buy, deposit, record, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


@pytest.fixture
def account(advisor, acme):
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "10", "20", SESSIONS[1])
    buy(account, acme, "5", "30", SESSIONS[2])
    sell(account, acme, "12", "25", SESSIONS[3], lot_relief_method="highest_cost")
    record(account, "split", SESSIONS[4], instrument=acme, split_numerator=2, split_denominator=1)
    return account


def run(*args) -> str:
    out = StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def test_consistent_database_passes(account, advisor):
    """Every account replays to its stored state: the command says so and exits zero."""
    account_of(advisor)  # an empty account is consistent too

    assert "Ledger consistent: 2 accounts" in run()
    assert "Ledger consistent: 1 accounts" in run("--account", str(account.pk))


def test_unknown_account_is_an_error(db):
    """Naming an account that does not exist fails rather than reporting zero accounts checked."""
    with pytest.raises(CommandError, match="No account"):
        run("--account", "999999")


@pytest.mark.parametrize(
    ("tamper", "subject"),
    [
        (lambda a: Account.objects.filter(pk=a.pk).update(cash=Decimal("1.00")), "cash"),
        (lambda a: Position.objects.filter(account=a).update(quantity=Decimal("7")), "position ACME quantity"),
        (lambda a: Position.objects.filter(account=a).update(cost_basis=Decimal("1")), "position ACME cost_basis"),
        (lambda a: Position.objects.filter(account=a).delete(), "position ACME"),
        (lambda a: Lot.objects.filter(account=a).update(remaining_quantity=Decimal("3")), "remaining_quantity"),
        (lambda a: Lot.objects.filter(account=a).update(cost_basis=Decimal("3")), "cost_basis"),
        (lambda a: LotRelief.objects.filter(lot__account=a).update(realized_gain=Decimal("0")), "realized_gain"),
        (lambda a: Transaction.objects.filter(account=a, kind="buy").update(price=Decimal("1")), "transaction"),
    ],
    ids=[
        "cash",
        "position-quantity",
        "position-cost",
        "position-missing",
        "lot-quantity",
        "lot-cost",
        "relief",
        "transaction-amount",
    ],
)
def test_tampering_is_reported_and_fails_the_command(account, tamper, subject):
    """A change made behind the service's back shows up as a difference and a non-zero exit."""
    assert check_account(account) == []
    tamper(account)

    differences = check_account(account)

    assert any(subject in str(difference) for difference in differences), differences
    with pytest.raises(CommandError, match="1 of 1 accounts"):
        run()


def test_a_sell_that_could_never_apply_is_reported(account, acme):
    """A transaction slipped in that oversells (or overdraws) is named by the replay."""
    Transaction.objects.create(
        account=account,
        kind="sell",
        trade_date=SESSIONS[5],
        instrument=acme,
        quantity=Decimal("1000"),
        price=Decimal("1"),
        amount=Decimal("1000.00"),
        lot_relief_method="fifo",
    )
    Transaction.objects.create(account=account, kind="withdrawal", trade_date=SESSIONS[6], amount=Decimal("-99999"))

    messages = [str(difference) for difference in check_account(account)]

    assert any("cannot apply" in message for message in messages)
    assert any("cash is" in message for message in messages)

"""record_transaction and record_transactions: each kind's effect, every refusal leaving the ledger as it was."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AdvisorFactory
from compliance.models import AuditEvent
from marketdata.tests.factories import InstrumentFactory
from portfolios.errors import PortfoliosError
from portfolios.ledger.check import check_account
from portfolios.models import Lot, Transaction
from portfolios.money import to_cash, to_price, to_quantity
from portfolios.services import record_transactions
from portfolios.tests.ledger_support import (
    GOOD_FRIDAY,
    SATURDAY,
    SESSIONS,
    account_of,
    buy,
    cash_of,
    deposit,
    position_of,
    record,
    sell,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(advisor):
    return account_of(advisor)


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


def refused(account, code: str, field: str | None, call) -> PortfoliosError:
    before = snapshot(account)
    with pytest.raises(PortfoliosError) as caught:
        call()
    assert caught.value.code == code
    if field is not None:
        assert field in caught.value.fields, caught.value.fields
    assert snapshot(account) == before
    return caught.value


def test_money_rounds_half_even_to_its_step():
    """Cash rounds half to even at the cent; quantities keep 8 places and prices 6."""
    assert to_cash(Decimal("0.125")) == Decimal("0.12")
    assert to_cash(Decimal("0.135")) == Decimal("0.14")
    assert to_quantity(Decimal("1.123456785")) == Decimal("1.12345678")
    assert to_price(Decimal("9.9999995")) == Decimal("10.000000")


def test_cash_kinds_apply_their_sign(account, advisor):
    """Deposit and interest add, withdrawal and fee take, each positive amount; all audited under ledger.*."""
    deposit(account, "1000.00")
    record(account, "interest", SESSIONS[1], amount=Decimal("2.50"), actor=advisor)
    record(account, "withdrawal", SESSIONS[2], amount=Decimal("300.00"))
    record(account, "fee", SESSIONS[3], amount=Decimal("12.25"))

    assert cash_of(account) == Decimal("690.25")
    assert list(Transaction.objects.filter(account=account).order_by("pk").values_list("amount", flat=True)) == [
        Decimal("1000.00"),
        Decimal("2.50"),
        Decimal("-300.00"),
        Decimal("-12.25"),
    ]
    event = AuditEvent.objects.get(action="ledger.interest")
    assert event.actor == advisor
    assert event.metadata["amount"] == "2.50"
    assert event.metadata["cash_after"] == "1002.50"


def test_buy_takes_cash_and_opens_a_lot_at_cost_with_fees(account, acme):
    """A buy costs quantity x price + fees (to the cent) and opens one lot and the position at that cost."""
    deposit(account, "10000.00")

    tx = buy(account, acme, "10.5", "101.123457", SESSIONS[1], fees="1.00")

    cost = to_cash(Decimal("10.5") * Decimal("101.123457") + 1)
    assert tx.amount == -cost
    assert cash_of(account) == Decimal("10000.00") - cost
    lot = Lot.objects.get(account=account)
    assert (lot.quantity, lot.remaining_quantity, lot.cost_basis, lot.acquired_on) == (
        Decimal("10.5"),
        Decimal("10.5"),
        cost,
        SESSIONS[1],
    )
    position = position_of(account, acme)
    assert (position.quantity, position.cost_basis) == (Decimal("10.5"), cost)


def test_buy_by_symbol_resolves_the_instrument(account, acme):
    """The instrument may be given as its symbol (imports and the API do), case-insensitively."""
    deposit(account, "100.00")

    tx = record(account, "buy", SESSIONS[1], instrument="acme", quantity=Decimal("1"), price=Decimal("10"))

    assert tx.instrument == acme


def test_sell_adds_net_proceeds_and_realises_gain(account, acme):
    """A sell adds quantity x price - fees to cash and records the realised gain against the lot's cost."""
    deposit(account, "1000.00")
    buy(account, acme, "10", "50", SESSIONS[1])

    tx = sell(account, acme, "4", "60", SESSIONS[2], fees="2.00")

    assert tx.amount == Decimal("238.00")
    assert cash_of(account) == Decimal("738.00")
    relief = tx.lot_reliefs.get()
    assert (relief.quantity, relief.proceeds, relief.cost_basis, relief.realized_gain, relief.term) == (
        Decimal("4"),
        Decimal("238.00"),
        Decimal("200.00"),
        Decimal("38.00"),
        "short",
    )
    position = position_of(account, acme)
    assert (position.quantity, position.cost_basis) == (Decimal("6"), Decimal("300.00"))


def test_selling_everything_removes_the_position(account, acme):
    """With no open lots left the position row goes away; the closed lot stays with zero remaining."""
    deposit(account, "1000.00")
    buy(account, acme, "3", "10", SESSIONS[1])

    sell(account, acme, "3", "11", SESSIONS[2])

    assert position_of(account, acme) is None
    lot = Lot.objects.get(account=account)
    assert (lot.remaining_quantity, lot.cost_basis, lot.is_open) == (0, 0, False)


def test_dividend_adds_cash_and_leaves_lots(account, acme):
    """A dividend names its instrument and only moves cash."""
    deposit(account, "100.00")
    buy(account, acme, "1", "50", SESSIONS[1])

    record(account, "dividend", SESSIONS[2], instrument=acme, amount=Decimal("0.75"))

    assert cash_of(account) == Decimal("50.75")
    assert position_of(account, acme).cost_basis == Decimal("50.00")


def test_transfer_in_opens_a_lot_with_its_own_basis_and_date(account, acme):
    """Shares transferred in keep the basis and acquisition date they arrive with; cash does not move."""
    record(
        account,
        "transfer_in",
        SESSIONS[5],
        instrument=acme,
        quantity=Decimal("20"),
        cost_basis=Decimal("1234.56"),
        acquired_on=dt.date(2015, 6, 1),
    )

    lot = Lot.objects.get(account=account)
    assert (lot.acquired_on, lot.cost_basis, lot.remaining_quantity) == (
        dt.date(2015, 6, 1),
        Decimal("1234.56"),
        Decimal("20"),
    )
    assert cash_of(account) == 0
    assert position_of(account, acme).quantity == 20


def test_transfer_out_relieves_lots_at_cost_without_gain_or_cash(account, acme):
    """A transfer out closes lots like a sell, but its reliefs carry proceeds equal to cost: no gain, no cash."""
    deposit(account, "1000.00")
    buy(account, acme, "10", "30", SESSIONS[1])

    tx = record(account, "transfer_out", SESSIONS[2], instrument=acme, quantity=Decimal("4"))

    relief = tx.lot_reliefs.get()
    assert (relief.proceeds, relief.cost_basis, relief.realized_gain) == (
        Decimal("120.00"),
        Decimal("120.00"),
        Decimal("0.00"),
    )
    assert cash_of(account) == Decimal("700.00")
    assert position_of(account, acme).quantity == 6


def test_every_kind_leaves_the_ledger_consistent(account, acme):
    """After one of each kind, the replay of the transactions equals the stored state exactly."""
    deposit(account, "5000.00")
    buy(account, acme, "10", "100", SESSIONS[1], fees="1.00")
    record(account, "dividend", SESSIONS[2], instrument=acme, amount=Decimal("5.00"))
    record(account, "split", SESSIONS[3], instrument=acme, split_numerator=3, split_denominator=2)
    sell(account, acme, "4", "70", SESSIONS[4], fees="0.50")
    record(account, "transfer_out", SESSIONS[5], instrument=acme, quantity=Decimal("1"))
    record(account, "fee", SESSIONS[6], amount=Decimal("10.00"))
    record(account, "interest", SESSIONS[6], amount=Decimal("0.10"))
    record(account, "withdrawal", SESSIONS[7], amount=Decimal("100.00"))

    assert check_account(account) == []


# --- refusals: a clear code and field, and nothing written -------------------------------------


@pytest.mark.parametrize("quantity", ["0", "-1", "0.000000001"])
def test_buy_refuses_zero_negative_or_too_precise_quantities(account, acme, quantity):
    """Quantities must be positive with at most 8 decimals."""
    deposit(account, "1000.00")
    refused(account, "invalid_quantity", "quantity", lambda: buy(account, acme, quantity, "10", SESSIONS[1]))


@pytest.mark.parametrize("price", ["0", "-5", "1.0000001"])
def test_trades_refuse_price_at_or_below_zero(account, acme, price):
    """Prices must be positive with at most 6 decimals, for buys and sells alike."""
    deposit(account, "1000.00")
    buy(account, acme, "1", "10", SESSIONS[1])
    refused(account, "invalid_price", "price", lambda: buy(account, acme, "1", price, SESSIONS[2]))
    refused(account, "invalid_price", "price", lambda: sell(account, acme, "1", price, SESSIONS[2]))


def test_missing_quantity_and_price_are_both_reported(account, acme):
    """All field problems come back at once; the code is the first one's."""
    error = refused(account, "invalid_quantity", None, lambda: record(account, "buy", SESSIONS[1], instrument=acme))
    assert set(error.fields) == {"quantity", "price"}


def test_sell_beyond_holdings_is_refused(account, acme):
    """Selling more shares than the open lots hold is insufficient_quantity on quantity."""
    deposit(account, "1000.00")
    buy(account, acme, "5", "10", SESSIONS[1])
    refused(account, "insufficient_quantity", "quantity", lambda: sell(account, acme, "5.00000001", "10", SESSIONS[2]))
    refused(
        account,
        "insufficient_quantity",
        "quantity",
        lambda: record(account, "transfer_out", SESSIONS[2], instrument=acme, quantity=Decimal("6")),
    )


def test_sell_of_a_security_never_held_is_refused(account, acme):
    """No lots at all is the same refusal as too few."""
    refused(account, "insufficient_quantity", "quantity", lambda: sell(account, acme, "1", "10", SESSIONS[1]))


def test_unknown_and_inactive_instruments_are_refused(account):
    """An unknown symbol or a delisted instrument is a field error on instrument."""
    deposit(account, "1000.00")
    refused(account, "unknown_instrument", "instrument", lambda: buy(account, "NOPE", "1", "10", SESSIONS[1]))
    gone = InstrumentFactory(symbol="GONE", is_active=False)
    refused(account, "inactive_instrument", "instrument", lambda: buy(account, gone, "1", "10", SESSIONS[1]))
    refused(account, "instrument_required", "instrument", lambda: buy(account, None, "1", "10", SESSIONS[1]))


@pytest.mark.parametrize("day", [SATURDAY, GOOD_FRIDAY, dt.date(1980, 1, 2)])
def test_trades_on_non_sessions_are_refused(account, acme, day):
    """Weekends, exchange holidays (Good Friday) and dates before the calendar are not sessions."""
    deposit(account, "1000.00", day=dt.date(1979, 1, 2))
    refused(account, "not_a_session", "trade_date", lambda: buy(account, acme, "1", "10", day))


def test_cash_movements_may_fall_on_non_sessions(account):
    """A deposit is not an exchange event: a Saturday is fine."""
    deposit(account, "10.00", day=SATURDAY)
    assert cash_of(account) == Decimal("10.00")


def test_future_dates_are_refused(account):
    """Nothing is recorded ahead of today."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    refused(account, "future_date", "trade_date", lambda: deposit(account, "10.00", day=tomorrow))


@pytest.mark.parametrize("amount", ["0", "-10", "1.001", None])
def test_cash_kinds_need_a_positive_amount_in_cents(account, amount):
    """The amount is given positive; the kind gives the sign."""
    refused(
        account,
        "invalid_amount",
        "amount",
        lambda: record(account, "deposit", SESSIONS[0], amount=None if amount is None else Decimal(amount)),
    )


def test_withdrawal_or_fee_beyond_cash_is_refused(account):
    """No negative cash: no margin, no overdraft."""
    deposit(account, "100.00")
    refused(
        account,
        "insufficient_cash",
        "amount",
        lambda: record(account, "withdrawal", SESSIONS[1], amount=Decimal("100.01")),
    )
    refused(
        account, "insufficient_cash", "amount", lambda: record(account, "fee", SESSIONS[1], amount=Decimal("100.01"))
    )


def test_buy_beyond_cash_is_refused(account, acme):
    """A buy whose cost with fees exceeds cash is refused, even by one cent of fees."""
    deposit(account, "100.00")
    refused(account, "insufficient_cash", "quantity", lambda: buy(account, acme, "10", "10", SESSIONS[1], fees="0.01"))


def test_duplicate_external_id_is_refused(account):
    """An external id already recorded in the account is a duplicate; another account may reuse it."""
    record(account, "deposit", SESSIONS[0], amount=Decimal("10.00"), external_id="bank-1")
    refused(
        account,
        "duplicate",
        "external_id",
        lambda: record(account, "deposit", SESSIONS[1], amount=Decimal("10.00"), external_id="bank-1"),
    )
    other = account_of(account.client.household.advisor)
    record(other, "deposit", SESSIONS[0], amount=Decimal("10.00"), external_id="bank-1")


def test_split_needs_positive_whole_ratio_and_a_holding(account, acme):
    """A split's ratio is two positive whole numbers that differ, and there must be shares to split."""
    refused(
        account,
        "no_position",
        "instrument",
        lambda: record(account, "split", SESSIONS[1], instrument=acme, split_numerator=2, split_denominator=1),
    )
    deposit(account, "100.00")
    buy(account, acme, "1", "10", SESSIONS[1])
    for numerator, denominator in ((0, 1), (2, -1), (1, 1), (None, 2)):
        refused(
            account,
            "invalid_split",
            None,
            lambda n=numerator, d=denominator: record(
                account, "split", SESSIONS[2], instrument=acme, split_numerator=n, split_denominator=d
            ),
        )


def test_fees_are_non_negative_and_only_on_trades(account, acme):
    """Negative fees, fees on a deposit, and fees above a sale's proceeds are refused."""
    deposit(account, "100.00")
    refused(account, "invalid_fees", "fees", lambda: buy(account, acme, "1", "10", SESSIONS[1], fees="-1"))
    refused(
        account,
        "invalid_fees",
        "fees",
        lambda: record(account, "deposit", SESSIONS[1], amount=Decimal("1"), fees=Decimal("1")),
    )
    buy(account, acme, "1", "10", SESSIONS[1])
    refused(account, "invalid_fees", "fees", lambda: sell(account, acme, "1", "10", SESSIONS[2], fees="10.01"))


def test_transfer_in_needs_basis_and_an_earlier_acquisition(account, acme):
    """Cost basis is required and non-negative; the acquisition date cannot follow the transfer."""
    refused(
        account,
        "invalid_cost_basis",
        "cost_basis",
        lambda: record(
            account, "transfer_in", SESSIONS[1], instrument=acme, quantity=Decimal("1"), acquired_on=SESSIONS[0]
        ),
    )
    refused(
        account,
        "invalid_acquired_on",
        "acquired_on",
        lambda: record(
            account,
            "transfer_in",
            SESSIONS[1],
            instrument=acme,
            quantity=Decimal("1"),
            cost_basis=Decimal("5"),
            acquired_on=SESSIONS[2],
        ),
    )


def test_unknown_kind_is_refused(account):
    """Only the ledger's kinds exist."""
    refused(account, "invalid_kind", "kind", lambda: record(account, "gift", SESSIONS[0], amount=Decimal("1")))


def test_roles_without_manage_book_cannot_record(account, compliance_officer):
    """Compliance reads the ledger but cannot write to it."""
    refused(
        account,
        "forbidden",
        None,
        lambda: record(account, "deposit", SESSIONS[0], amount=Decimal("1"), actor=compliance_officer),
    )


def test_an_advisor_cannot_record_in_another_book(account, firm):
    """An account outside the actor's book is not found, as everywhere else."""
    stranger = AdvisorFactory(firm=firm)
    refused(
        account, "not_found", None, lambda: record(account, "deposit", SESSIONS[0], amount=Decimal("1"), actor=stranger)
    )


def test_closed_accounts_take_no_transactions(advisor):
    """An inactive account is refused."""
    closed = account_of(advisor, is_active=False)
    refused(closed, "inactive_account", None, lambda: deposit(closed, "1.00"))


# --- backdating --------------------------------------------------------------------------------


def test_backdated_trades_are_refused(account, acme):
    """A buy, sell, split or transfer dated before the latest transaction would rewrite later reliefs."""
    deposit(account, "1000.00")
    buy(account, acme, "2", "10", SESSIONS[5])
    refused(account, "backdated", "trade_date", lambda: buy(account, acme, "1", "10", SESSIONS[4]))
    refused(account, "backdated", "trade_date", lambda: sell(account, acme, "1", "10", SESSIONS[4]))


def test_backdated_credits_are_accepted_and_replay_consistently(account, acme):
    """Adding cash earlier never invalidates what followed, so a late deposit or dividend is fine."""
    deposit(account, "100.00", day=SESSIONS[5])
    buy(account, acme, "1", "10", SESSIONS[6])

    record(account, "deposit", SESSIONS[2], amount=Decimal("5.00"))
    record(account, "dividend", SESSIONS[3], instrument=acme, amount=Decimal("1.00"))

    assert cash_of(account) == Decimal("96.00")
    assert check_account(account) == []


def test_backdated_debit_must_not_overdraw_any_later_point(account, acme):
    """A late fee is accepted only if cash stays non-negative at every later point of the replay."""
    deposit(account, "100.00", day=SESSIONS[1])
    record(account, "withdrawal", SESSIONS[3], amount=Decimal("90.00"))
    deposit(account, "500.00", day=SESSIONS[5])

    # Today's cash (510) would cover 20, but after the withdrawal on SESSIONS[3] there were only 10.
    refused(account, "insufficient_cash", "amount", lambda: record(account, "fee", SESSIONS[2], amount=Decimal("20")))
    record(account, "fee", SESSIONS[2], amount=Decimal("10.00"))

    assert cash_of(account) == Decimal("500.00")
    assert check_account(account) == []


def test_relief_method_in_force_is_stored_on_the_sell(account, acme):
    """Changing the account's default later cannot change how an earlier sell relieved its lots."""
    deposit(account, "1000.00")
    buy(account, acme, "1", "10", SESSIONS[1])
    buy(account, acme, "1", "20", SESSIONS[2])

    tx = sell(account, acme, "1", "30", SESSIONS[3])
    type(account).objects.filter(pk=account.pk).update(lot_relief_method="lifo")

    assert tx.lot_relief_method == "fifo"
    assert check_account(account) == []


# --- record_transactions -----------------------------------------------------------------------


def test_import_records_all_rows_in_order(account, acme):
    """Rows are applied in order, so a buy may spend the deposit of an earlier row."""
    rows = [
        {"kind": "deposit", "trade_date": SESSIONS[0], "amount": Decimal("100"), "external_id": "r1"},
        {"kind": "buy", "trade_date": SESSIONS[1], "instrument": "ACME", "quantity": "2", "price": "40"},
    ]

    recorded = record_transactions(account=account, rows=rows, actor=None)

    assert [tx.kind for tx in recorded] == ["deposit", "buy"]
    assert cash_of(account) == Decimal("20.00")


def test_import_with_any_bad_row_records_nothing_and_names_every_bad_row(account, acme):
    """One invalid_rows error lists each bad row's index and field errors; no row is written."""
    rows = [
        {"kind": "deposit", "trade_date": SESSIONS[0], "amount": Decimal("100"), "external_id": "r1"},
        {"kind": "buy", "trade_date": SATURDAY, "instrument": "ACME", "quantity": "1", "price": "10"},
        {"kind": "deposit", "trade_date": SESSIONS[1], "amount": Decimal("5"), "external_id": "r1"},
        {"kind": "buy", "trade_date": SESSIONS[2], "instrument": "NOPE", "quantity": "-1", "price": "10"},
        {"kind": "buy", "trade_date": SESSIONS[2], "instrument": "ACME", "quantity": "1", "price": "10"},
        {"kind": "deposit", "trade_date": SESSIONS[3], "amount": Decimal("1"), "colour": "red"},
    ]

    error = refused(
        account, "invalid_rows", "rows", lambda: record_transactions(account=account, rows=rows, actor=None)
    )

    assert [index for index, _ in error.row_errors] == [1, 2, 3, 5]
    assert error.fields["rows.1.trade_date"]
    assert error.fields["rows.2.external_id"]
    assert set(error.fields) >= {"rows.3.instrument", "rows.3.quantity"}
    assert len(error.fields["rows"]) == 4
    assert not AuditEvent.objects.filter(action__startswith="ledger.").exists()


# --- concurrency (PostgreSQL: SQLite serialises whole-database writes anyway) --------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sells_of_the_whole_position_one_wins(advisor, acme):
    """Two threads selling every share at once: the account lock makes exactly one succeed."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL.")
    account = account_of(advisor)
    deposit(account, "1000.00")
    buy(account, acme, "10", "10", SESSIONS[1])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sell_all() -> None:
        try:
            barrier.wait()
            sell(account, acme, "10", "12", SESSIONS[2])
            outcomes.append("sold")
        except PortfoliosError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sell_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["insufficient_quantity", "sold"]
    assert cash_of(account) == Decimal("1020.00")
    assert check_account(account) == []

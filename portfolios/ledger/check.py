"""Replay an account's transactions and compare the result with the stored lots, reliefs, positions and cash.

The replay runs ``apply_transaction`` — the service's own code — over the transactions in ledger
order (trade_date, id), starting from nothing. Whatever the stored state says beyond that is a
difference: a tampered row, a write that bypassed the service, or a bug.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from marketdata.models import Instrument

from ..choices import TransactionKind
from ..models import Account, Lot, LotRelief, Position, Transaction
from ..money import ZERO
from .apply import CASH_CREDIT_KINDS, CASH_DEBIT_KINDS, LedgerState, apply_transaction, cash_effect
from .lots import Relief, ReliefError

LOT_FIELDS = ("instrument_id", "acquired_on", "quantity", "remaining_quantity", "cost_basis")
RELIEF_FIELDS = ("quantity", "proceeds", "cost_basis", "realized_gain", "closed_on", "term")


@dataclass(frozen=True)
class Difference:
    account_id: int
    subject: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"account {self.account_id}: {self.subject}: ledger implies {self.expected}, stored {self.actual}"


@dataclass
class Replay:
    state: LedgerState
    # (transaction id, relief) in ledger order.
    reliefs: list[tuple[int, Relief]]
    # Transactions the ledger should never have accepted: (transaction id, reason).
    problems: list[tuple[int, str]]


def _amount_problem(tx) -> str:
    if tx.kind in (TransactionKind.BUY, TransactionKind.SELL):
        expected = cash_effect(tx.kind, quantity=tx.quantity, price=tx.price, fees=tx.fees)
        return "" if tx.amount == expected else f"amount {tx.amount} is not quantity * price -/+ fees ({expected})"
    if tx.kind in CASH_CREDIT_KINDS:
        return "" if tx.amount > 0 else f"a {tx.kind} must add cash, not {tx.amount}"
    if tx.kind in CASH_DEBIT_KINDS:
        return "" if tx.amount < 0 else f"a {tx.kind} must take cash, not {tx.amount}"
    return "" if tx.amount == 0 else f"a {tx.kind} moves no cash, not {tx.amount}"


def replay(transactions: Iterable, *, lot_pks: dict[int, int] | None = None) -> Replay:
    """Apply ``transactions`` (in ledger order) to an empty account.

    ``lot_pks`` maps an opening transaction's id to the id of the lot it created, so that
    specific-lot selections, which name lots by id, resolve.
    """
    result = Replay(state=LedgerState(lot_pks=dict(lot_pks or {})), reliefs=[], problems=[])
    for tx in transactions:
        problem = _amount_problem(tx)
        if problem:
            result.problems.append((tx.pk, problem))
        try:
            _, reliefs = apply_transaction(result.state, tx)
        except ReliefError as error:
            result.problems.append((tx.pk, f"{tx.kind} on {tx.trade_date} cannot apply: {error.message}"))
            continue
        result.reliefs.extend((tx.pk, relief) for relief in reliefs)
        if result.state.cash < 0:
            result.problems.append((tx.pk, f"cash is {result.state.cash} after {tx.kind} on {tx.trade_date}"))
    return result


def _compare_fields(account_id: int, subject: str, expected, actual, names) -> list[Difference]:
    return [
        Difference(account_id, f"{subject} {name}", getattr(expected, name), getattr(actual, name))
        for name in names
        if getattr(expected, name) != getattr(actual, name)
    ]


def check_account(account: Account) -> list[Difference]:
    """Every way the stored state of ``account`` differs from its replayed transactions."""
    pk = account.pk
    transactions = Transaction.objects.filter(account_id=pk).order_by("trade_date", "id")
    stored_lots = {lot.opening_transaction_id: lot for lot in Lot.objects.filter(account_id=pk)}
    result = replay(transactions.iterator(chunk_size=2000), lot_pks={k: lot.pk for k, lot in stored_lots.items()})
    state = result.state
    differences = [Difference(pk, f"transaction {tx_id}", "a valid entry", reason) for tx_id, reason in result.problems]

    cash = Account.objects.filter(pk=pk).values_list("cash", flat=True).get()
    if cash != state.cash:
        differences.append(Difference(pk, "cash", state.cash, cash))

    expected_positions = state.positions()
    stored_positions = {
        instrument_id: (quantity, cost)
        for instrument_id, quantity, cost in Position.objects.filter(account_id=pk).values_list(
            "instrument_id", "quantity", "cost_basis"
        )
    }
    instruments = set(expected_positions) | set(stored_positions)
    symbols = dict(Instrument.objects.filter(pk__in=instruments).values_list("pk", "symbol"))
    for instrument_id in sorted(instruments):
        expected = expected_positions.get(instrument_id, (ZERO, ZERO))
        stored = stored_positions.get(instrument_id)
        name = f"position {symbols.get(instrument_id, instrument_id)}"
        if stored is None:
            differences.append(Difference(pk, name, f"{expected[0]} shares costing {expected[1]}", "no position"))
            continue
        for label, want, have in (("quantity", expected[0], stored[0]), ("cost_basis", expected[1], stored[1])):
            if want != have:
                differences.append(Difference(pk, f"{name} {label}", want, have))

    for opened_by in sorted(set(state.lots) | set(stored_lots)):
        expected, stored = state.lots.get(opened_by), stored_lots.get(opened_by)
        if expected is None or stored is None:
            differences.append(
                Difference(pk, f"lot opened by transaction {opened_by}", expected and "a lot", stored and "a lot")
            )
            continue
        differences.extend(_compare_fields(pk, f"lot {stored.pk}", expected, stored, LOT_FIELDS))

    differences.extend(_compare_reliefs(pk, result.reliefs))
    return differences


def _compare_reliefs(account_id: int, replayed: list[tuple[int, Relief]]) -> list[Difference]:
    expected = {(tx_id, relief.lot.opened_by): relief for tx_id, relief in replayed}
    stored = {
        (relief.transaction_id, relief.lot.opening_transaction_id): relief
        for relief in LotRelief.objects.filter(lot__account_id=account_id).select_related("lot")
    }
    differences = []
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key), stored.get(key)
        subject = f"relief of lot opened by transaction {key[1]} by transaction {key[0]}"
        if want is None or have is None:
            differences.append(Difference(account_id, subject, want and "a relief", have and "a relief"))
            continue
        differences.extend(_compare_fields(account_id, subject, want, have, RELIEF_FIELDS))
    return differences

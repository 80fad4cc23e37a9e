"""A transaction's effect on an account's state: cash and lots, in memory.

``apply_transaction`` is what both the service (on the locked lots it loaded) and the replay
(on the whole history) run, so the two cannot disagree about what a transaction does.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import TransactionKind
from ..money import ZERO, to_cash
from .lots import LotState, Relief, ReliefError, relieve, split

# Kinds that move only cash: their signed amount is the whole effect.
CASH_CREDIT_KINDS = frozenset({TransactionKind.DEPOSIT, TransactionKind.INTEREST, TransactionKind.DIVIDEND})
CASH_DEBIT_KINDS = frozenset({TransactionKind.WITHDRAWAL, TransactionKind.FEE})
CASH_KINDS = CASH_CREDIT_KINDS | CASH_DEBIT_KINDS
INSTRUMENT_KINDS = frozenset(
    {
        TransactionKind.BUY,
        TransactionKind.SELL,
        TransactionKind.DIVIDEND,
        TransactionKind.SPLIT,
        TransactionKind.TRANSFER_IN,
        TransactionKind.TRANSFER_OUT,
    }
)
OPENING_KINDS = frozenset({TransactionKind.BUY, TransactionKind.TRANSFER_IN})
RELIEVING_KINDS = frozenset({TransactionKind.SELL, TransactionKind.TRANSFER_OUT})


def cash_effect(kind: str, *, quantity=None, price=None, fees=ZERO, amount=None) -> Decimal:
    """The signed change to cash. ``amount`` is the positive sum of a cash-only kind."""
    if kind in CASH_CREDIT_KINDS:
        return to_cash(amount)
    if kind in CASH_DEBIT_KINDS:
        return -to_cash(amount)
    if kind == TransactionKind.BUY:
        return -to_cash(quantity * price + fees)
    if kind == TransactionKind.SELL:
        return to_cash(quantity * price - fees)
    return ZERO


@dataclass
class LedgerState:
    """Cash and lots of one account (or, in the service, of one instrument of it)."""

    cash: Decimal = ZERO
    lots: dict[int, LotState] = field(default_factory=dict)
    # The database id of the lot each opening transaction created, so specific-lot selections
    # (which name lots by id) resolve during a replay.
    lot_pks: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, *, cash: Decimal, lots: Iterable[LotState]) -> "LedgerState":
        return cls(cash=cash, lots={lot.opened_by: lot for lot in lots})

    def lots_of(self, instrument_id: int) -> list[LotState]:
        return [lot for lot in self.lots.values() if lot.instrument_id == instrument_id]

    def positions(self) -> dict[int, tuple[Decimal, Decimal]]:
        """Quantity and cost of the open lots per instrument; instruments with none are absent."""
        totals: dict[int, tuple[Decimal, Decimal]] = {}
        for lot in self.lots.values():
            if lot.is_open:
                quantity, cost = totals.get(lot.instrument_id, (ZERO, ZERO))
                totals[lot.instrument_id] = (quantity + lot.remaining_quantity, cost + lot.cost_basis)
        return totals


def apply_transaction(state: LedgerState, tx) -> tuple[LotState | None, list[Relief]]:
    """Apply ``tx`` (a saved Transaction, or anything with its attributes) to ``state``.

    Returns the lot it opened, if any, and the reliefs it made. Raises ReliefError, leaving
    ``state`` unchanged, when a sell or transfer out names shares the state does not hold or a
    split would round a lot away. Cash may go negative here; the caller decides whether that is
    refused (the service) or reported (the replay).
    """
    opened = None
    reliefs: list[Relief] = []
    if tx.kind in OPENING_KINDS:
        cost = -tx.amount if tx.kind == TransactionKind.BUY else tx.cost_basis
        acquired_on = tx.trade_date if tx.kind == TransactionKind.BUY else tx.acquired_on
        opened = LotState(
            opened_by=tx.id,
            instrument_id=tx.instrument_id,
            acquired_on=acquired_on,
            quantity=tx.quantity,
            remaining_quantity=tx.quantity,
            cost_basis=cost,
            pk=state.lot_pks.get(tx.id),
            changed=True,
        )
        state.lots[tx.id] = opened
    elif tx.kind in RELIEVING_KINDS:
        reliefs = relieve(
            state.lots_of(tx.instrument_id),
            quantity=tx.quantity,
            method=tx.lot_relief_method,
            closed_on=tx.trade_date,
            proceeds=tx.amount if tx.kind == TransactionKind.SELL else None,
            selection=tx.lot_selection,
        )
    elif tx.kind == TransactionKind.SPLIT:
        split(state.lots_of(tx.instrument_id), numerator=tx.split_numerator, denominator=tx.split_denominator)
    state.cash += tx.amount
    return opened, reliefs


__all__ = ["LedgerState", "ReliefError", "apply_transaction", "cash_effect"]

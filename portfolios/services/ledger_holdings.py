"""The stored form of one instrument's holding in an account: its position row and its lots.

``ledger`` decides what a transaction does (``portfolios.ledger.apply``); these functions lock what it
will change, in the ledger's lock order (the position, then the open lots by primary key, after the
account), and write the outcome back. A position is always the sum of its open lots.
"""

from ..ledger.apply import LedgerState
from ..ledger.lots import LotState
from ..models import Account, Lot, LotRelief, Position
from ..money import ZERO


def lock_position(account: Account, instrument) -> Position | None:
    return Position.objects.select_for_update().filter(account=account, instrument=instrument).first()


def lock_holding(account: Account, instrument) -> dict[int, Lot]:
    """Lock the position, then the open lots, of one instrument in pk order; return the lots by pk."""
    lock_position(account, instrument)
    open_lots = Lot.objects.select_for_update().filter(account=account, instrument=instrument, remaining_quantity__gt=0)
    return {lot.pk: lot for lot in open_lots.order_by("pk")}


def state_of(lot: Lot) -> LotState:
    return LotState(
        opened_by=lot.opening_transaction_id,
        instrument_id=lot.instrument_id,
        acquired_on=lot.acquired_on,
        quantity=lot.quantity,
        remaining_quantity=lot.remaining_quantity,
        cost_basis=lot.cost_basis,
        pk=lot.pk,
    )


def save_lots(account, tx, state: LedgerState, lots: dict[int, Lot], opened, reliefs) -> None:
    if opened is not None:
        lot = Lot.objects.create(
            account=account,
            instrument_id=opened.instrument_id,
            opening_transaction=tx,
            acquired_on=opened.acquired_on,
            quantity=opened.quantity,
            remaining_quantity=opened.remaining_quantity,
            cost_basis=opened.cost_basis,
        )
        opened.pk = lot.pk
    for lot_state in state.lots.values():
        if lot_state is opened or not lot_state.changed:
            continue
        lot = lots[lot_state.pk]
        lot.quantity = lot_state.quantity
        lot.remaining_quantity = lot_state.remaining_quantity
        lot.cost_basis = lot_state.cost_basis
        lot.save(update_fields=["quantity", "remaining_quantity", "cost_basis"])
    LotRelief.objects.bulk_create(
        LotRelief(
            lot_id=relief.lot.pk,
            transaction=tx,
            quantity=relief.quantity,
            proceeds=relief.proceeds,
            cost_basis=relief.cost_basis,
            realized_gain=relief.realized_gain,
            closed_on=relief.closed_on,
            term=relief.term,
        )
        for relief in reliefs
    )


def add_to_position(account: Account, instrument, position: Position | None, opened: LotState) -> None:
    """The position (the sum of the open lots) with the lot an opening just added."""
    if position is None:
        Position.objects.create(
            account=account, instrument=instrument, quantity=opened.quantity, cost_basis=opened.cost_basis
        )
        return
    position.quantity += opened.quantity
    position.cost_basis += opened.cost_basis
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])


def save_position(account: Account, instrument, state: LedgerState) -> None:
    quantity, cost = state.positions().get(instrument.pk, (ZERO, ZERO))
    position = Position.objects.filter(account=account, instrument=instrument).first()
    if quantity == 0:
        # A position is the sum of open lots: with none left it no longer exists.
        if position is not None:
            position.delete()
        return
    if position is None:
        Position.objects.create(account=account, instrument=instrument, quantity=quantity, cost_basis=cost)
        return
    position.quantity, position.cost_basis = quantity, cost
    position.save(update_fields=["quantity", "cost_basis", "updated_at"])

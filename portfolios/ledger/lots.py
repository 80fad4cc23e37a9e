"""Tax-lot relief and splits on plain dataclasses: the one implementation the service and the replay use.

Rounding rules that keep the ledger exact to the cent:
- a partial relief takes cost in proportion to quantity, rounded to the cent; the relief that
  empties a lot takes the lot's whole remaining cost, so no cent is ever left behind;
- a sell's net proceeds are split across its reliefs in proportion to quantity and the last relief
  takes the remainder, so the reliefs' proceeds add up to the cash the sell brought in.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import HoldingTerm, LotReliefMethod
from ..money import ZERO, to_cash, to_quantity


class ReliefError(ValueError):
    """The requested relief is impossible; ``field`` names the input to blame."""

    def __init__(self, code: str, field_name: str, message: str):
        super().__init__(message)
        self.code = code
        self.field = field_name
        self.message = message


@dataclass
class LotState:
    """A lot in memory. ``opened_by`` (the opening transaction's id) breaks ties between equal dates."""

    opened_by: int
    instrument_id: int
    acquired_on: dt.date
    quantity: Decimal
    remaining_quantity: Decimal
    cost_basis: Decimal
    pk: int | None = None
    changed: bool = field(default=False, compare=False)

    @property
    def is_open(self) -> bool:
        return self.remaining_quantity > 0

    @property
    def cost_per_share(self) -> Decimal:
        return self.cost_basis / self.remaining_quantity


@dataclass(frozen=True)
class Relief:
    lot: LotState
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal
    realized_gain: Decimal
    closed_on: dt.date
    term: str


def one_year_after(day: dt.date) -> dt.date:
    # A lot bought on 29 February has its anniversary on 28 February of the next year.
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def holding_term(acquired_on: dt.date, closed_on: dt.date) -> str:
    """Long-term when held more than one year (IRS: sold after the anniversary of the purchase)."""
    return HoldingTerm.LONG if closed_on > one_year_after(acquired_on) else HoldingTerm.SHORT


def relief_order(lots: list[LotState], method: str) -> list[LotState]:
    """Open lots in the order ``method`` relieves them (specific selection has no order of its own)."""
    open_lots = [lot for lot in lots if lot.is_open]
    if method == LotReliefMethod.LIFO:
        return sorted(open_lots, key=lambda lot: (lot.acquired_on, lot.opened_by), reverse=True)
    if method == LotReliefMethod.HIGHEST_COST:
        return sorted(open_lots, key=lambda lot: (-lot.cost_per_share, lot.acquired_on, lot.opened_by))
    return sorted(open_lots, key=lambda lot: (lot.acquired_on, lot.opened_by))


def parse_selection(selection, lots: list[LotState], quantity: Decimal) -> list[tuple[LotState, Decimal]]:
    """Turn ``[{"lot": pk, "quantity": "10"}]`` into (lot, quantity) pairs, or raise ReliefError.

    Every named lot must be one of ``lots`` (the open lots of that instrument in that account),
    named once, with a quantity it still holds; the quantities must add up to ``quantity``.
    """
    if not isinstance(selection, list) or not selection:
        raise ReliefError("invalid_lot_selection", "lot_selection", "Name the lots to sell for specific-lot relief.")
    by_pk = {lot.pk: lot for lot in lots if lot.is_open}
    chosen: list[tuple[LotState, Decimal]] = []
    for entry in selection:
        try:
            pk = int(entry["lot"])
            wanted = Decimal(str(entry["quantity"]))
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise ReliefError(
                "invalid_lot_selection", "lot_selection", 'Each lot needs "lot" (an id) and "quantity".'
            ) from error
        lot = by_pk.get(pk)
        if lot is None or any(existing is lot for existing, _ in chosen):
            raise ReliefError(
                "invalid_lot_selection",
                "lot_selection",
                f"Lot {pk} is not an open lot of this holding, or is named twice.",
            )
        if not wanted.is_finite() or wanted <= 0 or wanted != to_quantity(wanted) or wanted > lot.remaining_quantity:
            raise ReliefError(
                "invalid_lot_selection",
                "lot_selection",
                f"Lot {pk} holds {lot.remaining_quantity}; choose a positive quantity no larger than that.",
            )
        chosen.append((lot, wanted))
    if sum((wanted for _, wanted in chosen), ZERO) != quantity:
        raise ReliefError("invalid_lot_selection", "lot_selection", f"The selected lots must add up to {quantity}.")
    return chosen


def plan(lots: list[LotState], *, quantity: Decimal, method: str, selection=None) -> list[tuple[LotState, Decimal]]:
    """Which lots give up how many shares, without changing anything."""
    if method == LotReliefMethod.SPECIFIC:
        return parse_selection(selection, lots, quantity)
    held = sum((lot.remaining_quantity for lot in lots if lot.is_open), ZERO)
    if quantity > held:
        raise ReliefError("insufficient_quantity", "quantity", f"Only {held} shares are held.")
    taken: list[tuple[LotState, Decimal]] = []
    left = quantity
    for lot in relief_order(lots, method):
        if left <= 0:
            break
        part = min(lot.remaining_quantity, left)
        taken.append((lot, part))
        left -= part
    return taken


def relieve(
    lots: list[LotState],
    *,
    quantity: Decimal,
    method: str,
    closed_on: dt.date,
    proceeds: Decimal | None,
    selection=None,
) -> list[Relief]:
    """Take ``quantity`` shares out of ``lots`` and return the reliefs, updating the lots in place.

    ``proceeds`` is the net cash of a sell; ``None`` for a transfer out, whose reliefs record
    proceeds equal to cost so that no gain is realised. Nothing changes if a ReliefError is raised.
    """
    taken = plan(lots, quantity=quantity, method=method, selection=selection)
    reliefs: list[Relief] = []
    proceeds_left = proceeds
    for index, (lot, part) in enumerate(taken):
        if part == lot.remaining_quantity:
            cost = lot.cost_basis
        else:
            cost = to_cash(lot.cost_basis * part / lot.remaining_quantity)
        if proceeds is None:
            part_proceeds = cost
        elif index == len(taken) - 1:
            part_proceeds = proceeds_left
        else:
            part_proceeds = to_cash(proceeds * part / quantity)
            proceeds_left -= part_proceeds
        reliefs.append(
            Relief(
                lot=lot,
                quantity=part,
                proceeds=part_proceeds,
                cost_basis=cost,
                realized_gain=part_proceeds - cost,
                closed_on=closed_on,
                term=holding_term(lot.acquired_on, closed_on),
            )
        )
        lot.remaining_quantity -= part
        lot.cost_basis -= cost
        lot.changed = True
    return reliefs


def split(lots: list[LotState], *, numerator: int, denominator: int) -> None:
    """Multiply every open lot's shares by numerator/denominator; cost and acquisition date stay.

    The result keeps 8 decimals: a reverse split's fractional residue stays as fractional shares
    (no cash in lieu; a broker's cash-in-lieu is recorded as a separate sell). A split that would
    round an open lot down to nothing is refused, since its cost would be left without shares.
    """
    for lot in lots:
        if lot.is_open and to_quantity(lot.remaining_quantity * numerator / denominator) <= 0:
            raise ReliefError(
                "invalid_split", "split_denominator", "This split would leave a lot with no shares at 8 decimals."
            )
    for lot in lots:
        if not lot.is_open:
            continue
        lot.quantity = to_quantity(lot.quantity * numerator / denominator)
        lot.remaining_quantity = to_quantity(lot.remaining_quantity * numerator / denominator)
        lot.changed = True

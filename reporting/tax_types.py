"""What the realised-gains report takes and gives: ledger reliefs and purchases in, rows, totals and
wash sales out. The rules that turn one into the other are in ``reporting.tax``."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from portfolios.choices import HoldingTerm
from portfolios.money import to_quantity

ONE = Decimal("1")


@dataclass(frozen=True)
class ReliefInput:
    """Part of a lot closed by a sale (``is_sale``) or a transfer out, as the ledger recorded it."""

    relief_id: int
    transaction_id: int
    account_id: int
    instrument_id: int
    symbol: str
    lot_id: int
    lot_acquired_on: dt.date
    closed_on: dt.date
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal
    term: str
    is_sale: bool = True
    taxable: bool = True
    # Today's share units per share sold: 2 when a 2-for-1 split came after the sale.
    units_per_share: Decimal = ONE

    @property
    def units(self) -> Decimal:
        return to_quantity(self.quantity * self.units_per_share)


@dataclass(frozen=True)
class PurchaseInput:
    """A lot opened by a buy: a possible replacement. ``quantity`` in today's share units."""

    lot_id: int
    transaction_id: int
    account_id: int
    instrument_id: int
    acquired_on: dt.date
    quantity: Decimal
    taxable: bool = True


@dataclass(frozen=True)
class WashSale:
    """Loss shares of one sale matched with replacement shares of one purchase."""

    sale_account_id: int
    relief_id: int
    symbol: str
    sold_on: dt.date
    quantity: Decimal  # shares as sold
    disallowed_loss: Decimal
    replacement_lot_id: int
    replacement_account_id: int
    replacement_acquired_on: dt.date
    # Added to the replacement's basis; zero when the replacement sits in an IRA (the loss is lost).
    basis_adjustment: Decimal
    holding_days_added: int


@dataclass(frozen=True)
class GainRow:
    account_id: int
    relief_id: int
    transaction_id: int
    lot_id: int
    instrument_id: int
    symbol: str
    acquired_on: dt.date  # effective: moved back when the shares replaced washed ones
    lot_acquired_on: dt.date
    sold_on: dt.date
    quantity: Decimal
    proceeds: Decimal
    cost_basis: Decimal  # the ledger's cost of these shares
    adjustment: Decimal  # wash-sale losses added to that cost
    gain: Decimal  # proceeds - (cost_basis + adjustment)
    disallowed_loss: Decimal  # positive: the part of a loss the wash-sale rule defers
    term: str
    taxable: bool
    wash_sales: tuple[WashSale, ...] = ()

    @property
    def adjusted_cost(self) -> Decimal:
        return self.cost_basis + self.adjustment

    @property
    def recognised_gain(self) -> Decimal:
        """What counts for the year: the gain, less the loss the wash-sale rule defers."""
        return self.gain + self.disallowed_loss


@dataclass(frozen=True)
class TermTotals:
    term: str
    rows: int
    proceeds: Decimal
    cost_basis: Decimal
    adjustment: Decimal
    gain: Decimal
    disallowed_loss: Decimal
    recognised_gain: Decimal

    @property
    def adjusted_cost(self) -> Decimal:
        return self.cost_basis + self.adjustment

    @property
    def label(self) -> str:
        return HoldingTerm(self.term).label if self.term in HoldingTerm.values else "Total"


@dataclass(frozen=True)
class RealisedGainsReport:
    year: int | None
    rows: tuple[GainRow, ...]
    totals: dict[str, TermTotals]  # "short", "long" (always present), and "all"
    # Wash sales of the year touching the reported accounts: as the loss sale or as the replacement.
    wash_sales: tuple[WashSale, ...]

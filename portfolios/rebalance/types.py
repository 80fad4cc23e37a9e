"""Plain values in and out of the rebalance engine: no ORM, so the engine is a pure function."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import LotReliefMethod

CASH_KEY = "CASH"


@dataclass(frozen=True)
class OpenLot:
    """The open part of one tax lot: ``quantity`` shares still held, costing ``cost_basis`` in total."""

    lot_id: int | None
    acquired_on: dt.date
    quantity: Decimal
    cost_basis: Decimal


@dataclass(frozen=True)
class Holding:
    instrument_id: int
    symbol: str
    asset_class: str
    quantity: Decimal
    # None when no close is known: the holding is then left alone and reported in the warnings.
    price: Decimal | None
    lots: tuple[OpenLot, ...] = ()


@dataclass(frozen=True)
class Target:
    """A model's target: an instrument's weight, or an asset class's weight (``instrument_id`` None)."""

    weight: Decimal
    instrument_id: int | None = None
    symbol: str = ""
    asset_class: str = ""


@dataclass(frozen=True)
class Bands:
    """Drift tolerance: absolute in weight points, relative as a fraction of the target. 0 = not used."""

    absolute: Decimal
    relative: Decimal


@dataclass(frozen=True)
class Parameters:
    mode: str
    min_trade: Decimal = Decimal("0")
    cash_buffer: Decimal = Decimal("0")
    fractional: bool = True
    tax_aware: bool = False
    raise_amount: Decimal = Decimal("0")
    commission: Decimal = Decimal("0")
    slippage_bps: Decimal = Decimal("5")
    # How lots are relieved when the proposal is not tax-aware (the account's own method).
    lot_order: str = LotReliefMethod.FIFO


@dataclass(frozen=True)
class RebalanceInput:
    as_of: dt.date
    cash: Decimal
    holdings: tuple[Holding, ...]
    targets: tuple[Target, ...]
    cash_weight: Decimal
    bands: Bands
    parameters: Parameters
    # Last closes of targeted instruments the account does not hold yet.
    prices: Mapping[int, Decimal] = field(default_factory=dict)
    taxable: bool = True
    # Instrument id -> the last day the account sold it at a loss (for the wash-sale rule).
    recent_loss_sales: Mapping[int, dt.date] = field(default_factory=dict)


@dataclass(frozen=True)
class LotSale:
    lot_id: int | None
    acquired_on: dt.date
    quantity: Decimal
    cost_basis: Decimal
    proceeds: Decimal
    gain: Decimal
    term: str


@dataclass(frozen=True)
class ProposedTrade:
    instrument_id: int
    symbol: str
    side: str
    quantity: Decimal
    price: Decimal
    notional: Decimal
    estimated_cost: Decimal
    reason: str
    lots: tuple[LotSale, ...] = ()
    short_term_gain: Decimal = Decimal("0.00")
    long_term_gain: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RebalanceResult:
    trades: tuple[ProposedTrade, ...]
    # Keyed by symbol, plus CASH_KEY; fractions of the account's total value.
    target_weights: dict[str, Decimal]
    before_weights: dict[str, Decimal]
    after_weights: dict[str, Decimal]
    total_value: Decimal
    cash_before: Decimal
    cash_after: Decimal
    estimated_cost: Decimal
    short_term_gain: Decimal
    long_term_gain: Decimal
    warnings: tuple[str, ...]

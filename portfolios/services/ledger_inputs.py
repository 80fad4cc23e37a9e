"""Checks on a ledger transaction's own inputs, before any row is locked: shape, signs, precision, dates.

Every problem is collected, so a form or an import row shows all its field errors at once; the
error's code is that of the first problem found.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from marketdata.calendar import is_session
from marketdata.models import Instrument

from ..choices import LotReliefMethod, TransactionKind
from ..errors import PortfoliosError
from ..ledger.apply import CASH_KINDS, INSTRUMENT_KINDS, OPENING_KINDS, RELIEVING_KINDS
from ..money import CENT, PRICE_STEP, QUANTITY_STEP, ZERO, has_more_places

# Kinds that happen on an exchange session: trades, corporate actions, security transfers.
SESSION_KINDS = frozenset(
    {
        TransactionKind.BUY,
        TransactionKind.SELL,
        TransactionKind.SPLIT,
        TransactionKind.TRANSFER_IN,
        TransactionKind.TRANSFER_OUT,
    }
)
TRADE_KINDS = frozenset({TransactionKind.BUY, TransactionKind.SELL})
QUANTITY_KINDS = OPENING_KINDS | RELIEVING_KINDS
DESCRIPTION_MAX = 300
EXTERNAL_ID_MAX = 100


@dataclass
class CleanTransaction:
    kind: str
    trade_date: dt.date
    instrument: Instrument | None
    quantity: Decimal | None
    price: Decimal | None
    fees: Decimal
    amount: Decimal | None
    cost_basis: Decimal | None
    acquired_on: dt.date | None
    split_numerator: int | None
    split_denominator: int | None
    lot_relief_method: str
    lot_selection: list
    description: str
    external_id: str


class _Problems:
    def __init__(self):
        self.code = ""
        self.fields: dict[str, list[str]] = {}

    def add(self, code: str, field: str, message: str) -> None:
        self.code = self.code or code
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise PortfoliosError(self.code, first, fields=self.fields)


def _decimal(value, field: str, problems: _Problems, code: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        # A float has already lost the decimal the user typed.
        value = str(value)
    try:
        number = Decimal(value) if isinstance(value, Decimal | int | str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        problems.add(code, field, "Enter a number.")
        return None
    return number


def _positive(value, field: str, problems: _Problems, code: str, step: Decimal, places: int) -> Decimal | None:
    number = _decimal(value, field, problems, code)
    if number is None:
        if value is None or value == "":
            problems.add(code, field, "This field is required.")
        return None
    if number <= 0:
        problems.add(code, field, "Enter a number greater than zero.")
    elif has_more_places(number, step):
        problems.add(code, field, f"Use at most {places} decimal places.")
    return number


def _instrument(value, problems: _Problems) -> Instrument | None:
    if isinstance(value, Instrument):
        instrument = value
    else:
        instrument = Instrument.objects.filter(symbol=str(value).strip().upper()).first()
        if instrument is None:
            problems.add("unknown_instrument", "instrument", f"Unknown symbol {str(value).strip()!r}.")
            return None
    if not instrument.is_active:
        problems.add("inactive_instrument", "instrument", f"{instrument.symbol} is no longer traded.")
    return instrument


def _selection(value, problems: _Problems) -> list:
    """The selection as stored (JSON): ``[{"lot": int, "quantity": "decimal string"}]``.

    Whether the lots exist, are open and add up is judged later, against the locked lots.
    """
    if not value:
        return []
    entries = value if isinstance(value, list | tuple) else None
    stored = []
    for entry in entries or [None]:
        try:
            quantity = Decimal(str(entry["quantity"]))
            stored.append({"lot": int(entry["lot"]), "quantity": str(quantity)})
        except (KeyError, TypeError, ValueError, ArithmeticError):
            problems.add("invalid_lot_selection", "lot_selection", 'Name each lot as {"lot": id, "quantity": "10"}.')
            return []
    return stored


def _check_trade_date(kind: str, trade_date, problems: _Problems) -> None:
    if not isinstance(trade_date, dt.date) or isinstance(trade_date, dt.datetime):
        problems.add("invalid_date", "trade_date", "Enter a date.")
        return
    if trade_date > timezone.localdate():
        problems.add("future_date", "trade_date", "The trade date cannot be in the future.")
    elif kind in SESSION_KINDS:
        try:
            session = is_session(trade_date)
        except ValueError:
            session = False
        if not session:
            problems.add("not_a_session", "trade_date", f"{trade_date} is not an NYSE trading day.")


def clean_transaction(
    *,
    kind,
    trade_date,
    instrument=None,
    quantity=None,
    price=None,
    fees=ZERO,
    amount=None,
    cost_basis=None,
    acquired_on=None,
    split_numerator=None,
    split_denominator=None,
    lot_relief_method="",
    lot_selection=None,
    description="",
    external_id="",
) -> CleanTransaction:
    """The inputs as the service stores them, or a PortfoliosError listing every field at fault."""
    problems = _Problems()
    if kind not in TransactionKind.values:
        problems.add("invalid_kind", "kind", "Choose a transaction kind.")
        problems.raise_if_any()
    _check_trade_date(kind, trade_date, problems)

    if instrument is None or instrument == "":
        if kind in INSTRUMENT_KINDS:
            problems.add("instrument_required", "instrument", "Choose the security.")
        instrument = None
    else:
        instrument = _instrument(instrument, problems)

    clean_quantity = clean_price = clean_amount = clean_cost = None
    if kind in QUANTITY_KINDS:
        clean_quantity = _positive(quantity, "quantity", problems, "invalid_quantity", QUANTITY_STEP, 8)
    if kind in TRADE_KINDS:
        clean_price = _positive(price, "price", problems, "invalid_price", PRICE_STEP, 6)
    clean_fees = _decimal(fees, "fees", problems, "invalid_fees") or ZERO
    if clean_fees < 0 or has_more_places(clean_fees, CENT):
        problems.add("invalid_fees", "fees", "Enter fees of zero or more, in cents.")
    elif clean_fees and kind not in TRADE_KINDS:
        problems.add("invalid_fees", "fees", "Only buys and sells carry fees; record a fee on its own.")
    elif (
        kind == TransactionKind.SELL
        and clean_quantity
        and clean_price
        and clean_quantity > 0
        and clean_price > 0
        and clean_fees > clean_quantity * clean_price
    ):
        problems.add("invalid_fees", "fees", "Fees cannot exceed the sale's proceeds.")
    if kind in CASH_KINDS:
        clean_amount = _positive(amount, "amount", problems, "invalid_amount", CENT, 2)
    if kind == TransactionKind.TRANSFER_IN:
        clean_cost = _decimal(cost_basis, "cost_basis", problems, "invalid_cost_basis")
        if clean_cost is None or clean_cost < 0 or has_more_places(clean_cost, CENT):
            problems.add("invalid_cost_basis", "cost_basis", "Enter the shares' cost basis (zero or more, in cents).")
        if not isinstance(acquired_on, dt.date) or isinstance(acquired_on, dt.datetime):
            problems.add("invalid_acquired_on", "acquired_on", "Enter the date the shares were first acquired.")
        elif isinstance(trade_date, dt.date) and acquired_on > trade_date:
            problems.add("invalid_acquired_on", "acquired_on", "The shares cannot be acquired after the transfer.")
    else:
        acquired_on = None
    if kind == TransactionKind.SPLIT:
        for name, value in (("split_numerator", split_numerator), ("split_denominator", split_denominator)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                problems.add("invalid_split", name, "Enter a whole number greater than zero.")
        if split_numerator == split_denominator and isinstance(split_numerator, int):
            problems.add("invalid_split", "split_numerator", "A split changes the number of shares.")
    else:
        split_numerator = split_denominator = None
    if kind in RELIEVING_KINDS:
        if lot_relief_method and lot_relief_method not in LotReliefMethod.values:
            problems.add("invalid_lot_relief_method", "lot_relief_method", "Choose a lot relief method.")
        lot_selection = _selection(lot_selection, problems)
    else:
        lot_relief_method, lot_selection = "", None
    if len(description or "") > DESCRIPTION_MAX:
        problems.add("too_long", "description", f"Use at most {DESCRIPTION_MAX} characters.")
    if len(external_id or "") > EXTERNAL_ID_MAX:
        problems.add("too_long", "external_id", f"Use at most {EXTERNAL_ID_MAX} characters.")
    problems.raise_if_any()
    return CleanTransaction(
        kind=kind,
        trade_date=trade_date,
        instrument=instrument,
        quantity=clean_quantity,
        price=clean_price,
        fees=clean_fees if kind in TRADE_KINDS else ZERO,
        amount=clean_amount,
        cost_basis=clean_cost,
        acquired_on=acquired_on,
        split_numerator=split_numerator,
        split_denominator=split_denominator,
        lot_relief_method=lot_relief_method or "",
        lot_selection=lot_selection or [],
        description=description or "",
        external_id=(external_id or "").strip(),
    )

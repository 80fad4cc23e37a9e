"""One row of a transactions CSV: its types and the rules its kind sets, checked apart from the file.

``parse_row`` judges a row by its own values only (with the instruments and sessions the file reader
looked up once for the whole file), and reports every problem of the row rather than the first, so one
upload lists all its fixes. What needs the other rows or the account (repeats, ids already imported)
is the file reader's, ``portfolios.csv_import``.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from marketdata import calendar
from marketdata.models import Instrument

from .choices import TransactionKind
from .csv_format import EXPORT_ONLY_COLUMNS, IMPORT_QUANTITY_KINDS, NOT_IMPORTABLE_KINDS, SYMBOL_KINDS
from .ledger.apply import CASH_DEBIT_KINDS, CASH_KINDS, cash_effect
from .models import Transaction
from .money import CENT, PRICE_STEP, QUANTITY_STEP, ZERO, has_more_places
from .services.ledger_inputs import SESSION_KINDS, TRADE_KINDS

_MAX_DIGITS = {"quantity": 24, "price": 20, "fees": 20, "amount": 20}
_STEPS = {"quantity": QUANTITY_STEP, "price": PRICE_STEP, "fees": CENT, "amount": CENT}
_PLACES = {"quantity": 8, "price": 6, "fees": 2, "amount": 2}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DESCRIPTION_LENGTH = Transaction._meta.get_field("description").max_length
_EXTERNAL_ID_LENGTH = Transaction._meta.get_field("external_id").max_length


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class ImportRow:
    """One valid row, in the keyword arguments ``record_transaction`` takes (less account and actor)."""

    line: int
    kind: str
    trade_date: dt.date
    instrument: Instrument | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fees: Decimal = ZERO
    amount: Decimal | None = None
    description: str = ""
    external_id: str = ""

    def as_kwargs(self) -> dict:
        return {
            "kind": self.kind,
            "trade_date": self.trade_date,
            "instrument": self.instrument,
            "quantity": self.quantity,
            "price": self.price,
            "fees": self.fees,
            "amount": self.amount,
            "description": self.description,
            "external_id": self.external_id,
        }


def parse_row(line: int, raw: dict[str, str], *, instruments, sessions, today) -> ImportRow | list[RowError]:
    """The row ready for the ledger, or every problem it has (a row without a kind always has one)."""
    found: list[RowError] = []

    def refuse(column: str, message: str) -> None:
        found.append(RowError(line, column, message))

    kind = raw["kind"].lower()
    if not kind:
        refuse("kind", "Give the kind of transaction.")
    elif kind not in TransactionKind.values:
        refuse("kind", f"“{raw['kind']}” is not a kind; use one of: {', '.join(TransactionKind.values)}.")
        kind = ""
    elif kind in NOT_IMPORTABLE_KINDS:
        refuse("kind", f"A {kind.replace('_', ' ')} cannot be imported from CSV; record it on the account page.")
        kind = ""

    trade_date = _parse_date(raw["date"], refuse)
    if trade_date is not None:
        if trade_date > today:
            refuse("date", "The date is in the future.")
        elif kind in SESSION_KINDS and trade_date not in sessions:
            refuse("date", f"{trade_date.isoformat()} is not a NYSE trading session (weekend or market holiday).")

    instrument = None
    symbol = raw["symbol"].upper()
    if kind in SYMBOL_KINDS:
        if not symbol:
            refuse("symbol", f"A {kind.replace('_', ' ')} needs a symbol.")
        elif symbol not in instruments:
            refuse("symbol", f"Unknown symbol “{raw['symbol']}”.")
        elif not instruments[symbol].is_active:
            refuse("symbol", f"{symbol} is no longer traded.")
        else:
            instrument = instruments[symbol]
    elif kind and symbol:
        refuse("symbol", f"A {kind} has no symbol; leave it empty.")

    numbers = {name: _parse_decimal(name, raw[name], refuse) for name in ("quantity", "price", "fees", "amount")}
    quantity, price, fees, amount = (numbers[name] for name in ("quantity", "price", "fees", "amount"))
    if kind in IMPORT_QUANTITY_KINDS:
        _require_positive("quantity", quantity, raw, refuse, what="quantity")
    elif kind and raw["quantity"]:
        refuse("quantity", f"A {kind} has no quantity; leave it empty.")
    if kind in TRADE_KINDS:
        _require_positive("price", price, raw, refuse, what="price")
        if fees is not None and fees < 0:
            refuse("fees", "Fees cannot be negative.")
    else:
        if kind and raw["price"]:
            refuse("price", f"A {kind.replace('_', ' ')} has no price; leave it empty.")
        if kind and fees:
            refuse("fees", f"A {kind.replace('_', ' ')} has no fees; put the amount in “amount” or use kind fee.")

    if kind in CASH_KINDS:
        amount = _cash_amount(kind, amount, raw, refuse)
    elif kind in TRADE_KINDS and amount is not None and quantity and price and quantity > 0 and price > 0:
        expected = cash_effect(kind, quantity=quantity, price=price, fees=fees or ZERO)
        if amount != expected:
            refuse("amount", f"The amount {amount} disagrees with quantity, price and fees ({expected}).")
    elif kind == TransactionKind.TRANSFER_OUT and amount:
        refuse("amount", "A transfer out moves securities, not cash; leave the amount empty.")

    description = raw["description"]
    if len(description) > _DESCRIPTION_LENGTH:
        refuse("description", f"The description is longer than {_DESCRIPTION_LENGTH} characters.")
    external_id = raw["external_id"]
    if len(external_id) > _EXTERNAL_ID_LENGTH:
        refuse("external_id", f"The external id is longer than {_EXTERNAL_ID_LENGTH} characters.")

    for column in EXPORT_ONLY_COLUMNS:
        if raw.get(column) and kind:
            refuse(column, "This column comes from the export and is not imported; leave it empty.")

    if found:
        return found
    return ImportRow(
        line=line,
        kind=kind,
        trade_date=trade_date,
        instrument=instrument,
        quantity=quantity if kind in IMPORT_QUANTITY_KINDS else None,
        price=price if kind in TRADE_KINDS else None,
        fees=(fees or ZERO) if kind in TRADE_KINDS else ZERO,
        amount=amount if kind in CASH_KINDS else None,
        description=description,
        external_id=external_id,
    )


def _parse_date(value: str, refuse) -> dt.date | None:
    if not value:
        refuse("date", "Give the date, as YYYY-MM-DD.")
        return None
    # fromisoformat alone would also take 20240102 and 2024-W01-2.
    try:
        day = dt.date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        refuse("date", f"“{value}” is not a date; write YYYY-MM-DD.")
        return None
    if day < dt.date.fromisoformat(calendar.FIRST_SESSION):
        refuse("date", f"Dates before {calendar.FIRST_SESSION} are outside the trading calendar.")
        return None
    return day


def _parse_decimal(column: str, value: str, refuse) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        refuse(column, f"“{value}” is not a number; use digits and a decimal point, no thousands separators.")
        return None
    if not number.is_finite():
        refuse(column, f"“{value}” is not a number.")
        return None
    if has_more_places(number, _STEPS[column]):
        refuse(column, f"{column.capitalize()} has more than {_PLACES[column]} decimal places.")
        return None
    integer_digits = _MAX_DIGITS[column] - _PLACES[column]
    if abs(number) >= Decimal(10) ** integer_digits:
        refuse(column, f"{column.capitalize()} is too large.")
        return None
    return number


def _require_positive(column: str, number, raw, refuse, *, what: str) -> None:
    if not raw[column]:
        refuse(column, f"Give the {what}.")
    elif number is not None and number <= 0:
        refuse(column, f"The {what} must be greater than zero.")


def _cash_amount(kind: str, amount: Decimal | None, raw, refuse) -> Decimal | None:
    """The amount as a positive sum: the kind, not the sign, says which way the cash goes."""
    if not raw["amount"]:
        refuse("amount", f"A {kind} needs an amount.")
        return None
    if amount is None:
        return None
    if amount == 0:
        refuse("amount", "The amount must not be zero.")
        return None
    if amount < 0 and kind not in CASH_DEBIT_KINDS:
        refuse("amount", f"A {kind} adds cash; write the amount without a minus sign.")
        return None
    return abs(amount)

"""The transactions CSV format: its columns, what each one holds, limits, and the template file.

Shared by the import (which checks files against it), the export (which writes it) and the pages
and API that describe it.
"""

import csv
import io

from .choices import TransactionKind
from .ledger.apply import INSTRUMENT_KINDS
from .services.ledger_inputs import QUANTITY_KINDS

# Splits need a ratio and transfers in a basis and holding period, which the columns do not carry.
NOT_IMPORTABLE_KINDS = frozenset({TransactionKind.SPLIT, TransactionKind.TRANSFER_IN})
COLUMNS = ("date", "kind", "symbol", "quantity", "price", "fees", "amount", "description", "external_id")
# Written by the transactions export for the kinds the import refuses; accepted (empty) so an
# exported file imports as it is.
EXPORT_ONLY_COLUMNS = ("split_ratio", "cost_basis", "acquired_on")
ALL_COLUMNS = (*COLUMNS, *EXPORT_ONLY_COLUMNS)
COLUMN_HELP = {
    "date": "Trade date, YYYY-MM-DD. Buys, sells and transfers out must fall on a NYSE trading session.",
    "kind": "One of: "
    + ", ".join(kind.value for kind in TransactionKind if kind not in NOT_IMPORTABLE_KINDS)
    + ". Splits and transfers in are recorded on the account page.",
    "symbol": "Ticker of a known instrument. Required for buy, sell, dividend and transfer_out; empty otherwise.",
    "quantity": "Shares, greater than zero (up to 8 decimals). Buy, sell and transfer_out only.",
    "price": "Price per share, greater than zero (up to 6 decimals). Buy and sell only.",
    "fees": "Commission, zero or more (cents). Buy and sell only; may be left empty.",
    "amount": (
        "Cash, in cents. Required for deposit, withdrawal, dividend, interest and fee; the kind sets the "
        "direction, so a withdrawal may be written 100 or -100. On a buy or sell it may be left empty or "
        "must equal the cash effect (-(quantity * price + fees) for a buy, quantity * price - fees for a sell)."
    ),
    "description": "Free text, up to 300 characters.",
    "external_id": "Your id for the row (the broker's), unique per account: a row whose id is already "
    "in the account is refused.",
}
TEMPLATE_ROWS = (
    ("2024-01-02", "deposit", "", "", "", "", "10000.00", "Opening deposit", "bank-0001"),
    ("2024-01-03", "buy", "AAPL", "10", "185.64", "1.00", "", "", "fill-0001"),
    ("2024-02-16", "dividend", "AAPL", "", "", "", "2.40", "Quarterly dividend", "div-0001"),
    ("2024-03-01", "sell", "AAPL", "4", "179.66", "1.00", "", "", "fill-0002"),
    ("2024-03-28", "fee", "", "", "", "", "25.00", "Advisory fee", "fee-0001"),
    ("2024-04-01", "withdrawal", "", "", "", "", "500.00", "", "bank-0002"),
)

MAX_BYTES = 5 * 1024 * 1024
# Below SQLite's 32,766 bound parameters, so the external-id lookup stays one query on every backend.
MAX_ROWS = 25_000
IMPORTABLE_KINDS = frozenset(TransactionKind) - NOT_IMPORTABLE_KINDS
SYMBOL_KINDS = INSTRUMENT_KINDS - NOT_IMPORTABLE_KINDS
IMPORT_QUANTITY_KINDS = QUANTITY_KINDS - NOT_IMPORTABLE_KINDS


def template_csv() -> str:
    """The downloadable example: the header and one row of each common kind."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()

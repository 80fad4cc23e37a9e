"""Reading a transactions CSV: the column set, what the file repeats, and each row through ``csv_rows``.

Everything here is checked before the ledger sees a single row, and every problem is reported with
its line number (the header is line 1) and column, so one upload shows the whole list of fixes.
The database is asked exactly twice whatever the file's length: once for the symbols, once for
external ids the account already holds. Ledger rules that depend on the account's state (selling
more than is held) are the ledger's to check; the import service merges its report into this one.
"""

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from marketdata import calendar
from marketdata.models import Instrument

from .csv_format import ALL_COLUMNS, COLUMNS, MAX_BYTES, MAX_ROWS
from .csv_rows import ImportRow, RowError, parse_row
from .models import Transaction
from .services.ledger_inputs import SESSION_KINDS


@dataclass
class ParsedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode(data: bytes) -> tuple[str | None, RowError | None]:
    """The file's text (UTF-8, with or without the BOM spreadsheets write), or why it cannot be read."""
    if len(data) > MAX_BYTES:
        return None, RowError(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, RowError(line, "", "The file is not UTF-8 text; save it as “CSV UTF-8”.")


def parse_transactions(text: str, *, account) -> ParsedFile:
    """Check every row of ``text`` for ``account``; valid rows come back ready for the ledger."""
    parsed = ParsedFile()
    reader = csv.reader(io.StringIO(text, newline=""))
    header, header_line = _read_header(reader, parsed)
    if header is None:
        return parsed

    raw_rows: list[tuple[int, dict[str, str]]] = []
    line = header_line
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                parsed.errors.append(
                    RowError(start, "", f"The row has {len(values)} values; the header has {len(header)} columns.")
                )
                continue
            raw_rows.append((start, {name: value.strip() for name, value in zip(header, values, strict=True)}))
            if len(raw_rows) > MAX_ROWS:
                parsed.errors.append(RowError(start, "", f"The file has more than {MAX_ROWS:,} rows; split it."))
                return parsed
    except csv.Error as error:
        parsed.errors.append(RowError(reader.line_num, "", f"The file is not valid CSV: {error}."))
        return parsed

    if not raw_rows:
        if not parsed.errors:
            parsed.errors.append(RowError(header_line, "", "The file has a header but no transactions."))
        return parsed

    instruments = _instruments_for(raw_rows)
    sessions = _sessions_for(raw_rows)
    today = timezone.localdate()
    for line_number, raw in raw_rows:
        row = parse_row(line_number, raw, instruments=instruments, sessions=sessions, today=today)
        if isinstance(row, list):
            parsed.errors.extend(row)
        else:
            parsed.rows.append(row)
    _check_repeats(raw_rows, parsed.errors)
    _check_existing_external_ids(raw_rows, account, parsed.errors)
    parsed.errors.sort(key=_report_order)
    if parsed.errors:
        parsed.rows = []
    return parsed


def _report_order(error: RowError) -> tuple[int, int]:
    return error.line, ALL_COLUMNS.index(error.column) if error.column in ALL_COLUMNS else -1


def _read_header(reader, parsed: ParsedFile) -> tuple[list[str] | None, int]:
    try:
        for values in reader:
            if any(value.strip() for value in values):
                break
        else:
            parsed.errors.append(RowError(1, "", "The file is empty: it needs a header row and transactions."))
            return None, 0
    except csv.Error as error:
        parsed.errors.append(RowError(reader.line_num, "", f"The file is not valid CSV: {error}."))
        return None, 0
    line = reader.line_num
    header = [value.strip().lower() for value in values]
    counts = Counter(header)
    problems = [RowError(line, name, "This column appears more than once.") for name, n in counts.items() if n > 1]
    problems += [
        RowError(line, name or "", f"Unknown column “{name}”; the columns are: {', '.join(COLUMNS)}.")
        for name in counts
        if name not in ALL_COLUMNS
    ]
    problems += [
        RowError(line, name, "This column is missing from the header.") for name in COLUMNS if name not in counts
    ]
    if problems:
        parsed.errors.extend(sorted(problems, key=_report_order))
        return None, line
    return header, line


def _instruments_for(raw_rows) -> dict[str, Instrument]:
    symbols = {raw["symbol"].upper() for _, raw in raw_rows if raw["symbol"]}
    if not symbols:
        return {}
    return {instrument.symbol: instrument for instrument in Instrument.objects.filter(symbol__in=symbols)}


def _sessions_for(raw_rows) -> frozenset[dt.date]:
    # One calendar slice for the whole file: asking the calendar row by row costs far more.
    dates = set()
    for _, raw in raw_rows:
        if raw["kind"].lower() in SESSION_KINDS:
            try:
                dates.add(dt.date.fromisoformat(raw["date"]))
            except ValueError:
                continue
    if not dates:
        return frozenset()
    return frozenset(calendar.sessions_in_range(min(dates), max(dates)))


def _check_repeats(raw_rows, errors: list[RowError]) -> None:
    """A file that repeats an external id, or a whole row without one, lists it twice by mistake."""
    first_by_id: dict[str, int] = {}
    first_by_row: dict[tuple, int] = {}
    for line, raw in raw_rows:
        external_id = raw["external_id"]
        if external_id:
            if external_id in first_by_id:
                errors.append(
                    RowError(
                        line, "external_id", f"External id “{external_id}” repeats line {first_by_id[external_id]}."
                    )
                )
            else:
                first_by_id[external_id] = line
            continue
        key = tuple(raw[name].lower() if name in ("kind", "symbol") else raw[name] for name in COLUMNS)
        if key in first_by_row:
            errors.append(
                RowError(
                    line,
                    "",
                    f"This row repeats line {first_by_row[key]} exactly; if both are real, "
                    "give each a distinct external_id.",
                )
            )
        else:
            first_by_row[key] = line


def _check_existing_external_ids(raw_rows, account, errors: list[RowError]) -> None:
    lines_by_id: dict[str, int] = {}
    for line, raw in raw_rows:
        if raw["external_id"]:
            lines_by_id.setdefault(raw["external_id"], line)
    if not lines_by_id:
        return
    existing = Transaction.objects.filter(account=account, external_id__in=list(lines_by_id)).values_list(
        "external_id", flat=True
    )
    for external_id in existing:
        errors.append(
            RowError(
                lines_by_id[external_id],
                "external_id",
                f"External id “{external_id}” is already in this account: this row was imported before.",
            )
        )

"""Importing a CSV file of transactions into an account: all of it, or nothing and a report.

The file is read and checked in full first (``portfolios.csv_import``); only a file without a
single problem reaches the ledger, which records its rows in one transaction and reports the rows
its own rules refuse (a sell of more than is held, cash that would go negative). Those come back
in the same report, by line number, and nothing is written. A file imported once into an account
is refused the second time: its SHA-256 is kept in the audit event of the first import.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from django.db import transaction

from accounts.roles import Capability, has_capability
from compliance.models import AuditEvent
from compliance.services import record_event

from ..csv_import import ImportRow, RowError, decode, parse_transactions
from ..errors import PortfoliosError
from ..models import Account, Transaction
from .ledger import record_transactions

IMPORTED_ACTION = "transactions.imported"
# The ledger names a row's fields after record_transaction's arguments; the report names columns.
_LEDGER_FIELD_COLUMNS = {"trade_date": "date", "instrument": "symbol"}
_REPORTED_LEDGER_FIELDS = frozenset({"kind", "quantity", "price", "fees", "amount", "description", "external_id"})


@dataclass(frozen=True)
class ImportResult:
    account: Account
    transactions: list[Transaction]
    file_name: str
    sha256: str
    kinds: dict[str, int]

    @property
    def row_count(self) -> int:
        return len(self.transactions)


def import_transactions_csv(*, account: Account, file, actor) -> ImportResult:
    """Record every row of ``file`` (an upload or any binary file object) in ``account``.

    Raises PortfoliosError ``invalid_rows`` with ``fields["rows"]`` a list of
    ``{"line", "column", "message"}`` when anything is wrong, ``duplicate_import`` when this very
    file was imported into the account before, and leaves the ledger untouched in both cases.
    ``actor=None`` is the system (the management command).
    """
    _check_actor(actor, account)
    data = _read(file)
    file_name = PurePath(getattr(file, "name", "") or "").name
    digest = hashlib.sha256(data).hexdigest()
    text, problem = decode(data)
    if problem is not None:
        raise _invalid([problem])

    with transaction.atomic():
        # Concurrent imports into one account queue here, so the checks below see each other's rows.
        account = Account.objects.select_for_update(of=("self",)).select_related("client__household").get(pk=account.pk)
        _refuse_repeated_file(account, digest)
        parsed = parse_transactions(text, account=account)
        if parsed.errors:
            raise _invalid(parsed.errors)
        # The ledger refuses back-dated trades, so rows go in date order; a day's rows keep the file's order.
        rows = sorted(parsed.rows, key=lambda row: row.trade_date)
        try:
            recorded = record_transactions(account=account, rows=[row.as_kwargs() for row in rows], actor=actor)
        except PortfoliosError as error:
            if error.code != "invalid_rows":
                raise
            raise _invalid(_ledger_problems(error, rows)) from error
        kinds = dict(sorted(Counter(entry.kind for entry in recorded).items()))
        record_event(
            action=IMPORTED_ACTION,
            actor=actor,
            target=account,
            firm_id=account.client.household.firm_id,
            metadata={"file_name": file_name, "rows": len(recorded), "sha256": digest, "kinds": kinds},
        )
    return ImportResult(account=account, transactions=recorded, file_name=file_name, sha256=digest, kinds=kinds)


def _check_actor(actor, account: Account) -> None:
    if actor is None:
        return
    if not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot import transactions.")
    from ..selectors import accounts_visible_to

    if not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise PortfoliosError("not_found", "No such account.")


def _read(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        return b"".join(file.chunks())
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def _refuse_repeated_file(account: Account, digest: str) -> None:
    earlier = (
        AuditEvent.objects.filter(
            object_type=account._meta.label_lower,
            object_id=str(account.pk),
            action=IMPORTED_ACTION,
            metadata__sha256=digest,
        )
        .order_by("sequence")
        .first()
    )
    if earlier is None:
        return
    who = f" by {earlier.actor_label}" if earlier.actor_label else ""
    message = (
        f"This file was already imported into this account on {earlier.occurred_at:%Y-%m-%d %H:%M %Z}{who} "
        f"({earlier.metadata.get('rows', 0)} transactions); nothing was imported again."
    )
    raise PortfoliosError("duplicate_import", message, fields={"file": [message]})


def _invalid(problems: list[RowError]) -> PortfoliosError:
    count = len({problem.line for problem in problems})
    noun = "line has" if count == 1 else "lines have"
    return PortfoliosError(
        "invalid_rows",
        f"{count} {noun} problems; nothing was imported.",
        fields={"rows": [problem.as_dict() for problem in problems]},
    )


def _ledger_problems(error: PortfoliosError, rows: list[ImportRow]) -> list[RowError]:
    """The ledger's per-row refusals, located by the line each row came from."""
    problems = []
    for index, row_error in getattr(error, "row_errors", []):
        line = rows[index].line
        located = [
            RowError(line, _column_for(name), message)
            for name, messages in row_error.fields.items()
            for message in messages
        ]
        problems.extend(located or [RowError(line, "", row_error.message)])
    if not problems:
        problems.append(RowError(0, "", error.message))
    return sorted(problems, key=lambda problem: problem.line)


def _column_for(ledger_field: str) -> str:
    if ledger_field in _LEDGER_FIELD_COLUMNS:
        return _LEDGER_FIELD_COLUMNS[ledger_field]
    return ledger_field if ledger_field in _REPORTED_LEDGER_FIELDS else ""

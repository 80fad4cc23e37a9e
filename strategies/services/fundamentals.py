"""Fundamentals import: the whole file is written or none of it, with every error named by line."""

import hashlib

from django.db import transaction

from accounts.choices import Role
from compliance.services import record_event
from marketdata.models import Instrument

from ..models import Fundamentals, FundamentalsImport
from .errors import StrategiesError
from .fundamentals_csv import FIGURE_COLUMNS, LineError, parse


class FundamentalsFileError(StrategiesError):
    """The file was refused; ``lines`` lists every problem found (line 0 = the file as a whole)."""

    def __init__(self, errors: list[LineError]):
        self.lines = errors
        super().__init__(
            "invalid_file",
            f"The file was not imported: {len(errors)} problem(s) found. Nothing was saved.",
            fields={"file": [str(error) for error in errors]},
        )


def can_import_fundamentals(actor) -> bool:
    return actor is None or (actor.is_authenticated and (actor.role == Role.OPERATOR or actor.is_superuser))


def import_fundamentals(*, actor, file_name: str, content: bytes) -> FundamentalsImport:
    """Validate and store a fundamentals CSV (format in ``fundamentals_csv``), all-or-nothing.

    A row for an instrument and date already stored replaces its figures.
    """
    if not can_import_fundamentals(actor):
        raise StrategiesError("forbidden", "Only operators import fundamentals.")
    rows, errors = parse(content)
    symbols = {row.symbol for row in rows}
    instruments = dict(Instrument.objects.filter(symbol__in=symbols).values_list("symbol", "pk"))
    errors += [
        LineError(row.line, "symbol", f"No stored instrument with symbol {row.symbol}.")
        for row in rows
        if row.symbol not in instruments
    ]
    if errors:
        raise FundamentalsFileError(sorted(errors, key=lambda error: error.line))
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        keys = {(instruments[row.symbol], row.as_of) for row in rows}
        existing = (
            set(
                Fundamentals.objects.select_for_update()
                .filter(instrument_id__in={pk for pk, _ in keys}, as_of__in={day for _, day in keys})
                .values_list("instrument_id", "as_of")
            )
            & keys
        )
        batch = FundamentalsImport.objects.create(
            file_name=file_name[:255],
            sha256=digest,
            rows_created=len(keys) - len(existing),
            rows_updated=len(existing),
            imported_by=actor,
        )
        Fundamentals.objects.bulk_create(
            [
                Fundamentals(instrument_id=instruments[row.symbol], as_of=row.as_of, source_import=batch, **row.figures)
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["instrument", "as_of"],
            update_fields=[*FIGURE_COLUMNS, "source_import"],
            batch_size=2000,
        )
        record_event(
            action="fundamentals.imported",
            actor=actor,
            target=batch,
            firm_id=getattr(actor, "firm_id", None),
            metadata={
                "file_name": batch.file_name,
                "sha256": digest,
                "created": batch.rows_created,
                "updated": batch.rows_updated,
            },
        )
    return batch

"""How long a transactions CSV takes to validate, and to import through the ledger.

    .venv/bin/python benchmarks/csv_import.py [--rows 10000] [--import-rows 1000] [--runs 3]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/csv_import.py

Runs against a throwaway database created and destroyed the way the test runner does it (a
temporary file for SQLite, ``<name>_bench_csv`` for PostgreSQL). The file is a deposit then buys
and sells of 100 instruments spread over 500 sessions. Validation (``parse_transactions``: types,
dates, the calendar, one query for symbols, one for existing external ids) is timed on ``--rows``
rows; the whole import (validation plus ``record_transactions``, which records row by row with
its locks and audit events) on ``--import-rows`` rows into an empty account, each run in a
transaction rolled back afterwards. Prints the median of the runs.
"""

import argparse
import csv
import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "valuepartner.settings.base")

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import Firm, User  # noqa: E402
from marketdata.calendar import sessions_in_range  # noqa: E402
from marketdata.models import Instrument  # noqa: E402
from portfolios.csv_import import COLUMNS, parse_transactions  # noqa: E402
from portfolios.models import Account, Client, Household  # noqa: E402
from portfolios.services.imports import import_transactions_csv  # noqa: E402

INSTRUMENTS = 100


class _Rollback(Exception):
    pass


def transactions_file(rows: int, sessions) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([sessions[0].isoformat(), "deposit", "", "", "", "", "100000000", "", "dep"])
    for n in range(rows - 1):
        day = sessions[1 + n * (len(sessions) - 2) // rows].isoformat()
        kind = "sell" if (n // INSTRUMENTS) % 3 == 2 else "buy"
        writer.writerow([day, kind, f"B{n % INSTRUMENTS}", "1", "10.25", "1.00", "", "", f"fill-{n}"])
    return out.getvalue().encode()


def book():
    firm = Firm.objects.create(name="Bench firm")
    advisor = User.objects.create(username="bench-advisor", role=Role.ADVISOR, firm=firm)
    household = Household.objects.create(firm=firm, advisor=advisor, name="Bench household")
    client = Client.objects.create(household=household, first_name="Bench", last_name="Client")
    Instrument.objects.bulk_create(Instrument(symbol=f"B{n}", exchange="XNYS") for n in range(INSTRUMENTS))
    return advisor, client


def validate(data: bytes, account) -> tuple[float, int]:
    text = data.decode()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        parsed = parse_transactions(text, account=account)
        elapsed = time.perf_counter() - started
    if parsed.errors:
        raise SystemExit(f"unexpected problems: {parsed.errors[:3]}")
    return elapsed, len(queries)


def import_once(data: bytes, advisor, client) -> float:
    try:
        with transaction.atomic():
            account = Account.objects.create(client=client, name="Bench account")
            started = time.perf_counter()
            import_transactions_csv(account=account, file=SimpleUploadedFile("bench.csv", data), actor=advisor)
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--import-rows", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        scratch = tempfile.TemporaryDirectory()
        test_settings["NAME"] = str(Path(scratch.name) / "bench_csv.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench_csv"

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        sessions = sessions_in_range(dt.date(2021, 1, 4), dt.date(2022, 12, 30))
        advisor, client = book()
        account = Account.objects.create(client=client, name="Validation account")
        big = transactions_file(options.rows, sessions)
        validations = [validate(big, account) for _ in range(options.runs)]
        small = transactions_file(options.import_rows, sessions)
        imports = [import_once(small, advisor, client) for _ in range(options.runs)]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()

    seconds = [elapsed for elapsed, _ in validations]
    queries = validations[0][1]
    imported = statistics.median(imports)
    print(f"database: {connection.vendor}, median of {options.runs} runs")
    print(
        f"validate {options.rows:,} rows: {statistics.median(seconds):.3f} s "
        f"(spread {min(seconds):.3f}-{max(seconds):.3f} s), {queries} queries"
    )
    print(
        f"import {options.import_rows:,} rows through the ledger: {imported:.2f} s "
        f"({1000 * imported / options.import_rows:.1f} ms per row)"
    )


if __name__ == "__main__":
    main()

"""How fast the audit chain is appended to and verified, on the configured database.

    .venv/bin/python benchmarks/audit_chain.py [--events 5000] [--runs 3]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/audit_chain.py

Runs against a throwaway database created and destroyed the way the test runner does it (a
temporary file for SQLite, ``<name>_bench_audit`` for PostgreSQL), so the real data is never
touched. Recording is timed twice: each event in its own transaction, as a lone service call would
(on SQLite this is mostly the commit's fsync), and all events in one transaction (the cost of
``record_event`` itself: the read of the last event and the insert). Each starts from an empty
chain. Prints the median of the runs.
"""

import argparse
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from compliance.selectors import VERIFY_BATCH_SIZE, verify_stored_chain  # noqa: E402
from compliance.services import record_event  # noqa: E402
from valuepartner import request_context  # noqa: E402


def empty_chain() -> None:
    # TRUNCATE, because the append-only trigger refuses DELETE on PostgreSQL.
    statement = (
        "TRUNCATE compliance_auditevent" if connection.vendor == "postgresql" else ("DELETE FROM compliance_auditevent")
    )
    with connection.cursor() as cursor:
        cursor.execute(statement)


def record(events: int) -> float:
    started = time.perf_counter()
    for number in range(events):
        record_event(
            action="bench.event",
            actor_label="bench",
            firm_id=1,
            changes={"status": ("draft", "sent")},
            metadata={"number": number, "amount": "1250.00", "weight": 0.125},
        )
    return events / (time.perf_counter() - started)


def one_run(events: int, batch_size: int) -> tuple[float, float, float]:
    """Events/s recording one per transaction, recording all in one transaction, and verifying."""
    token = request_context.bind(request_id="bench-0000000000", ip="192.0.2.10")
    try:
        empty_chain()
        with transaction.atomic():
            batched = record(events)
        empty_chain()
        separate = record(events)
    finally:
        request_context.reset(token)
    started = time.perf_counter()
    report = verify_stored_chain(batch_size=batch_size)
    verified = events / (time.perf_counter() - started)
    if not report.intact or report.checked != events:
        raise SystemExit(f"verification failed: {report}")
    return separate, batched, verified


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=VERIFY_BATCH_SIZE)
    options = parser.parse_args()

    test_settings = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        scratch = tempfile.TemporaryDirectory()
        test_settings["NAME"] = str(Path(scratch.name) / "bench_audit.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench_audit"

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        results = [one_run(options.events, options.batch_size) for _ in range(options.runs)]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()

    separate, batched, verified = (statistics.median(column) for column in zip(*results, strict=True))
    print(f"database: {connection.vendor}, {options.events} events, median of {options.runs} runs")
    print(f"record, one transaction each: {separate:,.0f} events/s ({1e6 / separate:,.0f} µs per event)")
    print(f"record, all in one transaction: {batched:,.0f} events/s ({1e6 / batched:,.0f} µs per event)")
    print(f"verify: {verified:,.0f} events/s")


if __name__ == "__main__":
    main()

"""How long loading the bundled real datasets (all four, about 300,000 daily bars) takes.

    .venv/bin/python benchmarks/load_bundled_data.py [--runs 3]
    DATABASE_URL=postgres://... .venv/bin/python benchmarks/load_bundled_data.py

Each run loads into a fresh throwaway database created and destroyed the way the test runner does
it (a temporary file for SQLite, ``<name>_bench_load`` for PostgreSQL), so the real data is never
touched. Also times a second load over the first (idempotent: nothing new is inserted). Prints the
median of the runs.
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

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

from marketdata.services import load_bundled  # noqa: E402


def one_run() -> tuple[float, float, int]:
    """Seconds for a load into an empty database, seconds for a repeat load, bars inserted."""
    test_settings = connection.settings_dict.setdefault("TEST", {})
    scratch = None
    if connection.vendor == "sqlite":
        scratch = tempfile.TemporaryDirectory()
        test_settings["NAME"] = str(Path(scratch.name) / "bench_load.sqlite3")
    else:
        test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench_load"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        first = load_bundled()
        fresh = time.perf_counter() - started
        started = time.perf_counter()
        again = load_bundled()
        repeat = time.perf_counter() - started
        if again.bars_inserted != 0:
            raise SystemExit(f"a repeat load inserted {again.bars_inserted} bars: not idempotent")
        return fresh, repeat, first.bars_inserted
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        if scratch is not None:
            scratch.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    setup_test_environment()
    try:
        results = [one_run() for _ in range(options.runs)]
    finally:
        teardown_test_environment()
    fresh = [row[0] for row in results]
    repeat = [row[1] for row in results]
    bars = results[0][2]
    median = statistics.median(fresh)
    print(f"database: {connection.vendor}, {bars:,} bars, median of {options.runs} runs")
    print(f"load into an empty database: {median:.2f} s ({bars / median:,.0f} bars/s); runs {sorted(fresh)}")
    print(f"repeat load (nothing new): {statistics.median(repeat):.2f} s")


if __name__ == "__main__":
    main()

"""Wall time of the whole test suite, as `make test` runs it; median of --runs runs."""

import argparse
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(["make", "test", "PYTEST_ARGS=-q"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    print(f"test suite wall time: median {statistics.median(times):.1f} s over {args.runs} run(s)")
    print("runs: " + ", ".join(f"{t:.1f} s" for t in times))


if __name__ == "__main__":
    main()

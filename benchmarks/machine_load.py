"""How busy this shared machine is, read from /proc (Linux).

Two workers can only beat one when both get a core, and other people's work shares these cores; so the
sweep benchmark counts the CPU its own processes use apart from the machine's total, and waits for a
quiet moment before each sweep.
"""

import contextlib
import os
import subprocess
import time

TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:9]]
    return (sum(values) - values[3] - values[4]) / TICKS  # minus idle and iowait


def our_cpu(workers: list[subprocess.Popen], database: str) -> dict[int, float]:
    """CPU seconds so far of each process working for this benchmark: the workers, their pool children,
    the PostgreSQL backends connected to the benchmark database, and this process."""
    pids = {os.getpid()}
    for worker in workers:
        pids.add(worker.pid)
        with contextlib.suppress(OSError), open(f"/proc/{worker.pid}/task/{worker.pid}/children") as children:
            pids.update(int(pid) for pid in children.read().split())
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                title = cmdline.read()
                if title.startswith(b"postgres: ") and f" {database} ".encode() in title:
                    pids.add(int(entry.name))
    seconds = {}
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
            seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return seconds


def wait_for_quiet(limit_cores: float, longest: float) -> float:
    """Seconds waited (at most ``longest``) until the rest of the machine used under ``limit_cores`` over
    half a second: the workers are idle between sweeps, so what is busy then is other people's work."""
    started = time.monotonic()
    while time.monotonic() - started < longest:
        busy, window = machine_busy(), time.monotonic()
        time.sleep(0.5)  # sampling the machine's load, not waiting for the sweep
        if (machine_busy() - busy) / (time.monotonic() - window) < limit_cores:
            break
    return time.monotonic() - started

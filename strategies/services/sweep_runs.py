"""One member of a sweep, run inside a worker. Members of one sweep share the same prices, so a
worker keeps the last sweep's panel in memory instead of reading the same bars again per member.

Counting a member done must not serialise the workers: it is one atomic UPDATE of the job's
progress and one indexed read of whether any member is left, with no lock. Only a member that
finds none left takes the sweep's row lock to close it (``finish_sweep_if_done``). Each member
reads after its own outcome committed, so the last one to commit always finds none left; two
finishing together may both try, and the lock lets exactly one close the sweep.
"""

from jobs.runner import Progress
from valuepartner.errors import DomainError

from ..models import BacktestRun, Sweep
from ..models.choices import FINISHED_RUN_STATUSES
from .config import engine_config
from .run_execution import compute, load_prices, mark_failed, mark_running, store_result
from .sweeps import finish_sweep_if_done

# (sweep id, universe, start, end, benchmark) -> panel, for the last sweep this process worked on.
_panel_cache: dict[tuple, object] = {}


def _panel_for(run: BacktestRun, config):
    key = (run.sweep_id, tuple(config.universe), config.start, config.end, config.benchmark, config.warmup_bars)
    if key not in _panel_cache:
        _panel_cache.clear()
        _panel_cache[key] = load_prices(run, config)
    return _panel_cache[key]


def count_done(run_id: int, sweep_id: int) -> bool:
    """Count one member finished (whatever its outcome); True when it was the one that closed the sweep."""
    job_id = Sweep.objects.filter(pk=sweep_id).values_list("job_id", flat=True).first()
    if job_id is not None:
        Progress(job_id).advance(message=f"Finished run {run_id}")
    if BacktestRun.objects.filter(sweep_id=sweep_id).exclude(status__in=FINISHED_RUN_STATUSES).exists():
        return False
    return finish_sweep_if_done(sweep_id)


def execute_member(run_id: int) -> None:
    """Run a queued sweep member and count it done; a member that already finished is left alone."""
    run = mark_running(run_id)
    if run is None:
        finish_sweep_if_done(BacktestRun.objects.only("sweep_id").get(pk=run_id).sweep_id)
        return
    try:
        config = engine_config(run.config)
        panel = _panel_for(run, config)
        store_result(run, compute(run, panel, summary=True), panel)
    except DomainError as error:
        mark_failed(run_id, code=error.code, message=error.message)
    except Exception:
        mark_failed(run_id, code="internal_error", message="The run stopped on an unexpected error.")
        raise
    finally:
        count_done(run_id, run.sweep_id)

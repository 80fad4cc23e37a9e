"""Parameter sweeps: one stored run per combination of a grid, fanned out over the Celery workers.

The sweep's job is started by the fan-out task; each member task runs one configuration, counts
itself done with ``progress.advance`` (one atomic UPDATE, safe from any number of workers) and,
under a lock on the sweep row, the last member to finish closes the sweep: it picks the best run
and finishes the job. Completion is counted in the database rather than with a chord, so the
project needs no Celery result backend and a redelivered member cannot finish a sweep twice.
"""

import datetime as dt
import itertools
import math

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from compliance.services import record_event
from jobs import services as jobs
from jobs.runner import Progress

from ..models import BacktestRun, Strategy, Sweep
from ..models.choices import FINISHED_RUN_STATUSES, RunKind, RunStatus
from .config import config_for, engine_config, with_overrides, with_range
from .errors import field_error
from .runs import check_date_range, clean_grid, require_run_rights

RANKINGS = {
    "sharpe": ("sharpe", True),
    "total_return": ("total_return", True),
    "max_drawdown": ("max_drawdown", True),  # drawdowns are negative: the largest is the mildest
}


def combinations(grid: dict[str, list]) -> list[dict]:
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[key] for key in keys))]


def describe(overrides: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in overrides.items())


def start_sweep(
    *,
    actor,
    strategy: Strategy,
    grid: dict,
    start: dt.date | None = None,
    end: dt.date | None = None,
    rank_by: str = "sharpe",
) -> Sweep:
    """Queue one run per combination of ``grid`` (config keys -> values) and fan them out after commit."""
    from ..tasks import start_sweep_task

    require_run_rights(actor, strategy)
    check_date_range(start, end)
    if rank_by not in RANKINGS:
        raise field_error("invalid", "rank_by", f"Rank by one of: {', '.join(RANKINGS)}.")
    grid = clean_grid(grid)
    base = engine_config(with_range(config_for(strategy), start, end))
    members = []
    for overrides in combinations(grid):
        members.append((overrides, with_overrides(base, overrides, describe=describe(overrides)).to_dict()))
    with transaction.atomic():
        job = jobs.create_job(
            owner=actor, kind="sweep", label=f"Sweep of {strategy.name} ({len(members)} runs)", total=len(members)
        )
        sweep = Sweep.objects.create(
            strategy=strategy, grid=grid, job=job, start=start, end=end, rank_by=rank_by, created_by=actor
        )
        BacktestRun.objects.bulk_create(
            BacktestRun(
                strategy=strategy,
                sweep=sweep,
                kind=RunKind.SWEEP,
                label=describe(overrides)[:200],
                config=config,
                parameters=overrides,
                requested_start=start,
                requested_end=end,
                created_by=actor,
            )
            for overrides, config in members
        )
        record_event(
            action="strategy.sweep_requested",
            actor=actor,
            target=sweep,
            firm_id=strategy.firm_id,
            metadata={"strategy": strategy.pk, "grid": grid, "runs": len(members), "rank_by": rank_by},
        )
        transaction.on_commit(lambda: start_sweep_task.delay(sweep.pk))
    return sweep


def begin_sweep(sweep_id: int) -> list[int]:
    """Mark the sweep and its job running; the ids of the runs still to do (none when already begun)."""
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().get(pk=sweep_id)
        if sweep.status != RunStatus.QUEUED:
            return []
        sweep.status = RunStatus.RUNNING
        sweep.save(update_fields=["status"])
    if sweep.job_id is not None:
        jobs.start_job(sweep.job_id)
    return list(sweep.runs.exclude(status__in=FINISHED_RUN_STATUSES).order_by("pk").values_list("pk", flat=True))


def _rank_value(run: BacktestRun, rank_by: str) -> float:
    field, _ = RANKINGS[rank_by]
    value = getattr(run, field)
    return value if value is not None and math.isfinite(value) else -math.inf


def member_done(run_id: int) -> None:
    """Count one member finished (whatever its outcome); the last one closes the sweep."""
    run = BacktestRun.objects.only("sweep_id").get(pk=run_id)
    sweep = Sweep.objects.only("job_id").get(pk=run.sweep_id)
    if sweep.job_id is not None:
        Progress(sweep.job_id).advance(message=f"Finished run {run_id}")
    finish_sweep_if_done(run.sweep_id)


def finish_sweep_if_done(sweep_id: int) -> bool:
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update(of=("self",)).select_related("strategy").get(pk=sweep_id)
        if sweep.status in FINISHED_RUN_STATUSES:
            return False
        # sweep_id too: the related manager reads it from every run it returns (deferred, one query each)
        runs = list(sweep.runs.only("pk", "sweep_id", "status", "sharpe", "total_return", "max_drawdown"))
        if any(run.status not in FINISHED_RUN_STATUSES for run in runs):
            return False
        succeeded = [run for run in runs if run.status == RunStatus.SUCCEEDED]
        failed = len(runs) - len(succeeded)
        best = max(succeeded, key=lambda run: _rank_value(run, sweep.rank_by), default=None)
        sweep.status = RunStatus.SUCCEEDED if succeeded else RunStatus.FAILED
        sweep.best_run = best
        sweep.finished_at = timezone.now()
        sweep.save(update_fields=["status", "best_run", "finished_at"])
        record_event(
            action="strategy.sweep_finished",
            actor=sweep.created_by,
            target=sweep,
            firm_id=sweep.strategy.firm_id,
            changes={"status": (RunStatus.RUNNING, sweep.status)},
            metadata={"runs": len(runs), "failed": failed, "best_run": best.pk if best else None},
        )
        if sweep.job_id is not None:
            url = reverse("strategies:sweep-detail", kwargs={"pk": sweep.pk})
            if succeeded:
                result = {"runs": len(runs), "failed": failed, "best_run": best.pk, "rank_by": sweep.rank_by}
                transaction.on_commit(lambda: jobs.finish_job(sweep.job_id, result=result, url=url))
            else:
                message = f"All {len(runs)} runs of the sweep failed; open the sweep to see why."
                transaction.on_commit(lambda: jobs.fail_job(sweep.job_id, code="sweep_failed", message=message))
    return True

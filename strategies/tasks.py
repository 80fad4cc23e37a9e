"""Celery tasks of the strategies app: they take ids, re-fetch, and call the services."""

from celery import group, shared_task

from jobs.runner import JobOutcome, run_job


@shared_task(name="strategies.run_backtest")
def run_backtest_task(run_id: int) -> None:
    """Run a queued backtest or walk-forward under its job (idempotent: a finished run is left alone)."""
    from .models import BacktestRun
    from .services.run_execution import execute_run, run_url

    run = BacktestRun.objects.only("job_id").get(pk=run_id)

    def work(progress):
        stored = execute_run(run_id, progress)
        if stored is None:
            return JobOutcome(url=run_url(run))
        return JobOutcome(
            result={"final_equity": str(stored.final_equity), "sharpe": stored.sharpe, "run": stored.pk},
            url=run_url(stored),
        )

    run_job(run.job_id, work)


@shared_task(name="strategies.start_sweep")
def start_sweep_task(sweep_id: int) -> None:
    """Fan a sweep's runs out over the workers, one task per configuration."""
    from .services.sweeps import begin_sweep, finish_sweep_if_done

    run_ids = begin_sweep(sweep_id)
    if not run_ids:
        finish_sweep_if_done(sweep_id)
        return
    group(run_sweep_member_task.s(run_id) for run_id in run_ids).apply_async()


@shared_task(name="strategies.run_sweep_member")
def run_sweep_member_task(run_id: int) -> None:
    """Run one configuration of a sweep, count it done, and close the sweep when it is the last."""
    from .services.sweep_runs import execute_member

    execute_member(run_id)

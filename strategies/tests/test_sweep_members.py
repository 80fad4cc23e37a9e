"""Counting sweep members done without a lock: only the last member closes the sweep, and two members
finishing together close it exactly once (PostgreSQL, real threads with their own connections)."""

import threading

import pytest
from django.db import connection

from compliance.models import AuditEvent
from jobs.models import Job
from strategies.models import BacktestRun, Sweep
from strategies.models.choices import RunStatus
from strategies.services.strategies import create_strategy
from strategies.services.sweep_runs import count_done
from strategies.services.sweeps import start_sweep

from .support import make_prices, strategy_values

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def finished_sweep(advisor):
    make_prices()
    strategy = create_strategy(actor=advisor, **strategy_values())
    sweep = start_sweep(actor=advisor, strategy=strategy, grid={"top_n": [2, 3], "commission_bps": [0, 50]})
    sweep.refresh_from_db()
    assert sweep.status == RunStatus.SUCCEEDED
    return sweep


def reopen(sweep: Sweep) -> None:
    """Put a finished sweep back to running, as it was while its members were still being counted."""
    Sweep.objects.filter(pk=sweep.pk).update(status=RunStatus.RUNNING, best_run=None, finished_at=None)
    Job.objects.filter(pk=sweep.job_id).update(status="running", done=0, finished_at=None)


def closings(sweep: Sweep) -> int:
    return AuditEvent.objects.filter(action="strategy.sweep_finished", object_id=str(sweep.pk)).count()


def test_a_member_that_is_not_the_last_counts_itself_and_leaves_the_sweep_open(finished_sweep):
    reopen(finished_sweep)
    first, last = BacktestRun.objects.filter(sweep=finished_sweep).order_by("pk")[:2]
    BacktestRun.objects.filter(pk=last.pk).update(status=RunStatus.RUNNING)
    before = closings(finished_sweep)

    assert count_done(first.pk, finished_sweep.pk) is False
    finished_sweep.refresh_from_db()
    job = Job.objects.get(pk=finished_sweep.job_id)
    assert finished_sweep.status == RunStatus.RUNNING and job.status == "running" and job.done == 1

    BacktestRun.objects.filter(pk=last.pk).update(status=RunStatus.SUCCEEDED)
    assert count_done(last.pk, finished_sweep.pk) is True
    finished_sweep.refresh_from_db()
    job.refresh_from_db()
    assert finished_sweep.status == RunStatus.SUCCEEDED and finished_sweep.best_run_id is not None
    assert job.status == "succeeded" and job.done == job.total == 4
    assert closings(finished_sweep) == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="writers in several threads at once need PostgreSQL")
def test_two_members_finishing_together_close_the_sweep_once(finished_sweep):
    reopen(finished_sweep)
    run_ids = list(BacktestRun.objects.filter(sweep=finished_sweep).order_by("pk").values_list("pk", flat=True))[:2]
    before = closings(finished_sweep)
    barrier = threading.Barrier(len(run_ids))
    outcomes, errors = [], []

    def member(run_id):
        try:
            barrier.wait(timeout=10)
            outcomes.append(count_done(run_id, finished_sweep.pk))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=member, args=(run_id,)) for run_id in run_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted(outcomes) == [False, True]
    assert closings(finished_sweep) == before + 1
    finished_sweep.refresh_from_db()
    assert finished_sweep.status == RunStatus.SUCCEEDED
    assert Job.objects.get(pk=finished_sweep.job_id).status == "succeeded"

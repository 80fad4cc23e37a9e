"""Every URL of the strategies app addressing one object, for the generic scoping test."""

from accounts.roles import Capability
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from valuepartner.testing.scoping import register


def make_strategy(advisor):
    from .support import make_strategy as build

    strategy = build(advisor)
    strategy.strategy_pk = strategy.pk
    return strategy


def make_run(advisor):
    from strategies.models import BacktestRun

    strategy = make_strategy(advisor)
    return BacktestRun.objects.create(strategy=strategy, config={"top_n": 3}, created_by=advisor, label="queued run")


def make_sweep(advisor):
    from strategies.models import Sweep

    return Sweep.objects.create(strategy=make_strategy(advisor), grid={"top_n": [2, 3]}, created_by=advisor)


def make_assignment(advisor):
    from strategies.models import StrategyAssignment

    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    return StrategyAssignment.objects.create(
        strategy=make_strategy(advisor), account=account, started_on="2021-01-04", assigned_by=advisor
    )


MANAGE = {"methods": ("get", "post"), "capability": Capability.MANAGE_BOOK}

register("strategies:strategy-detail", make_strategy)
register("strategies:strategy-edit", make_strategy, **MANAGE)
register("strategies:strategy-accounts", make_strategy, **MANAGE)
register("strategies:strategy-backtest", make_strategy, **MANAGE)
register("strategies:strategy-walk-forward", make_strategy, **MANAGE)
register("strategies:strategy-sweep", make_strategy, **MANAGE)
register("strategies:strategy-targets", make_strategy, **MANAGE)
register("strategies:assignment-remove", make_assignment, **MANAGE)
register("strategies:run-detail", make_run)
register("strategies:sweep-detail", make_sweep)
register("api:strategy-detail", make_strategy)
register("api:strategy-runs", make_strategy, kwarg="strategy_pk", methods=("get", "post"))
register("api:strategy-run-detail", make_run)

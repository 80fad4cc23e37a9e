"""Reads of the strategies domain, scoped to what the requesting user may see.

Strategies follow the model-portfolio rule: operators and compliance see every strategy of their
firm; an advisor sees firm-wide strategies (no owner) and those of the advisors whose book they
work on; clients see none. Runs, sweeps and target snapshots are visible with their strategy.
"""

from django.db.models import Q, QuerySet

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from accounts.selectors import book_advisor_ids, in_book

from .models import BacktestRun, Fundamentals, FundamentalsImport, Strategy, StrategyAssignment, Sweep
from .models.choices import RunKind, RunStatus


def strategies_visible_to(user) -> QuerySet[Strategy]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Strategy.objects.none()
    strategies = Strategy.objects.filter(firm_id=user.firm_id).select_related("owner", "model_portfolio")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return strategies
    if user.role == Role.ADVISOR:
        return strategies.filter(Q(owner__isnull=True) | in_book("owner_id", user))
    return Strategy.objects.none()


def can_change_strategy(user, strategy: Strategy) -> bool:
    """Operators change every strategy of their firm; advisors those owned within their book."""
    if user is None:
        return True
    if not has_capability(user, Capability.MANAGE_BOOK) or user.firm_id != strategy.firm_id:
        return False
    if user.role == Role.ADVISOR:
        return strategy.owner_id is not None and strategy.owner_id in book_advisor_ids(user)
    return True


def runs_visible_to(user) -> QuerySet[BacktestRun]:
    return BacktestRun.objects.filter(strategy__in=strategies_visible_to(user)).select_related(
        "strategy", "job", "created_by"
    )


def run_list(user, *, strategy: Strategy | None = None) -> QuerySet[BacktestRun]:
    """Runs without their (large) result JSON, newest first."""
    runs = runs_visible_to(user).defer("result", "config")
    return runs.filter(strategy=strategy) if strategy is not None else runs


def sweeps_visible_to(user) -> QuerySet[Sweep]:
    return Sweep.objects.filter(strategy__in=strategies_visible_to(user)).select_related(
        "strategy", "job", "best_run", "created_by"
    )


def sweep_runs(sweep: Sweep) -> QuerySet[BacktestRun]:
    return sweep.runs.defer("result").order_by("pk")


def latest_run(strategy: Strategy, *, kind: str = RunKind.BACKTEST) -> BacktestRun | None:
    return (
        BacktestRun.objects.filter(strategy=strategy, kind=kind, status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def assignments_of(user, strategy: Strategy) -> QuerySet[StrategyAssignment]:
    """Accounts following ``strategy`` that ``user`` may see."""
    from portfolios.selectors import accounts_visible_to

    return (
        StrategyAssignment.objects.filter(strategy=strategy, account__in=accounts_visible_to(user))
        .select_related("account", "account__client", "account__client__household")
        .order_by("account__name")
    )


def fundamentals_imports() -> QuerySet[FundamentalsImport]:
    return FundamentalsImport.objects.select_related("imported_by")


def fundamentals_count() -> int:
    return Fundamentals.objects.count()

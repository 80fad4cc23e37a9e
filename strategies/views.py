"""Strategy pages: list, editor, the model performance dashboard, accounts and targets, fundamentals.

Lookups go through the scoped selectors first (outside scope: 404); rights are checked after (in
scope but not allowed: 403). Writes go to the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from portfolios.selectors import accounts_visible_to
from valuepartner.errors import DomainError

from .forms import AssignForm, FundamentalsImportForm, StrategyForm
from .models import Strategy, StrategyAssignment
from .models.choices import RunKind
from .selectors import (
    assignments_of,
    can_change_strategy,
    fundamentals_count,
    fundamentals_imports,
    latest_run,
    run_list,
    strategies_visible_to,
    sweeps_visible_to,
)
from .services.assignments import assign_strategy, refresh_targets, unassign_strategy
from .services.fundamentals import can_import_fundamentals, import_fundamentals
from .services.fundamentals_csv import COLUMN_HELP, TEMPLATE
from .services.strategies import create_strategy, update_strategy
from .views_results import paper_results, run_charts

RECENT_RUNS = 20


def require_capability(user, capability: Capability) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied("Your role cannot do this.")


@login_required
@require_GET
def strategy_list(request):
    require_capability(request.user, Capability.VIEW_BOOK)
    strategies = strategies_visible_to(request.user)
    return render(
        request,
        "strategies/strategy_list.html",
        {"strategies": strategies, "can_manage": has_capability(request.user, Capability.MANAGE_BOOK)},
    )


def _editor(request, strategy: Strategy | None = None):
    user = request.user
    initial = StrategyForm.initial_for(strategy or Strategy(factors={"momentum_12_1": 1.0}))
    form = StrategyForm(
        request.POST if request.method == "POST" else None, initial=initial, can_share=user.role == Role.OPERATOR
    )
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            if strategy is None:
                saved = create_strategy(actor=user, shared=form.cleaned_data.get("shared", False), **values)
            else:
                saved = update_strategy(actor=user, strategy=strategy, **values)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Strategy “{saved.name}” saved.")
            return redirect("strategies:strategy-detail", pk=saved.pk)
    return render(request, "strategies/strategy_form.html", {"form": form, "strategy": strategy})


@login_required
@require_http_methods(["GET", "POST"])
def strategy_create(request):
    require_capability(request.user, Capability.MANAGE_BOOK)
    return _editor(request)


@login_required
@require_http_methods(["GET", "POST"])
def strategy_edit(request, pk: int):
    strategy = get_object_or_404(strategies_visible_to(request.user), pk=pk)
    if not can_change_strategy(request.user, strategy):
        raise PermissionDenied("Only operators change firm-wide strategies; advisors change their own.")
    return _editor(request, strategy)


@login_required
@require_GET
def strategy_detail(request, pk: int):
    """The model performance dashboard of one strategy."""
    strategy = get_object_or_404(strategies_visible_to(request.user), pk=pk)
    backtest = latest_run(strategy)
    walk_forward = latest_run(strategy, kind=RunKind.WALK_FORWARD)
    assignments = list(assignments_of(request.user, strategy))
    context = {
        "strategy": strategy,
        "backtest": backtest,
        "charts": run_charts(backtest) if backtest else None,
        "walk_forward": walk_forward,
        "walk_forward_charts": run_charts(walk_forward) if walk_forward else None,
        "runs": run_list(request.user, strategy=strategy)[:RECENT_RUNS],
        "sweeps": sweeps_visible_to(request.user).filter(strategy=strategy)[:RECENT_RUNS],
        "assignments": assignments,
        "paper": paper_results(assignments, backtest),
        "snapshot": strategy.target_snapshots.first(),
        "can_change": can_change_strategy(request.user, strategy),
        "can_manage": has_capability(request.user, Capability.MANAGE_BOOK),
    }
    return render(request, "strategies/strategy_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def strategy_accounts(request, pk: int):
    """Accounts following the strategy; assign another one."""
    strategy = get_object_or_404(strategies_visible_to(request.user), pk=pk)
    require_capability(request.user, Capability.MANAGE_BOOK)
    accounts = accounts_visible_to(request.user).filter(is_active=True).exclude(strategy_assignment__strategy=strategy)
    form = AssignForm(request.POST if request.method == "POST" else None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            assign_strategy(actor=request.user, strategy=strategy, account=form.cleaned_data["account"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"{form.cleaned_data['account'].name} now follows “{strategy.name}”.")
            return redirect("strategies:strategy-accounts", pk=strategy.pk)
    context = {"strategy": strategy, "form": form, "assignments": assignments_of(request.user, strategy)}
    return render(request, "strategies/strategy_accounts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_remove(request, pk: int):
    """GET asks for confirmation; POST stops the account following the strategy."""
    assignment = get_object_or_404(
        StrategyAssignment.objects.filter(
            strategy__in=strategies_visible_to(request.user), account__in=accounts_visible_to(request.user)
        ).select_related("strategy", "account"),
        pk=pk,
    )
    require_capability(request.user, Capability.MANAGE_BOOK)
    if request.method == "GET":
        return render(
            request,
            "strategies/confirm.html",
            {"strategy": assignment.strategy, "action": "unassign", "assignment": assignment},
        )
    try:
        unassign_strategy(actor=request.user, assignment=assignment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{assignment.account.name} no longer follows “{assignment.strategy.name}”.")
    return redirect("strategies:strategy-accounts", pk=assignment.strategy_id)


@login_required
@require_http_methods(["GET", "POST"])
def strategy_targets(request, pk: int):
    """GET asks for confirmation; POST computes today's targets and proposes rebalances to the accounts."""
    strategy = get_object_or_404(strategies_visible_to(request.user), pk=pk)
    require_capability(request.user, Capability.MANAGE_BOOK)
    if request.method == "GET":
        context = {"strategy": strategy, "action": "targets", "assignments": assignments_of(request.user, strategy)}
        return render(request, "strategies/confirm.html", context)
    try:
        snapshot = refresh_targets(actor=request.user, strategy=strategy)
    except DomainError as error:
        messages.error(request, f"No targets: {error.message}")
    else:
        count = snapshot.proposals.count()
        messages.success(
            request,
            f"Targets of {snapshot.as_of:%Y-%m-%d}: {len(snapshot.weights)} holdings; {count} rebalance proposal(s).",
        )
    return redirect("strategies:strategy-detail", pk=strategy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def fundamentals_import(request):
    if not can_import_fundamentals(request.user):
        raise PermissionDenied("Only operators import fundamentals.")
    form = FundamentalsImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = import_fundamentals(actor=request.user, file_name=upload.name, content=upload.read())
        except DomainError as error:
            form.add_error(None, error.message)
            problems = getattr(error, "lines", [])
        else:
            messages.success(
                request, f"{batch.file_name}: {batch.rows_created} rows added, {batch.rows_updated} updated."
            )
            return redirect("strategies:fundamentals-import")
    context = {
        "form": form,
        "problems": problems,
        "columns": COLUMN_HELP.items(),
        "template": TEMPLATE,
        "imports": fundamentals_imports()[:10],
        "stored": fundamentals_count(),
    }
    return render(request, "strategies/fundamentals_import.html", context)

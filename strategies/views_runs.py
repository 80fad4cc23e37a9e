"""Running a strategy (backtest, walk-forward, sweep) with live progress, and reading the results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability, has_capability
from valuepartner.errors import DomainError

from .forms import BacktestForm, SweepForm, WalkForwardForm
from .models.choices import RunStatus
from .selectors import runs_visible_to, strategies_visible_to, sweep_runs, sweeps_visible_to
from .services.runs import PriceFile, start_backtest, start_walk_forward
from .services.sweeps import start_sweep
from .views import require_capability
from .views_results import run_charts

MAX_COMPARED = 6


def _start_page(request, pk: int, form_class, start, template: str):
    strategy = get_object_or_404(strategies_visible_to(request.user), pk=pk)
    require_capability(request.user, Capability.MANAGE_BOOK)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            started = start(strategy, form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Started; the page follows its progress.")
            name = "strategies:sweep-detail" if started.__class__.__name__ == "Sweep" else "strategies:run-detail"
            return redirect(name, pk=started.pk)
    return render(request, template, {"strategy": strategy, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def backtest_start(request, pk: int):
    def start(strategy, data):
        upload = data.get("prices")
        prices = PriceFile(upload.name, upload.read()) if upload else None
        return start_backtest(
            actor=request.user, strategy=strategy, start=data["start"], end=data["end"], prices=prices
        )

    return _start_page(request, pk, BacktestForm, start, "strategies/backtest_form.html")


@login_required
@require_http_methods(["GET", "POST"])
def walk_forward_start(request, pk: int):
    def start(strategy, data):
        return start_walk_forward(
            actor=request.user,
            strategy=strategy,
            grid=data["grid"],
            train_bars=data["train_bars"],
            test_bars=data["test_bars"],
            start=data["start"],
            end=data["end"],
        )

    return _start_page(request, pk, WalkForwardForm, start, "strategies/walk_forward_form.html")


@login_required
@require_http_methods(["GET", "POST"])
def sweep_start(request, pk: int):
    def start(strategy, data):
        return start_sweep(
            actor=request.user,
            strategy=strategy,
            grid=data["grid"],
            start=data["start"],
            end=data["end"],
            rank_by=data["rank_by"],
        )

    return _start_page(request, pk, SweepForm, start, "strategies/sweep_form.html")


@login_required
@require_GET
def run_detail(request, pk: int):
    run = get_object_or_404(runs_visible_to(request.user), pk=pk)
    context = {
        "run": run,
        "strategy": run.strategy,
        "charts": run_charts(run) if run.status == RunStatus.SUCCEEDED else None,
        "windows": (run.result or {}).get("windows") or [],
        "trades": ((run.result or {}).get("trades") or [])[:200],
        "can_manage": has_capability(request.user, Capability.MANAGE_BOOK),
    }
    return render(request, "strategies/run_detail.html", context)


@login_required
@require_GET
def run_compare(request):
    """Stored runs side by side: configuration, data range and metrics in one table."""
    ids = [int(value) for value in request.GET.getlist("runs") if value.isdigit()][:MAX_COMPARED]
    runs = list(runs_visible_to(request.user).filter(pk__in=ids, status=RunStatus.SUCCEEDED).order_by("pk"))
    columns = [{"run": run, "charts": run_charts(run)} for run in runs]
    metric_labels = [row["label"] for row in columns[0]["charts"]["metrics"]] if columns else []
    table = [
        {
            "label": label,
            "values": [next((m["value"] for m in c["charts"]["metrics"] if m["label"] == label), "—") for c in columns],
        }
        for label in metric_labels
    ]
    config_keys = ["top_n", "weighting", "max_weight", "sector_cap", "commission_bps", "slippage_bps"]
    config_rows = [{"label": key, "values": [str(c["run"].config.get(key)) for c in columns]} for key in config_keys]
    config_rows.insert(0, {"label": "factors", "values": [str(c["run"].config.get("factors")) for c in columns]})
    config_rows.append(
        {
            "label": "rebalance every",
            "values": [str((c["run"].config.get("rebalance") or {}).get("every_bars")) for c in columns],
        }
    )
    context = {"columns": columns, "table": table, "config_rows": config_rows, "max_compared": MAX_COMPARED}
    return render(request, "strategies/run_compare.html", context)


@login_required
@require_GET
def sweep_detail(request, pk: int):
    sweep = get_object_or_404(sweeps_visible_to(request.user), pk=pk)
    runs = list(sweep_runs(sweep))
    ranked = sorted(
        (run for run in runs if run.status == RunStatus.SUCCEEDED),
        key=lambda run: -(getattr(run, sweep.rank_by) if getattr(run, sweep.rank_by) is not None else float("-inf")),
    )
    context = {
        "sweep": sweep,
        "strategy": sweep.strategy,
        "runs": runs,
        "ranked": ranked,
        "compare_ids": [run.pk for run in ranked[:MAX_COMPARED]],
    }
    return render(request, "strategies/sweep_detail.html", context)

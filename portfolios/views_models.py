"""Model portfolio pages (list, detail, editor), assigning a model to an account, and drift.

Lookups go through the scoped selectors first (outside scope: 404); rights are checked after
(in scope but not allowed: 403). Writes go to the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from marketdata.selectors import instruments_visible_to
from valuepartner.errors import DomainError
from valuepartner.forms import submit_to_service

from .forms_models import AssignModelForm, ModelPortfolioForm, TargetFormSet, target_initial
from .models import ModelPortfolio
from .selectors import accounts_visible_to, drift_for, model_portfolios_visible_to, proposals_visible_to
from .services import assign_model, create_model_portfolio, update_model_portfolio
from .services.model_portfolios import can_change_model

INSTRUMENT_OPTIONS = 20
RECENT_PROPOSALS = 10


def _require(user, capability: Capability) -> None:
    if not has_capability(user, capability):
        raise PermissionDenied("Your role cannot do this.")


def _bound(request):
    return request.POST if request.method == "POST" else None


@login_required
@require_GET
def model_list(request):
    _require(request.user, Capability.VIEW_BOOK)
    models = model_portfolios_visible_to(request.user).prefetch_related("targets__instrument")
    return render(request, "portfolios/model_list.html", {"models": models})


@login_required
@require_GET
def model_detail(request, pk: int):
    model = get_object_or_404(model_portfolios_visible_to(request.user), pk=pk)
    context = {
        "model": model,
        "targets": model.targets.select_related("instrument"),
        "accounts": accounts_visible_to(request.user).filter(model_portfolio=model),
        "can_change": can_change_model(request.user, model),
    }
    return render(request, "portfolios/model_detail.html", context)


@login_required
@require_GET
def instrument_options(request):
    """``<option>`` rows for the symbol inputs' datalist, matching what was typed (htmx)."""
    query = request.GET.get("symbol", "").strip().upper()
    found = instruments_visible_to(request.user).filter(is_active=True).exclude(asset_class="index")
    found = found.filter(symbol__startswith=query) if query else found.none()
    rows = found.order_by("symbol").values_list("symbol", "name")[:INSTRUMENT_OPTIONS]
    return render(request, "portfolios/model_instrument_options.html", {"instruments": rows})


def _show_domain_error(form, formset, error: DomainError) -> None:
    """Per-target errors ("targets.<n>[.weight]") go on that row; the rest on the main form."""
    rest = {}
    for name, field_messages in error.fields.items():
        parts = name.split(".")
        if parts[0] == "targets" and len(parts) > 1 and parts[1].isdigit():
            rows = [f for f in formset.forms if f.target() is not None]
            index = int(parts[1])
            if index < len(rows):
                field = "weight" if parts[-1] == "weight" else None
                for message in field_messages:
                    rows[index].add_error(field, message)
                continue
        rest[name] = field_messages
    if rest or not error.fields:
        form.add_domain_error(type(error)(error.code, error.message, fields=rest))


def _editor(request, *, model=None):
    user = request.user
    can_share = user.role == Role.OPERATOR
    # A new model starts from the model's own defaults (no cash, 5-point and 25 % bands).
    form = ModelPortfolioForm(
        _bound(request), can_share=can_share, initial=ModelPortfolioForm.initial_for(model or ModelPortfolio())
    )
    formset = TargetFormSet(_bound(request), prefix="targets", initial=target_initial(model) if model else None)
    if request.method == "POST":
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            formset.check_total(form.cleaned_data["cash_weight"])
        if form_ok and formset_ok and not formset.non_form_errors():
            values, targets = form.service_values(), formset.targets()
            try:
                if model is None:
                    saved = create_model_portfolio(
                        actor=user, targets=targets, shared=form.cleaned_data.get("shared", False), **values
                    )
                else:
                    saved = update_model_portfolio(actor=user, model=model, targets=targets, **values)
            except DomainError as error:
                _show_domain_error(form, formset, error)
            else:
                messages.success(request, f"Model “{saved.name}” saved.")
                return redirect("portfolios:model-detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "model": model}
    return render(request, "portfolios/model_form.html", context, status=200)


@login_required
@require_http_methods(["GET", "POST"])
def model_create(request):
    _require(request.user, Capability.MANAGE_BOOK)
    return _editor(request)


@login_required
@require_http_methods(["GET", "POST"])
def model_edit(request, pk: int):
    model = get_object_or_404(model_portfolios_visible_to(request.user), pk=pk)
    if not can_change_model(request.user, model):
        raise PermissionDenied("Only operators change firm-wide models; advisors change their own.")
    return _editor(request, model=model)


@login_required
@require_http_methods(["GET", "POST"])
def account_model(request, pk: int):
    """Assign a model portfolio to an account (linked from the account and drift pages)."""
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    _require(request.user, Capability.MANAGE_BOOK)
    models = model_portfolios_visible_to(request.user).filter(is_active=True)
    form = AssignModelForm(_bound(request), models=models, initial={"model_portfolio": account.model_portfolio_id})
    done = submit_to_service(
        request,
        form,
        lambda data: assign_model(actor=request.user, account=account, model=data["model_portfolio"]),
        success=lambda saved: f"Model for “{saved.name}” saved.",
        then="portfolios:account-drift",
    )
    return done or render(request, "portfolios/model_assign.html", {"form": form, "account": account})


def _pct(value) -> str:
    return f"{value * 100:.2f}%"


def _drift_row(row) -> dict:
    return {
        "row": row,
        "target": _pct(row.target_weight),
        "actual": _pct(row.actual_weight),
        "difference": f"{'+' if row.difference > 0 else ''}{_pct(row.difference)}",
        "actual_bar": f"{min(row.actual_weight, 1) * 100:.1f}",
        "target_bar": f"{min(row.target_weight, 1) * 100:.1f}",
    }


@login_required
@require_GET
def account_drift(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    _require(request.user, Capability.VIEW_BOOK)
    report = drift_for(account)
    context = {
        "account": account,
        "report": report,
        "rows": [_drift_row(row) for row in report.rows],
        "proposals": proposals_visible_to(request.user).filter(account=account)[:RECENT_PROPOSALS],
        "can_manage": has_capability(request.user, Capability.MANAGE_BOOK),
    }
    return render(request, "portfolios/model_drift.html", context)

"""Trading pages: the order ticket with its impact preview, and the blotter.

The ticket's preview runs every pre-trade check of the order as typed (``trading.risk.evaluate_order``,
which writes nothing) and shows cash and weight after it; submitting calls ``submit_order``, which
runs the same checks again under the account's row lock.
"""

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from portfolios.selectors import accounts_visible_to
from valuepartner.errors import DomainError
from valuepartner.forms import submit_to_service

from .choices import OrderSource
from .forms import OrderTicketForm
from .forms_filters import OrderFilter
from .order_rules import clean_order
from .risk import evaluate_order
from .services import resolve_instrument, submit_order
from .views_selectors import can_trade, order_list

PAGE_SIZE = 50
SPEC_FIELDS = (
    "side",
    "order_type",
    "time_in_force",
    "qty",
    "notional",
    "limit_price",
    "stop_price",
    "trail_price",
    "trail_percent",
    "expires_at",
)


def _require_trader(user) -> None:
    if not can_trade(user):
        raise PermissionDenied("Your role cannot place orders.")


def _initial(request) -> dict:
    initial = {"idempotency_key": uuid.uuid4().hex}
    for name in ("account", "symbol", "side", "qty"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    return initial


def _submit(form, user):
    values = form.service_values()
    values["recommended_by"] = values["recommended_by"] or user
    return submit_order(account=form.cleaned_data["account"], actor=user, source=OrderSource.TICKET, **values)


@login_required
@require_http_methods(["GET", "POST"])
def order_ticket(request):
    _require_trader(request.user)
    data = request.POST if request.method == "POST" else None
    form = OrderTicketForm(data, user=request.user, initial=_initial(request))
    done = submit_to_service(
        request,
        form,
        lambda cleaned: _submit(form, request.user),
        success=lambda order: (
            f"Order entered: {order.get_side_display().lower()} {order.instrument.symbol} "
            f"({order.get_status_display().lower()})."
        ),
        then="trading:order-detail",
    )
    return done or render(request, "trading/ticket.html", {"form": form}, status=400 if form.errors else 200)


def _percent(fraction) -> str:
    return "—" if fraction is None else f"{fraction * 100:.2f} %"


def preview_report(form):
    """The risk report of a valid ticket, or the DomainError that stops one being made."""
    values = form.cleaned_data
    instrument = resolve_instrument(symbol=values["symbol"])
    spec = clean_order(**{name: values.get(name) for name in SPEC_FIELDS})
    return evaluate_order(account=values["account"], instrument=instrument, spec=spec), instrument


@login_required
@require_POST
def order_preview(request):
    """The htmx fragment under the ticket: impact and each risk check with its code, before submit."""
    _require_trader(request.user)
    form = OrderTicketForm(request.POST, user=request.user)
    context = {"form": form, "report": None, "error": None}
    if form.is_valid():
        try:
            context["report"], context["instrument"] = preview_report(form)
            impact = context["report"].impact
            context["weight_before"] = _percent(impact.weight_before)
            context["weight_after"] = _percent(impact.weight_after)
        except DomainError as error:
            context["error"] = error
    return render(request, "trading/ticket_preview.html", context)


@login_required
def blotter(request):
    """Orders the user may see, filtered and paginated; rows update live over ``ws/orders/``."""
    accounts = accounts_visible_to(request.user).order_by("name", "pk")
    filters = OrderFilter(request.GET or None, queryset=order_list(request.user), accounts=accounts)
    orders = filters.qs if filters.is_bound and filters.is_valid() else order_list(request.user)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "orders": page.object_list, "can_trade": can_trade(request.user)}
    if request.htmx and request.GET.get("fragment") == "rows":
        return render(request, "trading/blotter_rows.html", context)
    return render(request, "trading/blotter.html", context)

"""One order's page: the memorandum, fills, state history, and the cancel and replace forms.

GET shows the order; POST with ``action=cancel`` or ``action=replace`` calls the service and comes
back here (a replace goes to the new order). Outside the user's scope: 404; a reading role posting: 403.
``?fragment=live`` answers the part of the page that changes (status, fills, history) for the live
refresh driven by ``ws/orders/<id>/``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from valuepartner.errors import DomainError

from .forms import CancelForm, ReplaceForm
from .services import cancel_order, replace_order
from .services.order_changes import REPLACEABLE
from .state_machine import TERMINAL
from .views_selectors import can_trade
from .views_selectors import order_detail as order_detail_queryset


def _handle_post(request, order, forms: dict):
    action = request.POST.get("action")
    if action not in forms:
        messages.error(request, "Choose cancel or replace.")
        return redirect("trading:order-detail", pk=order.pk)
    form = forms[action] = (CancelForm if action == "cancel" else ReplaceForm)(request.POST, prefix=action)
    if not form.is_valid():
        return None
    try:
        if action == "cancel":
            order = cancel_order(order=order, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, f"Cancel requested: the order is {order.get_status_display().lower()}.")
        else:
            new = replace_order(order=order, actor=request.user, **form.service_values())
            messages.success(request, "Replacement entered; the old order becomes replaced when the broker says so.")
            return redirect("trading:order-detail", pk=new.pk)
    except DomainError as error:
        form.add_domain_error(error)
        return None
    return redirect("trading:order-detail", pk=order.pk)


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request, pk: int):
    order = get_object_or_404(order_detail_queryset(request.user), pk=pk)
    trader = can_trade(request.user)
    forms = {"cancel": CancelForm(prefix="cancel"), "replace": ReplaceForm(prefix="replace")}
    if request.method == "POST":
        if not trader:
            raise PermissionDenied("Your role cannot change orders.")
        done = _handle_post(request, order, forms)
        if done is not None:
            return done
    context = {
        "order": order,
        "transitions": list(order.transitions.all()),
        "fills": list(order.fills.all()),
        "replacements": list(order.replacements.all()),
        "can_cancel": trader and order.status not in TERMINAL,
        "can_replace": trader and order.status in REPLACEABLE and bool(order.broker_order_id),
        "cancel_form": forms["cancel"],
        "replace_form": forms["replace"],
    }
    status = 400 if any(form.is_bound and form.errors for form in forms.values()) else 200
    if request.htmx and request.GET.get("fragment") == "live":
        return render(request, "trading/order_live.html", context)
    return render(request, "trading/order_detail.html", context, status=status)

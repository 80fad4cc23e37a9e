"""Rebalance proposal pages: the create form (mode and parameters) and the review page.

The review page answers GET with the proposal and POST with an accept or reject decision, so
one scoped address serves both (outside scope: 404; a reading role posting: 403).
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import Capability, has_capability
from valuepartner.errors import DomainError
from valuepartner.forms import submit_to_service

from .forms_models import ProposalForm
from .rebalance import CASH_KEY
from .selectors import accounts_visible_to, proposal_trades, proposals_visible_to
from .services import create_proposal, review_proposal

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    if not has_capability(request.user, Capability.MANAGE_BOOK):
        raise PermissionDenied("Your role cannot create rebalance proposals.")
    form = ProposalForm(request.POST if request.method == "POST" else None)
    done = submit_to_service(
        request,
        form,
        lambda data: create_proposal(account=account, actor=request.user, **form.service_values()),
        success=lambda proposal: f"Proposal with {proposal.trades.count()} trade(s) created.",
        then="portfolios:proposal-detail",
    )
    return done or render(request, "portfolios/proposal_form.html", {"form": form, "account": account})


def weight_rows(proposal) -> list[dict]:
    """Target, before and after per symbol (cash last), with bar widths in percent for the chart."""
    keys = sorted(set(proposal.target_weights) | set(proposal.before_weights) | set(proposal.after_weights))
    keys = [key for key in keys if key != CASH_KEY] + [CASH_KEY]
    rows = []
    for key in keys:
        values = {
            name: Decimal(getattr(proposal, f"{name}_weights").get(key, "0")) for name in ("target", "before", "after")
        }
        rows.append(
            {
                "label": "Cash" if key == CASH_KEY else key,
                **{name: f"{value * HUNDRED:.2f}" for name, value in values.items()},
                **{f"{name}_bar": f"{min(value, Decimal(1)) * HUNDRED:.1f}" for name, value in values.items()},
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, pk: int):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    can_review = has_capability(request.user, Capability.MANAGE_BOOK)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied("Your role cannot review rebalance proposals.")
        try:
            proposal = review_proposal(proposal=proposal, actor=request.user, decision=request.POST.get("decision", ""))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Proposal accepted." if request.POST["decision"] == "accept" else "Proposal rejected."
            )
        return redirect("portfolios:proposal-detail", pk=proposal.pk)
    trades = list(proposal_trades(proposal))
    context = {
        "proposal": proposal,
        "account": proposal.account,
        "trades": trades,
        "weights": weight_rows(proposal),
        "sold": sum((t.notional for t in trades if t.side == "sell"), ZERO),
        "bought": sum((t.notional for t in trades if t.side == "buy"), ZERO),
        "can_review": can_review and proposal.is_open,
    }
    return render(request, "portfolios/proposal_detail.html", context)

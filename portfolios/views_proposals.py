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
from trading.services import approve_proposal, reject_proposal
from trading.views_selectors import proposal_decisions, proposal_orders
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


def _decide(request, proposal) -> str:
    """``approve`` (all lines, or the ticked ones) enters and submits the orders; ``reject`` needs a
    reason; ``accept`` marks the proposal accepted without placing orders (traded elsewhere)."""
    decision = request.POST.get("decision", "")
    if decision == "approve":
        trade_ids = request.POST.getlist("trades") or None
        if trade_ids is not None and not all(value.isdigit() for value in trade_ids):
            raise DomainError("invalid", "Choose lines of this proposal.")
        orders = approve_proposal(
            proposal=proposal,
            actor=request.user,
            trade_ids=trade_ids,
            discretionary=request.POST.get("discretionary") == "on",
        )
        return f"Proposal approved: {len(orders)} order{'s' if len(orders) != 1 else ''} submitted."
    if decision == "reject":
        if not proposal.is_open:
            raise DomainError("proposal_not_open", f"This proposal is already {proposal.get_status_display().lower()}.")
        reject_proposal(proposal=proposal, actor=request.user, reason=request.POST.get("reason", ""))
        return "Proposal rejected."
    review_proposal(proposal=proposal, actor=request.user, decision=decision)
    return "Proposal accepted."


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, pk: int):
    proposal = get_object_or_404(proposals_visible_to(request.user), pk=pk)
    can_review = has_capability(request.user, Capability.MANAGE_BOOK)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied("Your role cannot review rebalance proposals.")
        try:
            message = _decide(request, proposal)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
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
        "orders": proposal_orders(proposal),
        "decisions": proposal_decisions(proposal),
    }
    return render(request, "portfolios/proposal_detail.html", context)

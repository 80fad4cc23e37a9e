"""Reads of orders for the trading pages, API and live streams, scoped to what the user may see.

An order is visible exactly when its account is (``trading.selectors.orders_visible_to``, through
``portfolios.selectors.accounts_visible_to``): the advisor's book, the whole firm for operators and
compliance, one's own accounts for clients.
Every function returns a queryset with what its caller renders already joined, so a page costs the
same number of queries for 5 rows or 5,000.
"""

from django.db.models import Prefetch, QuerySet

from accounts.roles import Capability, has_capability
from portfolios.selectors import accounts_visible_to

from .models import Fill, Order, OrderTransition, ProposalDecision
from .selectors import orders_visible_to

LIST_RELATED = ("account", "instrument", "placed_by", "recommended_by")


def order_list(user) -> QuerySet[Order]:
    """Newest first, with what a blotter row shows."""
    return orders_visible_to(user).select_related(*LIST_RELATED).order_by("-created_at", "-id")


def order_detail(user) -> QuerySet[Order]:
    """One order with its memorandum, fills and status history (use ``.get(pk=...)``)."""
    return (
        orders_visible_to(user)
        .select_related(*LIST_RELATED, "account__client__household__advisor", "replaces", "proposal_trade__proposal")
        .prefetch_related(
            # In the order the state machine applied them: a broker's event time may precede our
            # entry time (clock skew, simulated sessions), the sequence of states may not.
            Prefetch("transitions", queryset=OrderTransition.objects.select_related("actor").order_by("id")),
            Prefetch("fills", queryset=Fill.objects.select_related("transaction").order_by("at", "id")),
            Prefetch("replacements", queryset=Order.objects.order_by("created_at", "id")),
        )
    )


def can_trade(user) -> bool:
    """Placing, canceling and replacing orders needs the right to manage the book (advisors, operators)."""
    return has_capability(user, Capability.MANAGE_BOOK)


def tradable_accounts(user):
    """Accounts the user may place orders for (empty for reading roles)."""
    if not can_trade(user):
        return accounts_visible_to(user).none()
    return accounts_visible_to(user).filter(is_active=True).order_by("name", "pk")


def proposal_orders(proposal) -> list[Order]:
    """The orders entered from a rebalance proposal's lines (the proposal page lists them)."""
    orders = Order.objects.filter(proposal_trade__proposal=proposal).select_related("instrument")
    return list(orders.order_by("created_at", "id"))


def proposal_decisions(proposal) -> list[ProposalDecision]:
    """Approvals and rejections of a proposal, with who decided and the reason."""
    return list(
        ProposalDecision.objects.filter(proposal=proposal).select_related("decided_by").order_by("decided_at", "id")
    )

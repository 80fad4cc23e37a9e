"""Reads of rebalance proposals: those of the accounts a book-viewing user may see.

Clients do not see proposals: a proposal is advice under review, not yet anything done to their
account.
"""

from django.db.models import QuerySet

from accounts.roles import Capability, has_capability

from ..models import ProposalTrade, RebalanceProposal
from .accounts import accounts_visible_to


def proposals_visible_to(user) -> QuerySet[RebalanceProposal]:
    if not has_capability(user, Capability.VIEW_BOOK):
        return RebalanceProposal.objects.none()
    return RebalanceProposal.objects.filter(account__in=accounts_visible_to(user).values("pk")).select_related(
        "account", "account__client", "model_portfolio", "created_by", "reviewed_by"
    )


def proposal_trades(proposal: RebalanceProposal) -> QuerySet[ProposalTrade]:
    return proposal.trades.select_related("instrument").order_by("sequence", "id")

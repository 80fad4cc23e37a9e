"""An advisor's decision on a rebalance proposal: which lines became orders, or why it was rejected."""

from django.conf import settings
from django.db import models

from ..choices import ProposalDecisionKind


class ProposalDecision(models.Model):
    proposal = models.OneToOneField("portfolios.RebalanceProposal", on_delete=models.PROTECT, related_name="decision")
    decision = models.CharField(max_length=20, choices=ProposalDecisionKind.choices)
    reason = models.CharField(max_length=1000, blank=True)
    trades = models.ManyToManyField("portfolios.ProposalTrade", blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Proposal {self.proposal_id}: {self.get_decision_display()}"

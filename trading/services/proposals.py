"""Rebalance proposals → orders. Approving (whole, or chosen lines) accepts the proposal through
portfolios' ``review_proposal`` and enters one market day order per line, sells first; rejecting
records the reason. All in one transaction: if any line fails its pre-trade checks nothing is
entered and the proposal stays open (RiskRejected names the line in its fields).

Buys may count on the cash the proposal's own sells will raise (their estimated proceeds), the
way the proposal was computed.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from compliance.services import record_event
from portfolios.choices import TradeSide
from portfolios.services.proposals import review_proposal

from ..choices import OrderSource, OrderType, ProposalDecisionKind, TimeInForce
from ..errors import RiskRejected, TradingError
from ..models import Order, ProposalDecision
from .orders import submit_order

ZERO = Decimal("0")


def approve_proposal(
    *, proposal, actor, trade_ids: list[int] | None = None, discretionary: bool = False
) -> list[Order]:
    """Accept ``proposal`` and submit orders for all its lines, or only ``trade_ids``. Returns the orders."""
    with transaction.atomic():
        trades = list(proposal.trades.select_related("instrument").order_by("sequence", "id"))
        if trade_ids is not None:
            wanted = {int(pk) for pk in trade_ids}
            unknown = wanted - {trade.pk for trade in trades}
            if unknown or not wanted:
                message = "Choose lines of this proposal." if not wanted else "Some lines are not in this proposal."
                raise TradingError("invalid", message, fields={"trade_ids": [message]})
            trades = [trade for trade in trades if trade.pk in wanted]
        if not trades:
            raise TradingError("empty_proposal", "This proposal has no trades to place.")
        review_proposal(proposal=proposal, actor=actor, decision="accept")
        sells = [trade for trade in trades if trade.side == TradeSide.SELL]
        buys = [trade for trade in trades if trade.side == TradeSide.BUY]
        proceeds = sum((trade.notional - trade.estimated_cost for trade in sells), ZERO)
        orders = []
        for trade in sells + buys:
            try:
                orders.append(
                    submit_order(
                        account=proposal.account,
                        actor=actor,
                        instrument=trade.instrument,
                        side=trade.side,
                        order_type=OrderType.MARKET,
                        time_in_force=TimeInForce.DAY,
                        qty=trade.quantity,
                        recommended_by=proposal.created_by or actor,
                        discretionary=discretionary,
                        note=f"Rebalance proposal {proposal.pk}: {trade.reason}"[:500],
                        source=OrderSource.PROPOSAL,
                        proposal_trade=trade,
                        extra_buying_power=proceeds if trade.side == TradeSide.BUY else ZERO,
                    )
                )
            except RiskRejected as error:
                error.fields = {f"trades.{trade.pk}.{name}": messages for name, messages in error.fields.items()}
                error.message = f"{trade.instrument.symbol}: {error.message}"
                raise
        decision = ProposalDecision.objects.create(
            proposal=proposal,
            decision=ProposalDecisionKind.APPROVED if trade_ids is None else ProposalDecisionKind.PARTIALLY_APPROVED,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        decision.trades.set(trades)
        record_event(
            action="proposal.orders_submitted",
            actor=actor,
            target=proposal,
            firm_id=proposal.account.client.household.firm_id,
            metadata={"orders": [order.pk for order in orders], "trades": [trade.pk for trade in trades]},
        )
    return orders


def reject_proposal(*, proposal, actor, reason: str) -> ProposalDecision:
    """Reject ``proposal``; the reason is required and kept with the decision and in the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise TradingError("invalid", "Say why the proposal is rejected.", fields={"reason": ["Enter a reason."]})
    with transaction.atomic():
        review_proposal(proposal=proposal, actor=actor, decision="reject")
        decision = ProposalDecision.objects.create(
            proposal=proposal,
            decision=ProposalDecisionKind.REJECTED,
            reason=reason[:1000],
            decided_by=actor,
            decided_at=timezone.now(),
        )
        record_event(
            action="proposal.rejection_reason",
            actor=actor,
            target=proposal,
            firm_id=proposal.account.client.household.firm_id,
            metadata={"reason": decision.reason},
        )
    return decision

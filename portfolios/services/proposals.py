"""Rebalance proposals: built from the ledger's state, computed by the pure engine, stored, reviewed.

``create_proposal`` reads the account's positions, open lots, last closes and its sales at a loss
of the last 30 days (the wash-sale window), hands them to ``rebalance.engine.rebalance`` and
stores what it proposes. Open proposals of the account are superseded by the new one, under a
lock on the account row, so an account never has two open proposals.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from marketdata.selectors import latest_closes

from ..choices import TAXABLE_ACCOUNT_TYPES, LotReliefMethod, ProposalStatus, RebalanceMode, TradeSide
from ..errors import PortfoliosError
from ..models import Account, Lot, LotRelief, Position, ProposalTrade, RebalanceProposal
from ..money import to_cash
from ..rebalance import Bands, Holding, OpenLot, Parameters, RebalanceInput, Target, rebalance
from ..rebalance.engine import WASH_SALE_DAYS

DEFAULTS = {
    "min_trade": Decimal("0"),
    "cash_buffer": Decimal("0"),
    "fractional": True,
    "tax_aware": False,
    "raise_amount": Decimal("0"),
    "commission": Decimal("0"),
    "slippage_bps": Decimal("5"),
}
MAX_SLIPPAGE_BPS = Decimal("1000")
DECISIONS = {"accept": ProposalStatus.ACCEPTED, "reject": ProposalStatus.REJECTED}


class ProposalConflict(PortfoliosError):
    status = 409


def _error(code: str, field: str, message: str) -> PortfoliosError:
    return PortfoliosError(code, message, fields={field: [message]})


def _require_manage(actor) -> None:
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot create or review rebalance proposals.")


def _money(field: str, value, *, positive: bool = False) -> Decimal:
    try:
        value = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise _error("invalid", field, "Enter a number.") from None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise _error("invalid", field, "Must be more than 0." if positive else "Cannot be negative.")
    if value != to_cash(value):
        raise _error("invalid", field, "Use at most 2 decimal places.")
    return value


def clean_parameters(mode: str, params: dict) -> dict:
    """Parameters with defaults filled in, or a PortfoliosError naming the bad field."""
    if mode not in RebalanceMode.values:
        raise _error("invalid_mode", "mode", "Choose a rebalance mode.")
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown parameters: {', '.join(sorted(unknown))}.")
    values = {**DEFAULTS, **params}
    cleaned = {
        "min_trade": _money("min_trade", values["min_trade"]),
        "cash_buffer": _money("cash_buffer", values["cash_buffer"]),
        "raise_amount": _money("raise_amount", values["raise_amount"], positive=mode == RebalanceMode.RAISE_CASH),
        "commission": _money("commission", values["commission"]),
        "fractional": bool(values["fractional"]),
        "tax_aware": bool(values["tax_aware"]),
    }
    try:
        bps = Decimal(str(values["slippage_bps"]))
    except (InvalidOperation, TypeError, ValueError):
        raise _error("invalid", "slippage_bps", "Enter a number.") from None
    if not bps.is_finite() or not 0 <= bps <= MAX_SLIPPAGE_BPS:
        raise _error("invalid", "slippage_bps", f"Must be between 0 and {MAX_SLIPPAGE_BPS} basis points.")
    cleaned["slippage_bps"] = bps
    return cleaned


def build_input(*, account: Account, mode: str, parameters: dict, as_of: dt.date) -> tuple[RebalanceInput, dict]:
    """The engine's input from the database, and each instrument id's Instrument (for storing trades)."""
    model = account.model_portfolio
    positions = list(Position.objects.filter(account=account, quantity__gt=0).select_related("instrument"))
    lots: dict[int, list[OpenLot]] = {}
    for lot in Lot.objects.filter(account=account, remaining_quantity__gt=0).order_by("acquired_on", "pk"):
        lots.setdefault(lot.instrument_id, []).append(
            OpenLot(lot.pk, lot.acquired_on, lot.remaining_quantity, lot.cost_basis)
        )
    targets = list(model.targets.select_related("instrument"))
    instruments = {p.instrument_id: p.instrument for p in positions}
    instruments.update({t.instrument_id: t.instrument for t in targets if t.instrument_id})
    closes = latest_closes(instruments, as_of=as_of)
    losses = (
        LotRelief.objects.filter(
            lot__account=account, realized_gain__lt=0, closed_on__gte=as_of - dt.timedelta(days=WASH_SALE_DAYS)
        )
        .values_list("lot__instrument_id", "closed_on")
        .order_by("closed_on")
    )
    method = account.lot_relief_method
    data = RebalanceInput(
        as_of=as_of,
        cash=account.cash,
        holdings=tuple(
            Holding(
                p.instrument_id,
                p.instrument.symbol,
                p.instrument.asset_class,
                p.quantity,
                closes[p.instrument_id][1] if p.instrument_id in closes else None,
                tuple(lots.get(p.instrument_id, ())),
            )
            for p in positions
        ),
        targets=tuple(
            Target(t.weight, t.instrument_id, t.instrument.symbol if t.instrument else "", t.asset_class)
            for t in targets
        ),
        cash_weight=model.cash_weight,
        bands=Bands(model.absolute_band, model.relative_band),
        parameters=Parameters(
            mode=mode,
            lot_order=method if method != LotReliefMethod.SPECIFIC else LotReliefMethod.FIFO,
            **parameters,
        ),
        prices={pk: close for pk, (_day, close) in closes.items()},
        taxable=account.account_type in TAXABLE_ACCOUNT_TYPES,
        recent_loss_sales=dict(losses),
    )
    price_days = [day for day, _close in closes.values()]
    return data, {"instruments": instruments, "prices_as_of": min(price_days, default=None)}


def _weights_json(weights: dict) -> dict:
    return {key: str(value) for key, value in weights.items()}


def _lots_json(trade) -> list[dict]:
    return [
        {
            "lot": sale.lot_id,
            "acquired_on": sale.acquired_on.isoformat(),
            "quantity": str(sale.quantity),
            "cost_basis": str(sale.cost_basis),
            "proceeds": str(sale.proceeds),
            "gain": str(sale.gain),
            "term": str(sale.term),
        }
        for sale in trade.lots
    ]


def _parameters_json(parameters: dict) -> dict:
    return {key: value if isinstance(value, bool) else str(value) for key, value in parameters.items()}


def create_proposal(*, account: Account, actor, mode: str, as_of: dt.date | None = None, **params):
    """Compute and store a proposal for ``account`` (which needs a model portfolio)."""
    _require_manage(actor)
    parameters = clean_parameters(mode, params)
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        account = Account.objects.select_for_update(of=("self",)).select_related("model_portfolio").get(pk=account.pk)
        if account.model_portfolio is None:
            raise _error("no_model", "mode", "Assign a model portfolio to this account first.")
        data, extra = build_input(account=account, mode=mode, parameters=parameters, as_of=as_of)
        result = rebalance(data)
        open_ones = list(
            RebalanceProposal.objects.select_for_update()
            .filter(account=account, status=ProposalStatus.PROPOSED)
            .values_list("pk", flat=True)
        )
        RebalanceProposal.objects.filter(pk__in=open_ones).update(status=ProposalStatus.SUPERSEDED)
        proposal = RebalanceProposal.objects.create(
            account=account,
            model_portfolio=account.model_portfolio,
            mode=mode,
            parameters=_parameters_json(parameters),
            created_by=actor,
            target_weights=_weights_json(result.target_weights),
            before_weights=_weights_json(result.before_weights),
            after_weights=_weights_json(result.after_weights),
            total_value=result.total_value,
            cash_before=result.cash_before,
            cash_after=result.cash_after,
            estimated_cost=result.estimated_cost,
            estimated_short_term_gain=result.short_term_gain,
            estimated_long_term_gain=result.long_term_gain,
            prices_as_of=extra["prices_as_of"],
            warnings=list(result.warnings),
        )
        ProposalTrade.objects.bulk_create(
            ProposalTrade(
                proposal=proposal,
                instrument=extra["instruments"][trade.instrument_id],
                side=trade.side,
                quantity=trade.quantity,
                price=trade.price,
                notional=trade.notional,
                estimated_cost=trade.estimated_cost,
                lots=_lots_json(trade) if trade.side == TradeSide.SELL else [],
                estimated_short_term_gain=trade.short_term_gain,
                estimated_long_term_gain=trade.long_term_gain,
                reason=trade.reason[:300],
                sequence=sequence,
            )
            for sequence, trade in enumerate(result.trades)
        )
        record_event(
            action="proposal.created",
            actor=actor,
            target=proposal,
            firm_id=account.model_portfolio.firm_id,
            changes={"status": (None, ProposalStatus.PROPOSED)},
            metadata={
                "account": account.pk,
                "mode": mode,
                "parameters": _parameters_json(parameters),
                "trades": len(result.trades),
                "superseded": open_ones,
            },
        )
    return proposal


def review_proposal(*, proposal: RebalanceProposal, actor, decision: str) -> RebalanceProposal:
    """Accept or reject an open proposal (``decision`` is "accept" or "reject")."""
    _require_manage(actor)
    if decision not in DECISIONS:
        raise _error("invalid_decision", "decision", "Accept or reject the proposal.")
    with transaction.atomic():
        proposal = RebalanceProposal.objects.select_for_update().select_related("model_portfolio").get(pk=proposal.pk)
        if proposal.status != ProposalStatus.PROPOSED:
            raise ProposalConflict(
                "proposal_not_open", f"This proposal is already {proposal.get_status_display().lower()}."
            )
        before = proposal.status
        proposal.status = DECISIONS[decision]
        proposal.reviewed_by = actor
        proposal.reviewed_at = timezone.now()
        proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        record_event(
            action=f"proposal.{proposal.status}",
            actor=actor,
            target=proposal,
            firm_id=proposal.model_portfolio.firm_id,
            changes={"status": (before, proposal.status)},
        )
    return proposal

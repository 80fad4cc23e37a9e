"""Accounts following a strategy: its target weights become the strategy's model portfolio, and each
assigned account gets a rebalance proposal from the portfolios services.

The strategy keeps one model portfolio of its own ("Strategy: <name>"), owned like the strategy.
Refreshing the targets rewrites that model's targets through ``update_model_portfolio`` (as the
system, since the strategy — not a person — decides them; the strategy's own audit event names
who asked) and then asks ``create_proposal`` for a full rebalance of every assigned account.
"""

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from accounts.roles import Capability, has_capability
from compliance.services import record_event
from marketdata.models import DailyBar, Instrument
from portfolios.choices import RebalanceMode
from portfolios.models import Account, ModelPortfolio
from portfolios.selectors import accounts_visible_to
from portfolios.services import assign_model, create_model_portfolio, update_model_portfolio
from portfolios.services.proposals import create_proposal

from ..models import Strategy, StrategyAssignment, TargetSnapshot
from ..selectors import strategies_visible_to
from .config import config_for, engine_config, with_range
from .errors import StrategiesError, field_error
from .run_execution import engine_call

WEIGHT_STEP = Decimal("0.000001")
ONE = Decimal("1")
# Calendar days of prices loaded per session of history the strategy needs (weekends, holidays).
CALENDAR_PER_SESSION = 1.5


def _require_manage(actor) -> None:
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise StrategiesError("forbidden", "Your role cannot assign strategies or propose trades.")


def _model_name(strategy: Strategy) -> str:
    return f"Strategy: {strategy.name}"[:200]


def ensure_model(strategy: Strategy) -> ModelPortfolio:
    """The strategy's own model portfolio, created (all cash until the first targets) when missing."""
    with transaction.atomic():
        strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
        if strategy.model_portfolio_id is not None:
            return strategy.model_portfolio
        model = create_model_portfolio(
            actor=strategy.owner,
            firm=strategy.firm,
            name=_model_name(strategy),
            targets=[],
            cash_weight=ONE,
            description=f"Kept up to date by strategy “{strategy.name}”; edit the strategy, not this model.",
        )
        strategy.model_portfolio = model
        strategy.save(update_fields=["model_portfolio", "updated_at"])
    return model


def assign_strategy(*, actor, strategy: Strategy, account: Account, started_on: dt.date | None = None):
    """Make ``account`` follow ``strategy`` (replacing any strategy it followed)."""
    _require_manage(actor)
    if actor is not None:
        if not strategies_visible_to(actor).filter(pk=strategy.pk).exists():
            raise field_error("invalid_strategy", "strategy", "Choose one of your strategies.")
        if not accounts_visible_to(actor).filter(pk=account.pk).exists():
            raise field_error("invalid_account", "account", "Choose one of your accounts.")
    if account.client.household.firm_id != strategy.firm_id:
        raise field_error("invalid_account", "account", "Choose one of your accounts.")
    if not strategy.is_active:
        raise StrategiesError("inactive_strategy", "This strategy is inactive; activate it first.")
    model = ensure_model(strategy)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        current = StrategyAssignment.objects.select_for_update().filter(account=account).first()
        before = current.strategy_id if current else None
        started_on = started_on or timezone.localdate()
        if current is None:
            assignment = StrategyAssignment.objects.create(
                strategy=strategy, account=account, assigned_by=actor, started_on=started_on
            )
        elif current.strategy_id != strategy.pk:
            current.strategy, current.assigned_by, current.started_on = strategy, actor, started_on
            current.save(update_fields=["strategy", "assigned_by", "started_on"])
            assignment = current
        else:
            return current
        assign_model(actor=actor, account=account, model=model)
        record_event(
            action="strategy.account_assigned",
            actor=actor,
            target=assignment,
            firm_id=strategy.firm_id,
            changes={"strategy": (before, strategy.pk)},
            metadata={"account": account.pk, "started_on": started_on.isoformat()},
        )
    return assignment


def unassign_strategy(*, actor, assignment: StrategyAssignment) -> None:
    """Stop ``assignment``'s account following its strategy (its model portfolio is removed too)."""
    _require_manage(actor)
    with transaction.atomic():
        assignment = (
            StrategyAssignment.objects.select_for_update().select_related("account", "strategy").get(pk=assignment.pk)
        )
        account = assignment.account
        if account.model_portfolio_id == assignment.strategy.model_portfolio_id:
            assign_model(actor=actor, account=account, model=None)
        record_event(
            action="strategy.account_unassigned",
            actor=actor,
            target=assignment,
            firm_id=assignment.strategy.firm_id,
            changes={"strategy": (assignment.strategy_id, None)},
            metadata={"account": account.pk},
        )
        assignment.delete()


def quantize_weights(weights: dict[str, float]) -> tuple[dict[str, Decimal], Decimal]:
    """Weights rounded down to the model's 6 decimals (never above 100 % in total), and the cash left."""
    cleaned = {
        symbol: Decimal(repr(float(weight))).quantize(WEIGHT_STEP, rounding=ROUND_DOWN)
        for symbol, weight in weights.items()
        if weight and weight > 0
    }
    cleaned = {symbol: weight for symbol, weight in cleaned.items() if weight > 0}
    total = sum(cleaned.values(), Decimal("0"))
    if total > ONE:
        raise StrategiesError("invalid_targets", f"The strategy's weights add up to {total:.4%}, above 100%.")
    return cleaned, ONE - total


def _history_start(config, as_of: dt.date) -> dt.date:
    """Enough history for the lookbacks, but not before the universe's common first session."""
    sessions = max(config.warmup_bars, config.regimes.history, 252) + 30
    start = as_of - dt.timedelta(days=int(sessions * CALENDAR_PER_SESSION))
    if config.universe:
        firsts = (
            DailyBar.objects.filter(instrument__symbol__in=config.universe)
            .values("instrument")
            .annotate(first=Min("date"))
            .values_list("first", flat=True)
        )
        start = max([start, *firsts])
    return start


def compute_targets(strategy: Strategy, as_of: dt.date) -> tuple[dict[str, float], dict]:
    """The engine's target weights of ``strategy`` on ``as_of`` from the stored prices."""
    from ..panel_store import load_panel
    from ..targets import target_details

    config = engine_config(config_for(strategy))
    start = _history_start(config, as_of)
    panel = engine_call(
        load_panel,
        list(config.universe) or None,
        start,
        as_of,
        benchmark=config.benchmark,
        min_bars=config.warmup_bars + 1,
    )
    config = engine_config(with_range(config_for(strategy), start, as_of))
    details = engine_call(target_details, config, panel, panel.end)
    weights = details.get("weights") or {}
    summary = {
        "prices_as_of": panel.end.isoformat(),
        "symbols": len(panel.symbols),
        "notes": list(panel.notes) + list(details.get("notes") or []),
        **{key: details.get(key) for key in ("regime", "regime_enabled", "breaker_state", "exposure", "parameters")},
    }
    return dict(weights), summary


def refresh_targets(*, actor, strategy: Strategy, as_of: dt.date | None = None) -> TargetSnapshot:
    """Compute today's targets, write them into the strategy's model and propose trades to its accounts."""
    _require_manage(actor)
    as_of = as_of or timezone.localdate()
    weights, details = compute_targets(strategy, as_of)
    quantized, cash = quantize_weights(weights)
    instruments = {i.symbol: i for i in Instrument.objects.filter(symbol__in=quantized)}
    model = ensure_model(strategy)
    with transaction.atomic():
        update_model_portfolio(
            actor=None,
            model=model,
            targets=[
                {"instrument": instruments[symbol], "asset_class": "", "weight": weight}
                for symbol, weight in sorted(quantized.items())
            ],
            cash_weight=cash,
        )
        snapshot = TargetSnapshot.objects.create(
            strategy=strategy,
            as_of=dt.date.fromisoformat(details["prices_as_of"]),
            weights={symbol: str(weight) for symbol, weight in quantized.items()},
            details={**details, "cash": str(cash)},
            created_by=actor,
        )
        accounts = Account.objects.filter(strategy_assignment__strategy=strategy, is_active=True).order_by("pk")
        if actor is not None:
            accounts = accounts.filter(pk__in=accounts_visible_to(actor).values("pk"))
        proposals = [
            create_proposal(account=account, actor=actor, mode=RebalanceMode.FULL, as_of=as_of) for account in accounts
        ]
        snapshot.proposals.set(proposals)
        record_event(
            action="strategy.targets_refreshed",
            actor=actor,
            target=snapshot,
            firm_id=strategy.firm_id,
            metadata={
                "strategy": strategy.pk,
                "as_of": snapshot.as_of.isoformat(),
                "holdings": len(quantized),
                "cash": str(cash),
                "proposals": [proposal.pk for proposal in proposals],
            },
        )
    return snapshot

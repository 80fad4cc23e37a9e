"""Kill switches: halt trading, or allow only reducing orders, for a whole firm or one account."""

from django.db import transaction

from accounts.choices import Role
from compliance.services import record_event
from portfolios.selectors import accounts_visible_to

from ..choices import KillSwitchState
from ..errors import TradingError
from ..models import KillSwitch, RiskLimit

FIRM_ROLES = {Role.OPERATOR, Role.COMPLIANCE}


def set_kill_switch(*, actor, state: str, account=None, firm_id: int | None = None, reason: str = "") -> KillSwitch:
    """Set the firm's switch (``account`` None; operators and compliance staff) or an account's (also the
    advisor who manages it). Audited with the reason."""
    if state not in KillSwitchState.values:
        raise TradingError("invalid", "Choose active, halted or reducing.", fields={"state": ["Choose a state."]})
    if not getattr(actor, "is_authenticated", False) or actor.firm_id is None:
        raise TradingError("forbidden", "Sign in to change a kill switch.")
    if account is not None:
        if not accounts_visible_to(actor).filter(pk=account.pk).exists() or actor.role == Role.CLIENT:
            raise TradingError("not_found", "No such account.")
        firm_id = account.client.household.firm_id
    else:
        firm_id = firm_id or actor.firm_id
        if actor.role not in FIRM_ROLES or firm_id != actor.firm_id:
            raise TradingError("forbidden", "Only operators and compliance staff switch a whole firm.")
    with transaction.atomic():
        if account is not None:
            switch, _ = KillSwitch.objects.select_for_update().get_or_create(
                account=account, defaults={"firm_id": firm_id}
            )
        else:
            switch, _ = KillSwitch.objects.select_for_update().get_or_create(firm_id=firm_id, account=None)
        before = switch.state
        switch.state = state
        switch.reason = (reason or "")[:500]
        switch.changed_by = actor
        switch.save()
        record_event(
            action="trading.kill_switch",
            actor=actor,
            target=switch,
            firm_id=firm_id,
            changes={"state": (before, state)},
            metadata={
                "scope": "account" if account is not None else "firm",
                "account": getattr(account, "pk", None),
                "reason": switch.reason,
            },
        )
    return switch


def save_risk_limit(*, actor, limit: RiskLimit, changed: list[str] | None = None) -> RiskLimit:
    """Save a firm's or an account's risk limits (operators and compliance staff); audited."""
    if not getattr(actor, "is_superuser", False) and (
        getattr(actor, "role", None) not in FIRM_ROLES or limit.firm_id != actor.firm_id
    ):
        raise TradingError("forbidden", "Only operators and compliance staff change risk limits.")
    if limit.account_id and limit.account.client.household.firm_id != limit.firm_id:
        raise TradingError("invalid", "The account belongs to another firm.", fields={"account": ["Not in this firm."]})
    with transaction.atomic():
        limit.updated_by = actor
        limit.save()
        record_event(
            action="trading.risk_limit",
            actor=actor,
            target=limit,
            firm_id=limit.firm_id,
            metadata={
                "account": limit.account_id,
                "changed": changed or [],
                **{
                    name: limit.__dict__[name]
                    for name in (
                        "max_order_notional",
                        "price_band_percent",
                        "max_position_notional",
                        "max_concentration_percent",
                    )
                },
            },
        )
    return limit

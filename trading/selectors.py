"""Reads of the trading domain, scoped to what the user may see (the accounts they may see)."""

from django.db.models import Q, QuerySet

from accounts.choices import Role
from portfolios.selectors import accounts_visible_to

from .models import BrokerCircuit, Fill, OperatorAlert, Order, OrderTransition


def orders_visible_to(user) -> QuerySet[Order]:
    """Orders of the accounts ``user`` may see, with what a list row shows joined in."""
    if not getattr(user, "is_authenticated", False) or user.firm_id is None:
        return Order.objects.none()
    return Order.objects.filter(
        account__in=accounts_visible_to(user).values("pk"), firm_id=user.firm_id
    ).select_related("account", "instrument", "placed_by", "recommended_by")


def order_history(order: Order) -> QuerySet[OrderTransition]:
    """Transitions in the order they were applied; ``at`` is the event's own time (a broker's clock for
    its updates), which need not rise with it."""
    return OrderTransition.objects.filter(order=order).select_related("actor").order_by("id")


def order_fills(order: Order) -> QuerySet[Fill]:
    return Fill.objects.filter(order=order).select_related("transaction").order_by("at", "id")


def open_alerts_for(user, limit: int | None = None) -> QuerySet[OperatorAlert]:
    """Open operator alerts of the user's firm and the ones concerning every firm (broker outages)."""
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.OPERATOR, Role.COMPLIANCE):
        return OperatorAlert.objects.none()
    alerts = OperatorAlert.objects.filter(resolved_at__isnull=True).filter(
        Q(firm_id=user.firm_id) | Q(firm__isnull=True)
    )
    alerts = alerts.select_related("order", "account").order_by("-last_seen_at", "-id")
    return alerts[:limit] if limit else alerts


def broker_circuits() -> QuerySet[BrokerCircuit]:
    return BrokerCircuit.objects.order_by("broker")

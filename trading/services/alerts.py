"""Operator alerts: raised by trading when a person must look (shown on the operator dashboard)."""

from django.db import transaction
from django.utils import timezone

from compliance.services import record_event

from ..choices import AlertSeverity
from ..models import OperatorAlert


def raise_alert(
    *,
    kind: str,
    key: str,
    message: str,
    severity: str = AlertSeverity.WARNING,
    firm_id: int | None = None,
    order=None,
    account=None,
    details: dict | None = None,
) -> OperatorAlert:
    """Open an alert, or repeat the open one with the same ``key`` (count + last seen)."""
    now = timezone.now()
    with transaction.atomic():
        alert = OperatorAlert.objects.select_for_update().filter(key=key, resolved_at__isnull=True).first()
        if alert is not None:
            alert.count += 1
            alert.last_seen_at = now
            alert.message = message[:1000]
            alert.save(update_fields=["count", "last_seen_at", "message"])
            return alert
        return OperatorAlert.objects.create(
            firm_id=firm_id if firm_id is not None else getattr(order, "firm_id", None),
            kind=kind,
            severity=severity,
            key=key[:200],
            message=message[:1000],
            order=order,
            account=account,
            details=details or {},
            last_seen_at=now,
        )


def resolve_alert(*, key: str | None = None, alert: OperatorAlert | None = None, actor=None) -> int:
    """Resolve the open alert(s) with ``key`` (or the given one); audited when a person resolves it."""
    now = timezone.now()
    with transaction.atomic():
        alerts = OperatorAlert.objects.select_for_update().filter(resolved_at__isnull=True)
        alerts = alerts.filter(pk=alert.pk) if alert is not None else alerts.filter(key=key)
        resolved = list(alerts)
        for item in resolved:
            item.resolved_at = now
            item.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
            item.save(update_fields=["resolved_at", "resolved_by"])
            if item.resolved_by is not None:
                record_event(
                    action="trading.alert_resolved",
                    actor=actor,
                    target=item,
                    firm_id=item.firm_id,
                    metadata={"kind": item.kind, "key": item.key},
                )
    return len(resolved)

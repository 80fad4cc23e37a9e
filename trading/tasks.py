"""Celery tasks of trading: thin, idempotent, taking ids; each calls a service.

Scheduled (celery-beat PeriodicTask rows created on migrate, see trading.apps): retry queued
orders, expire DAY/GTD orders, reconcile with the brokers.
"""

from celery import shared_task
from django.utils import timezone

from .brokers import breaker
from .brokers.simulator_tasks import (  # noqa: F401 - registers the paper simulator's tasks with workers
    deliver_simulated_events,
    match_resting_simulated_orders,
    process_simulated_order,
)
from .choices import OrderStatus
from .models import Order


@shared_task(ignore_result=True)
def dispatch_order_task(order_id: int) -> str:
    """Send a queued order to its broker (no-op if it was already sent or canceled)."""
    from .services.dispatch import dispatch_order

    return dispatch_order(order_id)


@shared_task(ignore_result=True)
def retry_queued_orders() -> dict:
    """Send orders still queued (breaker was open, or out of attempts), oldest first, per broker.

    While a broker's breaker is open and not yet due for a trial nothing is sent; when it is due, the
    oldest order goes first as the trial call, and the rest follow only if it went through.
    """
    from .services.dispatch import DONE, dispatch_order

    now = timezone.now()
    sent: dict[str, int] = {}
    queued = Order.objects.filter(status=OrderStatus.QUEUED).exclude(next_attempt_at__gt=now)
    for broker_name in queued.values_list("broker", flat=True).distinct().order_by():
        if breaker.is_open(broker_name):
            continue
        ids = list(queued.filter(broker=broker_name).order_by("pk").values_list("pk", flat=True))
        count = 0
        for order_id in ids:
            outcome = dispatch_order(order_id)
            if outcome != DONE:
                break
            count += 1
        sent[broker_name] = count
    return sent


@shared_task(ignore_result=True)
def expire_orders_task() -> list[int]:
    """Expire DAY orders after their session's close and GTD orders at their time."""
    from .services.maintenance import expire_due_orders

    return expire_due_orders()


@shared_task(ignore_result=True)
def reconcile_task(broker_name: str | None = None) -> dict:
    """Compare open orders and positions with each broker in use; repair orders, flag differences."""
    from .services.maintenance import reconcile_broker

    names = [broker_name] if broker_name else list(Order.objects.values_list("broker", flat=True).distinct().order_by())
    return {name: reconcile_broker(name) for name in names}

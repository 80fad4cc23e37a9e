"""Celery tasks of the paper simulator. They take ids, re-read, and are safe to run twice.

``match_resting_simulated_orders`` is the periodic one (celery-beat): it meets every open paper order
with the bars that arrived since its last run, expires DAY orders whose session passed without a bar,
and re-delivers trade updates that failed earlier.
"""

from celery import shared_task

from . import simulator_book as book


@shared_task(name="trading.simulator.process_order", ignore_result=True)
def process_simulated_order(order_id: str) -> int:
    created = book.process(order_id)
    book.deliver(order_id)
    return created


@shared_task(name="trading.simulator.deliver_events", ignore_result=True)
def deliver_simulated_events(order_id: str) -> int:
    return book.deliver(order_id)


@shared_task(name="trading.simulator.match_resting_orders", ignore_result=True)
def match_resting_simulated_orders() -> dict:
    from django.utils import timezone

    now = timezone.now()
    matched = 0
    for order_id in book.orders_due(now=now):
        matched += book.process(order_id, now=now, skip_locked=True)
    delivered = 0
    for order_id in book.orders_with_undelivered_events():
        delivered += book.deliver(order_id)
    return {"events": matched, "delivered": delivered}

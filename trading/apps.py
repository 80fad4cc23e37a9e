from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The schedule operators see (and may change) in the admin's Periodic tasks; created once, never overwritten.
PERIODIC_TASKS = [
    ("trading: retry queued orders", "trading.tasks.retry_queued_orders", 30),
    ("trading: expire day and good-till-date orders", "trading.tasks.expire_orders_task", 300),
    ("trading: reconcile with brokers", "trading.tasks.reconcile_task", 600),
    ("trading: paper simulator (new bars, expiry, redelivery)", "trading.simulator.match_resting_orders", 60),
]


def install_schedule(**kwargs) -> None:
    """Create the trading PeriodicTask rows (celery-beat DatabaseScheduler) if they are missing."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, task, seconds in PERIODIC_TASKS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(name=name, task=task, interval=interval, enabled=True)


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = "Trading"

    def ready(self) -> None:
        post_migrate.connect(install_schedule, sender=self, dispatch_uid="trading.install_schedule")
        from django.db.backends.signals import connection_created

        from .statistics import register_sqlite_percentile

        connection_created.connect(register_sqlite_percentile, dispatch_uid="trading.sqlite_percentile")
        from . import broadcast  # noqa: F401 - connects the live blotter to trading.signals.order_changed

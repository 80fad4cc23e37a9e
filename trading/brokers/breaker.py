"""The circuit breaker of each broker, persisted in BrokerCircuit (shared by every process, shown to
operators), on the same rules as marketdata's provider breaker:

closed --N failures in a row--> open --reset timeout elapsed--> half_open --success--> closed
                                                                half_open --failure--> open

While it is open, new orders stay ``queued`` and ``trading.tasks.retry_queued_orders`` sends them
once a trial call succeeds. Opening and closing raise/resolve an operator alert.
Settings: TRADING_BREAKER_FAILURE_THRESHOLD (5), TRADING_BREAKER_RESET_SECONDS (30).
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..choices import AlertKind, AlertSeverity, BreakerState
from ..models import BrokerCircuit

logger = logging.getLogger(__name__)
_FAILURE_FIELDS = ["state", "consecutive_failures", "opened_at", "last_failure_at", "last_error_code", "updated_at"]


def failure_threshold() -> int:
    return int(getattr(settings, "TRADING_BREAKER_FAILURE_THRESHOLD", 5))


def reset_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=float(getattr(settings, "TRADING_BREAKER_RESET_SECONDS", 30)))


def _locked(broker: str) -> BrokerCircuit:
    BrokerCircuit.objects.get_or_create(broker=broker)
    return BrokerCircuit.objects.select_for_update().get(broker=broker)


def is_open(broker: str) -> bool:
    """Whether new orders to ``broker`` should wait (open, and not yet due for a trial)."""
    circuit = BrokerCircuit.objects.filter(broker=broker).first()
    if circuit is None or circuit.state == BreakerState.CLOSED:
        return False
    return circuit.opened_at is not None and timezone.now() - circuit.opened_at < reset_timeout()


def admit(broker: str, *, now: dt.datetime | None = None) -> bool:
    """Whether a call to ``broker`` may go out now; open past its timeout, admits one trial call."""
    now = now or timezone.now()
    circuit = BrokerCircuit.objects.filter(broker=broker).only("state").first()
    if circuit is None or circuit.state == BreakerState.CLOSED:
        return True
    with transaction.atomic():
        circuit = _locked(broker)
        if circuit.state == BreakerState.CLOSED:
            return True
        if circuit.opened_at is not None and now - circuit.opened_at < reset_timeout():
            return False
        circuit.state = BreakerState.HALF_OPEN
        circuit.opened_at = now
        circuit.save(update_fields=["state", "opened_at", "updated_at"])
        logger.info("broker breaker half-open", extra={"broker": broker})
        return True


def record_success(broker: str, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    circuit = BrokerCircuit.objects.filter(broker=broker).only("state", "consecutive_failures").first()
    if circuit is not None and circuit.state == BreakerState.CLOSED and circuit.consecutive_failures == 0:
        return  # the common case costs one read, no write
    with transaction.atomic():
        circuit = _locked(broker)
        was = circuit.state
        circuit.state = BreakerState.CLOSED
        circuit.consecutive_failures = 0
        circuit.opened_at = None
        circuit.last_success_at = now
        circuit.save(update_fields=["state", "consecutive_failures", "opened_at", "last_success_at", "updated_at"])
        if was != BreakerState.CLOSED:
            from ..services.alerts import resolve_alert

            logger.warning("broker breaker closed", extra={"broker": broker})
            resolve_alert(key=f"breaker:{broker}")
            _queue_retry_after_commit()


def record_failure(broker: str, *, error_code: str, now: dt.datetime | None = None) -> bool:
    """Count a failure; returns True when this failure opened the breaker."""
    now = now or timezone.now()
    with transaction.atomic():
        circuit = _locked(broker)
        circuit.consecutive_failures += 1
        circuit.last_failure_at = now
        circuit.last_error_code = error_code[:64]
        opened = False
        if circuit.state == BreakerState.HALF_OPEN or circuit.consecutive_failures >= failure_threshold():
            opened = circuit.state != BreakerState.OPEN
            circuit.state = BreakerState.OPEN
            circuit.opened_at = now
        circuit.save(update_fields=_FAILURE_FIELDS)
        if opened:
            from ..services.alerts import raise_alert

            logger.warning("broker breaker opened", extra={"broker": broker, "error_code": error_code})
            raise_alert(
                kind=AlertKind.BREAKER_OPEN,
                severity=AlertSeverity.CRITICAL,
                key=f"breaker:{broker}",
                message=(
                    f"{broker} failed {circuit.consecutive_failures} times in a row ({error_code}); "
                    "new orders wait as queued and go out when it recovers."
                ),
                details={"broker": broker, "error_code": error_code},
            )
    return opened


def reset(broker: str, *, actor) -> BrokerCircuit:
    """An operator closes a broker's breaker by hand; queued orders are then retried."""
    from compliance.services import record_event

    with transaction.atomic():
        circuit = _locked(broker)
        before = circuit.state
        circuit.state = BreakerState.CLOSED
        circuit.consecutive_failures = 0
        circuit.opened_at = None
        circuit.save(update_fields=["state", "consecutive_failures", "opened_at", "updated_at"])
        record_event(
            action="trading.breaker_reset", actor=actor, target=circuit, changes={"state": (before, circuit.state)}
        )
        from ..services.alerts import resolve_alert

        resolve_alert(key=f"breaker:{broker}", actor=actor)
        _queue_retry_after_commit()
    return circuit


def _queue_retry_after_commit() -> None:
    def enqueue():
        from ..tasks import retry_queued_orders

        retry_queued_orders.delay()

    transaction.on_commit(enqueue)

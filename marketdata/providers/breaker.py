"""A circuit breaker whose state lives in the ProviderStatus table (see marketdata.services).

pybreaker keeps its state in memory or Redis and reads the wall clock itself; ours must be visible
to operators in the admin, shared by every process through the database, and driven by an injected
clock in tests, so it is this small class over three service calls.

closed --N failures in a row--> open --reset_timeout elapsed--> half_open --success--> closed
                                                                half_open --failure--> open
"""

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.utils import timezone

from marketdata import services

from .base import CircuitOpenError, ProviderError

T = TypeVar("T")

DEFAULT_FAILURE_THRESHOLD = 3
DEFAULT_RESET_TIMEOUT = dt.timedelta(minutes=5)


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        reset_timeout: dt.timedelta = DEFAULT_RESET_TIMEOUT,
        clock: Callable[[], dt.datetime] = timezone.now,
    ):
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.clock = clock

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` unless the breaker is open; a ProviderError it raises counts as a failure."""
        if not services.admit_provider_call(name=self.name, now=self.clock(), reset_timeout=self.reset_timeout):
            raise CircuitOpenError(f"{self.name} is switched off after repeated failures.")
        try:
            result = function()
        except ProviderError as error:
            services.record_provider_failure(
                name=self.name, error=error, now=self.clock(), failure_threshold=self.failure_threshold
            )
            raise
        services.record_provider_success(name=self.name, now=self.clock())
        return result

"""Failover across providers: each behind its own circuit breaker, transient errors retried with backoff.

A provider's call counts once for its breaker however many retries it took. An open breaker skips
the provider without calling it; the next one in order answers.
"""

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.utils import timezone

from .base import AllProvidersFailed, BarRow, DailyBarProvider, ProviderError
from .breaker import DEFAULT_FAILURE_THRESHOLD, DEFAULT_RESET_TIMEOUT, CircuitBreaker
from .bundled import BundledProvider
from .retry import RetryPolicy

logger = logging.getLogger(__name__)


class ProviderChain:
    name = "chain"

    def __init__(
        self,
        providers: Sequence[DailyBarProvider],
        *,
        retry: RetryPolicy | None = None,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        reset_timeout: dt.timedelta = DEFAULT_RESET_TIMEOUT,
        clock: Callable[[], dt.datetime] = timezone.now,
    ):
        if not providers:
            raise ValueError("A chain needs at least one provider.")
        self.providers = list(providers)
        self.retry = retry or RetryPolicy()
        self.breakers = {
            provider.name: CircuitBreaker(
                provider.name, failure_threshold=failure_threshold, reset_timeout=reset_timeout, clock=clock
            )
            for provider in self.providers
        }
        # Which provider answered the last fetch, for callers that report it.
        self.last_provider: str | None = None

    def fetch_daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> list[BarRow]:
        failures: dict[str, Exception] = {}
        for provider in self.providers:
            breaker = self.breakers[provider.name]

            def attempt(provider=provider):
                return self.retry.run(lambda: provider.fetch_daily_bars(symbols, start, end))

            try:
                rows = breaker.call(attempt)
            except ProviderError as error:
                failures[provider.name] = error
                logger.warning(
                    "price provider failed, trying the next",
                    extra={"provider": provider.name, "error_class": type(error).__name__},
                )
                continue
            self.last_provider = provider.name
            return rows
        raise AllProvidersFailed(failures)


def default_chain(**options) -> ProviderChain:
    """Alpaca first when credentials are configured, then the bundled datasets (always there, offline)."""
    providers: list[DailyBarProvider] = []
    if settings.ALPACA_API_KEY and settings.ALPACA_SECRET_KEY:
        from .alpaca import AlpacaProvider

        providers.append(AlpacaProvider.from_settings())
    providers.append(BundledProvider())
    return ProviderChain(providers, **options)

"""The one interface every source of daily bars implements, and the errors the chain understands."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class BarRow:
    """One session of one symbol. ``close`` is as traded, ``adj_close`` adjusted for splits and dividends;
    a source with adjusted closes only gives the same value for both and no open/high/low/volume."""

    symbol: str
    date: dt.date
    close: Decimal
    adj_close: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: int | None = None
    source: str = ""


@runtime_checkable
class DailyBarProvider(Protocol):
    name: str

    def fetch_daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> list[BarRow]:
        """Bars of ``symbols`` for sessions from ``start`` to ``end`` inclusive, ordered by symbol then date."""
        ...


class ProviderError(Exception):
    """A provider could not answer. Counts as a failure for its circuit breaker."""


class TransientProviderError(ProviderError):
    """Worth retrying: rate limited, a server error, a timeout or a dropped connection."""


class CircuitOpenError(ProviderError):
    """The provider's breaker is open: it was not called."""


class AllProvidersFailed(ProviderError):
    """Every provider of a chain failed; ``failures`` maps each provider's name to its error."""

    def __init__(self, failures: dict[str, Exception]):
        summary = ", ".join(f"{name}: {type(error).__name__}" for name, error in failures.items())
        super().__init__(f"No provider could answer ({summary}).")
        self.failures = failures

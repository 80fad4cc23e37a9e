"""Writes to market data: bulk loads, price imports, corporate actions, instruments, provider breakers."""

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from compliance.services import record_event

from . import bar_store, bundled, calendar
from .choices import BreakerState, CorporateActionKind
from .errors import MarketDataError, PriceImportError
from .models import CorporateAction, Instrument, ProviderStatus
from .price_csv import parse_price_csv
from .providers.base import BarRow, DailyBarProvider

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadSummary:
    datasets: tuple[str, ...]
    instruments_created: int
    bars_inserted: int
    seconds: float


@dataclass(frozen=True)
class ImportSummary:
    instruments_created: int
    bars_stored: int


def _ensure_instruments(specs: Iterable[bundled.InstrumentSpec]) -> int:
    """Create the instruments not there yet; existing ones keep whatever an operator set."""
    specs = list(specs)
    existing = set(
        Instrument.objects.filter(symbol__in=[spec.symbol for spec in specs]).values_list("symbol", flat=True)
    )
    new = [
        Instrument(
            symbol=spec.symbol,
            name=spec.name,
            asset_class=spec.asset_class,
            sector=spec.sector,
            industry=spec.industry,
            is_active=spec.is_active,
        )
        for spec in specs
        if spec.symbol not in existing
    ]
    Instrument.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _instrument_ids(symbols: Iterable[str]) -> dict[str, int]:
    return dict(Instrument.objects.filter(symbol__in=set(symbols)).values_list("symbol", "pk"))


def load_bundled(*, datasets: Iterable[str] = (bundled.ALL,), actor=None) -> LoadSummary:
    """Load the shipped real datasets (``skfolio``, ``factors``, ``index``, ``bytetheory`` or ``all``).

    Idempotent: instruments and bars already present are left as they are, so a second run adds
    nothing. One transaction for everything: a failure leaves no half-loaded dataset.
    """
    names = bundled.expand(datasets)
    started = time.perf_counter()
    with transaction.atomic():
        specs = [spec for name in names for spec in bundled.instrument_specs(name)]
        created = _ensure_instruments(specs)
        ids = _instrument_ids(spec.symbol for spec in specs)
        rows = (
            (ids[bar.symbol], bar.date, bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume, bar.source)
            for name in names
            for bar in bundled.bars(name)
        )
        inserted = bar_store.store(rows, overwrite=False, bulk=True)
        if created or inserted:  # a re-run that changed nothing is not an event
            record_event(
                action="marketdata.bundled_loaded",
                actor=actor,
                metadata={"datasets": list(names), "instruments_created": created, "bars_inserted": inserted},
            )
    return LoadSummary(names, created, inserted, time.perf_counter() - started)


def store_bars(*, bars: list[BarRow], actor=None, create_instruments: bool = False) -> ImportSummary:
    """Insert or replace ``bars`` (a provider's answer or a checked file) in one transaction."""
    symbols = {bar.symbol for bar in bars}
    with transaction.atomic():
        created = 0
        if create_instruments:
            created = _ensure_instruments(bundled.InstrumentSpec(symbol=symbol, name="") for symbol in sorted(symbols))
        ids = _instrument_ids(symbols)
        unknown = sorted(symbols - set(ids))
        if unknown:
            raise MarketDataError(
                "unknown_symbol", f"Unknown symbols: {', '.join(unknown)}.", fields={"symbols": unknown}
            )
        rows = (
            (ids[bar.symbol], bar.date, bar.open, bar.high, bar.low, bar.close, bar.adj_close, bar.volume, bar.source)
            for bar in bars
        )
        stored = bar_store.store(rows, overwrite=True)
        record_event(
            action="marketdata.bars_stored",
            actor=actor,
            metadata={
                "symbols": sorted(symbols),
                "bars": stored,
                "sources": sorted({bar.source for bar in bars}),
                "instruments_created": created,
            },
        )
    return ImportSummary(created, stored)


def import_prices(
    *, lines: Iterable[str], actor=None, create_instruments: bool = False, source: str = "csv"
) -> ImportSummary:
    """Check every line of a price file; import all of it, or nothing if any line is bad.

    Raises ``PriceImportError`` whose ``errors`` lists each bad line with its number and reason.
    """
    known = None if create_instruments else set(Instrument.objects.values_list("symbol", flat=True))
    parsed = parse_price_csv(lines, known_symbols=known, source=source)
    if parsed.errors:
        raise PriceImportError(parsed.errors)
    if not parsed.rows:
        raise MarketDataError("empty_file", "The file has no price lines.", fields={"file": ["No price lines."]})
    return store_bars(bars=parsed.rows, actor=actor, create_instruments=create_instruments)


def fetch_and_store_bars(
    *, provider: DailyBarProvider, symbols: list[str], start: dt.date, end: dt.date, actor=None
) -> ImportSummary:
    """Ask ``provider`` (often a failover chain) for bars and store what it returns."""
    bars = provider.fetch_daily_bars(symbols, start, end)
    if not bars:
        return ImportSummary(0, 0)
    return store_bars(bars=bars, actor=actor)


def _session_error(day: dt.date) -> str | None:
    try:
        return None if calendar.is_session(day) else f"{day} is not a NYSE trading session."
    except ValueError as error:
        return str(error)


def validate_corporate_action(
    *,
    instrument: Instrument,
    kind: str,
    ex_date: dt.date,
    ratio_numerator: int | None = None,
    ratio_denominator: int | None = None,
    cash_amount: Decimal | None = None,
    pay_date: dt.date | None = None,
) -> None:
    """Raise MarketDataError (code ``invalid`` or ``duplicate``, with field errors) unless the action is valid."""
    errors: dict[str, list[str]] = {}
    if kind not in CorporateActionKind.values:
        errors["kind"] = [f"Choose one of {', '.join(CorporateActionKind.values)}."]
    session_error = _session_error(ex_date)
    if session_error:
        errors["ex_date"] = [session_error]
    if pay_date is not None and pay_date < ex_date:
        errors["pay_date"] = ["The pay date cannot be before the ex-date."]
    if kind == CorporateActionKind.SPLIT:
        for name, value in (("ratio_numerator", ratio_numerator), ("ratio_denominator", ratio_denominator)):
            if value is None or value <= 0:
                errors[name] = ["A split needs a positive whole number here."]
        if "ratio_numerator" not in errors and ratio_numerator == ratio_denominator:
            errors["ratio_numerator"] = ["A 1-for-1 split changes nothing."]
        if cash_amount is not None:
            errors["cash_amount"] = ["A split has no cash amount."]
    elif kind == CorporateActionKind.CASH_DIVIDEND:
        if cash_amount is None or not Decimal(cash_amount).is_finite() or cash_amount <= 0:
            errors["cash_amount"] = ["A dividend needs an amount per share greater than zero."]
        if ratio_numerator is not None or ratio_denominator is not None:
            errors["ratio_numerator"] = ["A dividend has no split ratio."]
    if errors:
        raise MarketDataError("invalid", "The corporate action is not valid.", fields=errors)
    if CorporateAction.objects.filter(instrument=instrument, kind=kind, ex_date=ex_date).exists():
        raise MarketDataError(
            "duplicate",
            f"{instrument.symbol} already has a {kind} on {ex_date}.",
            fields={"ex_date": ["Already recorded for this instrument and kind."]},
        )


def record_corporate_action(
    *,
    instrument: Instrument,
    kind: str,
    ex_date: dt.date,
    actor=None,
    ratio_numerator: int | None = None,
    ratio_denominator: int | None = None,
    cash_amount: Decimal | None = None,
    pay_date: dt.date | None = None,
) -> CorporateAction:
    """Store a split or cash dividend a provider (or an operator) supplied. Nothing is ever inferred
    from prices. A split needs a positive ratio other than 1:1; a dividend a positive amount; the
    ex-date must be a NYSE session."""
    fields = {
        "instrument": instrument,
        "kind": kind,
        "ex_date": ex_date,
        "pay_date": pay_date,
        "ratio_numerator": ratio_numerator,
        "ratio_denominator": ratio_denominator,
        "cash_amount": cash_amount,
    }
    with transaction.atomic():
        # Lock the instrument so two recordings of the same action cannot both pass the duplicate check.
        Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
        validate_corporate_action(**fields)
        action = CorporateAction.objects.create(**fields)
        record_event(
            action="marketdata.corporate_action_recorded",
            actor=actor,
            target=action,
            metadata={"symbol": instrument.symbol, "kind": kind, "ex_date": ex_date},
        )
    return action


def set_instruments_active(*, instruments: Iterable[Instrument], is_active: bool, actor) -> int:
    """Switch instruments on or off for new trades and targets; their history stays."""
    with transaction.atomic():
        changed = [instrument for instrument in instruments if instrument.is_active != is_active]
        for instrument in changed:
            instrument.is_active = is_active
            instrument.save(update_fields=["is_active", "updated_at"])
            record_event(
                action="marketdata.instrument_activated" if is_active else "marketdata.instrument_deactivated",
                actor=actor,
                target=instrument,
                changes={"is_active": (not is_active, is_active)},
            )
    return len(changed)


# --- Provider circuit breakers -----------------------------------------------------------------
# The state machine lives in providers/breaker.py; these persist its steps in ProviderStatus, one
# row per provider, under a row lock so processes sharing the database agree on the state.


def _locked_status(name: str) -> ProviderStatus:
    ProviderStatus.objects.get_or_create(name=name)
    return ProviderStatus.objects.select_for_update().get(name=name)


def admit_provider_call(*, name: str, now: dt.datetime, reset_timeout: dt.timedelta) -> bool:
    """Whether ``name`` may be called now.

    Open past its reset timeout, the breaker turns half-open and admits this one call as the trial;
    ``opened_at`` then marks the trial's start, and other calls are refused until the trial ends
    (success closes, failure re-opens) or, if it never reports back, for another reset timeout.
    """
    with transaction.atomic():
        status = _locked_status(name)
        if status.state == BreakerState.CLOSED:
            return True
        if status.opened_at is not None and now - status.opened_at < reset_timeout:
            return False
        status.state = BreakerState.HALF_OPEN
        status.opened_at = now
        status.save(update_fields=["state", "opened_at", "updated_at"])
        logger.info("provider breaker half-open", extra={"provider": name})
        return True


def record_provider_success(*, name: str, now: dt.datetime) -> ProviderStatus:
    with transaction.atomic():
        status = _locked_status(name)
        status.state = BreakerState.CLOSED
        status.consecutive_failures = 0
        status.opened_at = None
        status.last_success_at = now
        status.save(update_fields=["state", "consecutive_failures", "opened_at", "last_success_at", "updated_at"])
    return status


def record_provider_failure(
    *, name: str, error: BaseException, now: dt.datetime, failure_threshold: int
) -> ProviderStatus:
    """Count a failure; the breaker opens at ``failure_threshold`` in a row, or at once when half-open."""
    with transaction.atomic():
        status = _locked_status(name)
        status.consecutive_failures += 1
        status.last_failure_at = now
        # The class name only: an error's message may echo a URL with credentials in it.
        status.last_error_class = f"{type(error).__module__}.{type(error).__qualname__}"[:200]
        if status.state == BreakerState.HALF_OPEN or status.consecutive_failures >= failure_threshold:
            if status.state != BreakerState.OPEN:
                logger.warning("provider breaker opened", extra={"provider": name})
            status.state = BreakerState.OPEN
            status.opened_at = now
        status.save(
            update_fields=[
                "state",
                "consecutive_failures",
                "opened_at",
                "last_failure_at",
                "last_error_class",
                "updated_at",
            ]
        )
    return status


def reset_provider_breaker(*, name: str, actor) -> ProviderStatus:
    """An operator closes a provider's breaker by hand (e.g. after fixing its credentials)."""
    with transaction.atomic():
        status = _locked_status(name)
        before = status.state
        status.state = BreakerState.CLOSED
        status.consecutive_failures = 0
        status.opened_at = None
        status.save(update_fields=["state", "consecutive_failures", "opened_at", "updated_at"])
        record_event(
            action="marketdata.provider_breaker_reset",
            actor=actor,
            target=status,
            changes={"state": (before, BreakerState.CLOSED)},
        )
    return status

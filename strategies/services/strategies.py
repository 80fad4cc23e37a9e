"""Writes to strategies: validated, audited, atomic.

Firm-wide strategies (no owner) are the operators'; an advisor creates and changes the strategies
of their own book. Every save is checked by the engine's own config parser, so a stored strategy
always runs.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from compliance.services import record_event
from marketdata.models import Instrument

from ..models import Strategy
from ..models.choices import RebalanceFrequency, Weighting
from ..selectors import can_change_strategy
from .config import FACTORS, config_for, engine_config
from .errors import StrategiesError, field_error

ZERO, ONE = Decimal("0"), Decimal("1")
MAX_BPS = Decimal("1000")
MAX_UNIVERSE = 5000
STRATEGY_FIELDS = (
    "name",
    "description",
    "universe",
    "benchmark_symbol",
    "factors",
    "sector_neutral",
    "top_n",
    "weighting",
    "max_weight",
    "sector_cap",
    "rebalance_every",
    "warmup_bars",
    "commission_bps",
    "slippage_bps",
    "fractional",
    "initial_cash",
    "regimes_enabled",
    "regime_settings",
    "hybrid_enabled",
    "hybrid_settings",
    "breaker_enabled",
    "breaker_settings",
    "is_active",
)
DEFAULTS = {field: Strategy._meta.get_field(field).get_default() for field in STRATEGY_FIELDS}


def _require_manage(actor) -> None:
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise StrategiesError("forbidden", "Your role cannot create or change strategies.")


def _decimal(field: str, value, *, low: Decimal, high: Decimal, allow_none: bool = False, low_open=False):
    if value is None or value == "":
        if allow_none:
            return None
        raise field_error("required", field, "Required.")
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise field_error("invalid", field, "Enter a number.") from None
    if not value.is_finite() or value > high or value < low or (low_open and value == low):
        raise field_error("invalid", field, f"Must be {'above' if low_open else 'at least'} {low} and at most {high}.")
    return value


def _clean_universe(symbols) -> list[str]:
    if isinstance(symbols, str):
        symbols = symbols.replace(",", " ").split()
    if not isinstance(symbols, list | tuple):
        raise field_error("invalid_universe", "universe", "Give a list of symbols.")
    cleaned = list(dict.fromkeys(str(symbol).strip().upper() for symbol in symbols if str(symbol).strip()))
    if len(cleaned) > MAX_UNIVERSE:
        raise field_error("invalid_universe", "universe", f"At most {MAX_UNIVERSE} symbols.")
    known = set(Instrument.objects.filter(symbol__in=cleaned).values_list("symbol", flat=True))
    unknown = [symbol for symbol in cleaned if symbol not in known]
    if unknown:
        shown = ", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise field_error("unknown_symbols", "universe", f"No stored instrument for: {shown}.")
    return cleaned


def _clean_factors(factors) -> dict[str, float]:
    if not isinstance(factors, dict):
        raise field_error("invalid_factors", "factors", "Give factor weights.")
    unknown = sorted(set(factors) - set(FACTORS))
    if unknown:
        raise field_error("invalid_factors", "factors", f"Unknown factors: {', '.join(unknown)}.")
    cleaned = {}
    for name, weight in factors.items():
        if weight in (None, ""):
            continue
        weight = _decimal(f"factors.{name}", weight, low=ZERO, high=Decimal("100"))
        if weight != ZERO:
            cleaned[name] = float(weight)
    if not cleaned:
        raise field_error("no_factors", "factors", "Give at least one factor a weight.")
    return cleaned


def _clean_settings(field: str, value) -> dict:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise field_error("invalid_settings", field, "Give the settings as a JSON object.")
    return value


def clean_values(values: dict) -> dict:
    """Every field of a strategy checked and normalised; raises StrategiesError on the first bad one."""
    unknown = set(values) - set(STRATEGY_FIELDS)
    if unknown:
        raise StrategiesError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    data = dict(values)
    name = str(data.get("name") or "").strip()
    if not name:
        raise field_error("required", "name", "Required.")
    data["name"] = name[:200]
    data["universe"] = _clean_universe(data.get("universe", []))
    benchmark = str(data.get("benchmark_symbol") or "").strip().upper()
    if not Instrument.objects.filter(symbol=benchmark).exists():
        raise field_error("unknown_symbols", "benchmark_symbol", f"No stored instrument for {benchmark or '—'}.")
    data["benchmark_symbol"] = benchmark
    data["factors"] = _clean_factors(data.get("factors"))
    try:
        data["top_n"] = int(data.get("top_n"))
    except (TypeError, ValueError):
        raise field_error("invalid", "top_n", "Enter a whole number.") from None
    if data["top_n"] < 1 or (data["universe"] and data["top_n"] > len(data["universe"])):
        limit = f" and at most the {len(data['universe'])} symbols of the universe" if data["universe"] else ""
        raise field_error("invalid", "top_n", f"Must be at least 1{limit}.")
    if data.get("weighting") not in Weighting.values:
        raise field_error("invalid", "weighting", "Choose a weighting.")
    data["max_weight"] = _decimal(
        "max_weight", data.get("max_weight"), low=ZERO, high=ONE, allow_none=True, low_open=True
    )
    data["sector_cap"] = _decimal(
        "sector_cap", data.get("sector_cap"), low=ZERO, high=ONE, allow_none=True, low_open=True
    )
    if data["max_weight"] is not None and data["max_weight"] * data["top_n"] < ONE:
        message = f"With {data['top_n']} holdings a maximum weight below {ONE / data['top_n']:.2%} cannot be met."
        raise field_error("invalid", "max_weight", message)
    try:
        data["rebalance_every"] = RebalanceFrequency(int(data.get("rebalance_every"))).value
    except (TypeError, ValueError):
        raise field_error("invalid", "rebalance_every", "Choose a rebalance frequency.") from None
    try:
        data["warmup_bars"] = int(data.get("warmup_bars"))
    except (TypeError, ValueError):
        raise field_error("invalid", "warmup_bars", "Enter a whole number.") from None
    if not 1 <= data["warmup_bars"] <= 2520:
        raise field_error("invalid", "warmup_bars", "Must be between 1 and 2,520 sessions.")
    data["commission_bps"] = _decimal("commission_bps", data.get("commission_bps"), low=ZERO, high=MAX_BPS)
    data["slippage_bps"] = _decimal("slippage_bps", data.get("slippage_bps"), low=ZERO, high=MAX_BPS)
    data["initial_cash"] = _decimal(
        "initial_cash", data.get("initial_cash"), low=ZERO, high=Decimal("1e12"), low_open=True
    ).quantize(Decimal("0.01"))
    for flag in ("sector_neutral", "fractional", "regimes_enabled", "hybrid_enabled", "breaker_enabled", "is_active"):
        data[flag] = bool(data.get(flag))
    for field in ("regime_settings", "hybrid_settings", "breaker_settings"):
        data[field] = _clean_settings(field, data.get(field))
    data["description"] = str(data.get("description") or "")
    return data


def _check_with_engine(values: dict) -> None:
    """The engine parses the would-be config; its refusal is shown on the strategy form."""
    engine_config(config_for(Strategy(**values)))


def _unique_name_error() -> StrategiesError:
    return field_error("duplicate_name", "name", "Your firm already has a strategy with this name.")


def _audit_values(values: dict) -> dict:
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()}


def create_strategy(*, actor, firm=None, shared: bool = False, **values) -> Strategy:
    """A new strategy. ``shared`` makes it firm-wide (operators only); otherwise the advisor owns it."""
    _require_manage(actor)
    if shared and actor is not None and actor.role == Role.ADVISOR:
        raise field_error("forbidden", "shared", "Only operators create firm-wide strategies.")
    data = clean_values({**DEFAULTS, **values})
    _check_with_engine(data)
    firm_id = actor.firm_id if actor is not None else firm.pk
    owner = None if shared or actor is None or actor.role != Role.ADVISOR else actor
    if Strategy.objects.filter(firm_id=firm_id, name=data["name"]).exists():
        raise _unique_name_error()
    try:
        with transaction.atomic():
            strategy = Strategy.objects.create(firm_id=firm_id, owner=owner, created_by=actor, **data)
            record_event(
                action="strategy.created",
                actor=actor,
                target=strategy,
                changes={key: (None, value) for key, value in _audit_values(data).items()},
            )
    except IntegrityError:
        raise _unique_name_error() from None
    return strategy


def update_strategy(*, actor, strategy: Strategy, **values) -> Strategy:
    """Change fields of ``strategy``; runs already stored keep the configuration they ran with."""
    _require_manage(actor)
    if not can_change_strategy(actor, strategy):
        raise StrategiesError("forbidden", "Only operators change firm-wide strategies; advisors change their own.")
    with transaction.atomic():
        strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
        current = {field: getattr(strategy, field) for field in STRATEGY_FIELDS}
        data = clean_values({**current, **values})
        _check_with_engine(data)
        if Strategy.objects.filter(firm_id=strategy.firm_id, name=data["name"]).exclude(pk=strategy.pk).exists():
            raise _unique_name_error()
        before, after = _audit_values(current), _audit_values(data)
        changes = {field: (before[field], after[field]) for field in STRATEGY_FIELDS if before[field] != after[field]}
        if not changes:
            return strategy
        for field, value in data.items():
            setattr(strategy, field, value)
        strategy.save(update_fields=[*STRATEGY_FIELDS, "updated_at"])
        record_event(action="strategy.updated", actor=actor, target=strategy, changes=changes)
    return strategy

"""The backtest configuration: one frozen object, parsed from (and written back to) plain JSON.

``BacktestConfig.from_dict`` accepts the issue's reference config as-is and every documented extension;
unknown keys and bad values raise one EngineError (code ``invalid_config``) whose ``fields`` name every
problem by dotted key, so a form can show them all at once. ``to_dict`` writes the complete normalised
form (switches such as ``"regimes": false`` become ``{"enabled": false, ...defaults}``), and
``from_dict(to_dict())`` gives an equal config.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from ..errors import EngineError
from ..factors import FACTOR_NAMES
from .config_fields import (
    FieldErrors,
    read_bool,
    read_date,
    read_factors,
    read_number,
    read_section,
    reject_unknown,
)

WEIGHTINGS = ("equal", "score", "inverse_vol")
EXECUTIONS = ("close", "next_close")
REGIMES = ("low", "normal", "high", "extreme")


@dataclass(frozen=True)
class AdaptiveRule:
    """What is in force in one regime: the momentum/volatility lookback, the confidence threshold a new
    position must reach, and the position size (multiplier of every target weight)."""

    lookback_bars: int
    confidence_threshold: float
    position_size: float


DEFAULT_ADAPTIVE = {
    # Calm markets: the full 12-month lookback, a slightly lower bar for new positions, full size.
    "low": AdaptiveRule(252, 0.45, 1.0),
    "normal": AdaptiveRule(252, 0.5, 1.0),
    # Turbulent markets: a shorter lookback reacts to the turn, a higher bar, smaller positions.
    "high": AdaptiveRule(126, 0.6, 0.75),
    "extreme": AdaptiveRule(63, 0.7, 0.5),
}


@dataclass(frozen=True)
class RegimeSettings:
    """Volatility regimes of the benchmark (see strategies.regimes) and the adaptive rules they drive.

    enabled: regimes steer trading (adaptive rules, breaker); when false the regime series is still
    classified and reported (win rate by regime) but changes nothing.
    """

    enabled: bool = False
    window: int = 21
    history: int = 504
    min_history: int = 252
    low_pct: float = 25.0
    high_pct: float = 75.0
    extreme_pct: float = 95.0
    adaptive: bool = True
    rules: dict = field(default_factory=lambda: dict(DEFAULT_ADAPTIVE))

    @classmethod
    def from_dict(cls, raw, *, errors=None, prefix="regimes.") -> "RegimeSettings":
        own = errors is None
        errors = FieldErrors() if own else errors
        data = read_section(errors, raw, prefix.rstrip("."))
        reject_unknown(errors, data, {f.name for f in dataclasses.fields(cls)}, prefix)
        d = cls()
        kwargs = {
            "enabled": read_bool(errors, data, "enabled", prefix, False),
            "window": read_number(errors, data, "window", prefix, d.window, lo=2, hi=252, integer=True),
            "history": read_number(errors, data, "history", prefix, d.history, lo=20, hi=5040, integer=True),
            "min_history": read_number(
                errors, data, "min_history", prefix, d.min_history, lo=10, hi=5040, integer=True
            ),
            "low_pct": read_number(errors, data, "low_pct", prefix, d.low_pct, lo=0, hi=100),
            "high_pct": read_number(errors, data, "high_pct", prefix, d.high_pct, lo=0, hi=100),
            "extreme_pct": read_number(errors, data, "extreme_pct", prefix, d.extreme_pct, lo=0, hi=100),
            "adaptive": read_bool(errors, data, "adaptive", prefix, True),
            "rules": _rules(errors, data.get("rules", {}), f"{prefix}rules."),
        }
        if not kwargs["low_pct"] < kwargs["high_pct"] < kwargs["extreme_pct"]:
            errors[f"{prefix}high_pct"] = "percentiles must rise: low_pct < high_pct < extreme_pct"
        if kwargs["min_history"] > kwargs["history"]:
            errors[f"{prefix}min_history"] = "must not exceed history"
        if own:
            errors.raise_if_any()
        return cls(**kwargs)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["rules"] = {name: dataclasses.asdict(rule) for name, rule in self.rules.items()}
        return out


def _rules(errors, raw, prefix) -> dict:
    if not isinstance(raw, dict):
        errors[prefix.rstrip(".")] = "must be an object keyed by regime"
        return dict(DEFAULT_ADAPTIVE)
    reject_unknown(errors, raw, set(REGIMES), prefix)
    rules = {}
    for name in REGIMES:
        given = raw.get(name, {})
        default = DEFAULT_ADAPTIVE[name]
        p = f"{prefix}{name}."
        if not isinstance(given, dict):
            errors[p.rstrip(".")] = "must be an object"
            given = {}
        reject_unknown(errors, given, {"lookback_bars", "confidence_threshold", "position_size"}, p)
        rules[name] = AdaptiveRule(
            read_number(errors, given, "lookback_bars", p, default.lookback_bars, lo=22, hi=2520, integer=True),
            read_number(errors, given, "confidence_threshold", p, default.confidence_threshold, lo=0, hi=1),
            read_number(errors, given, "position_size", p, default.position_size, lo=0, hi=1),
        )
    return rules


@dataclass(frozen=True)
class HybridSettings:
    """Confidence = rank_weight x factor rank percentile + (1 - rank_weight) x trend score (strategies.hybrid);
    a new position opens only when confidence >= threshold (the regime's threshold when adaptive)."""

    enabled: bool = False
    trend_lookback: int = 200
    rank_weight: float = 0.5
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, raw, *, errors=None, prefix="hybrid.") -> "HybridSettings":
        own = errors is None
        errors = FieldErrors() if own else errors
        data = read_section(errors, raw, prefix.rstrip("."))
        reject_unknown(errors, data, {f.name for f in dataclasses.fields(cls)}, prefix)
        d = cls()
        out = cls(
            enabled=read_bool(errors, data, "enabled", prefix, False),
            trend_lookback=read_number(
                errors, data, "trend_lookback", prefix, d.trend_lookback, lo=5, hi=2520, integer=True
            ),
            rank_weight=read_number(errors, data, "rank_weight", prefix, d.rank_weight, lo=0, hi=1),
            threshold=read_number(errors, data, "threshold", prefix, d.threshold, lo=0, hi=1),
        )
        if own:
            errors.raise_if_any()
        return out

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class BreakerSettings:
    """The graduated circuit breaker (strategies.breaker): exposure by regime, cool-down, backoff."""

    enabled: bool = False
    high_exposure: float = 0.5
    extreme_exposure: float = 0.25
    cooldown_bars: int = 10
    backoff_factor: float = 2.0
    max_cooldown_bars: int = 160

    @classmethod
    def from_dict(cls, raw, *, errors=None, prefix="circuit_breaker.") -> "BreakerSettings":
        own = errors is None
        errors = FieldErrors() if own else errors
        data = read_section(errors, raw, prefix.rstrip("."))
        reject_unknown(errors, data, {f.name for f in dataclasses.fields(cls)}, prefix)
        d = cls()
        out = cls(
            enabled=read_bool(errors, data, "enabled", prefix, False),
            high_exposure=read_number(errors, data, "high_exposure", prefix, d.high_exposure, lo=0, hi=1),
            extreme_exposure=read_number(errors, data, "extreme_exposure", prefix, d.extreme_exposure, lo=0, hi=1),
            cooldown_bars=read_number(
                errors, data, "cooldown_bars", prefix, d.cooldown_bars, lo=0, hi=2520, integer=True
            ),
            backoff_factor=read_number(errors, data, "backoff_factor", prefix, d.backoff_factor, lo=1, hi=10),
            max_cooldown_bars=read_number(
                errors, data, "max_cooldown_bars", prefix, d.max_cooldown_bars, lo=0, hi=5040, integer=True
            ),
        )
        if out.extreme_exposure > out.high_exposure:
            errors[f"{prefix}extreme_exposure"] = "must not exceed high_exposure"
        if out.max_cooldown_bars < out.cooldown_bars:
            errors[f"{prefix}max_cooldown_bars"] = "must be at least cooldown_bars"
        if own:
            errors.raise_if_any()
        return out

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


TOP_LEVEL = {
    "factors",
    "factor_params",
    "sector_neutral",
    "winsorize",
    "top_n",
    "weighting",
    "max_weight",
    "sector_cap",
    "rebalance",
    "execution",
    "fractional",
    "commission_bps",
    "slippage_bps",
    "initial_cash",
    "regimes",
    "hybrid",
    "circuit_breaker",
    "benchmark",
    "universe",
    "start",
    "end",
}


@dataclass(frozen=True)
class BacktestConfig:
    """Everything one backtest (or one set of target weights) needs besides prices.

    factors: factor name -> weight (see strategies.factors.FACTOR_NAMES); factor_params: per factor
    overrides (e.g. {"value": {"lookback_bars": 1260}}); winsorize: z-scores are clipped at +-this many
    standard deviations; top_n: holdings; weighting: equal / score / inverse_vol; max_weight, sector_cap:
    fractions or None; every_bars / warmup_bars: rebalance on bars warmup, warmup+every, ... (0-based);
    execution: "close" trades at the signal bar's close, "next_close" at the next bar's close;
    commission_bps and slippage_bps of traded notional; benchmark: the symbol whose volatility defines the
    regimes (and the metrics' benchmark); universe/start/end: what panel_store.load_panel reads (empty = every symbol,
    whole history).
    """

    factors: dict = field(default_factory=lambda: {"momentum_12_1": 1.0})
    factor_params: dict = field(default_factory=dict)
    sector_neutral: bool = False
    winsorize: float = 3.0
    top_n: int = 50
    weighting: str = "equal"
    max_weight: float | None = None
    sector_cap: float | None = None
    every_bars: int = 21
    warmup_bars: int = 252
    execution: str = "close"
    fractional: bool = True
    commission_bps: float = 10.0
    slippage_bps: float = 0.0
    initial_cash: float = 1_000_000.0
    regimes: RegimeSettings = field(default_factory=RegimeSettings)
    hybrid: HybridSettings = field(default_factory=HybridSettings)
    circuit_breaker: BreakerSettings = field(default_factory=BreakerSettings)
    benchmark: str = "SPX"
    universe: tuple = ()
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "BacktestConfig":
        if not isinstance(data, dict):
            raise EngineError("invalid_config", "The configuration must be a JSON object.")
        errors = FieldErrors()
        reject_unknown(errors, data, TOP_LEVEL, "")
        d = cls()
        factors = read_factors(errors, data.get("factors", d.factors))
        rebalance = data.get("rebalance", {})
        if not isinstance(rebalance, dict):
            errors["rebalance"] = "must be an object with every_bars and warmup_bars"
            rebalance = {}
        reject_unknown(errors, rebalance, {"every_bars", "warmup_bars"}, "rebalance.")
        params = data.get("factor_params", {})
        if not isinstance(params, dict) or any(not isinstance(v, dict) for v in params.values()):
            errors["factor_params"] = "must be an object of factor name -> settings"
            params = {}
        for name in params:
            if name not in FACTOR_NAMES:
                errors[f"factor_params.{name}"] = "unknown factor"
        weighting = data.get("weighting", d.weighting)
        if weighting not in WEIGHTINGS:
            errors["weighting"] = f"must be one of {', '.join(WEIGHTINGS)}"
            weighting = d.weighting
        execution = data.get("execution", d.execution)
        if execution not in EXECUTIONS:
            errors["execution"] = f"must be one of {', '.join(EXECUTIONS)}"
            execution = d.execution
        benchmark = data.get("benchmark", d.benchmark)
        if not isinstance(benchmark, str) or not benchmark.strip():
            errors["benchmark"] = "must be a symbol"
            benchmark = d.benchmark
        universe = data.get("universe", [])
        if not isinstance(universe, list | tuple) or any(not isinstance(s, str) or not s.strip() for s in universe):
            errors["universe"] = "must be a list of symbols"
            universe = []
        elif len({s.strip().upper() for s in universe}) != len(universe):
            errors["universe"] = "lists a symbol twice"
        config = cls(
            factors=factors,
            factor_params={k: dict(v) for k, v in params.items()},
            sector_neutral=read_bool(errors, data, "sector_neutral", "", False),
            winsorize=read_number(errors, data, "winsorize", "", d.winsorize, lo=0.5, hi=100),
            top_n=read_number(errors, data, "top_n", "", d.top_n, lo=1, hi=100_000, integer=True),
            weighting=weighting,
            max_weight=read_number(errors, data, "max_weight", "", None, lo=0, hi=1, lo_open=True),
            sector_cap=read_number(errors, data, "sector_cap", "", None, lo=0, hi=1, lo_open=True),
            every_bars=read_number(
                errors, rebalance, "every_bars", "rebalance.", d.every_bars, lo=1, hi=2520, integer=True
            ),
            warmup_bars=read_number(
                errors, rebalance, "warmup_bars", "rebalance.", d.warmup_bars, lo=0, hi=10_000, integer=True
            ),
            execution=execution,
            fractional=read_bool(errors, data, "fractional", "", True),
            commission_bps=read_number(errors, data, "commission_bps", "", d.commission_bps, lo=0, hi=1000),
            slippage_bps=read_number(errors, data, "slippage_bps", "", d.slippage_bps, lo=0, hi=1000),
            initial_cash=read_number(errors, data, "initial_cash", "", d.initial_cash, lo=0, hi=1e15, lo_open=True),
            regimes=RegimeSettings.from_dict(data.get("regimes"), errors=errors),
            hybrid=HybridSettings.from_dict(data.get("hybrid"), errors=errors),
            circuit_breaker=BreakerSettings.from_dict(data.get("circuit_breaker"), errors=errors),
            benchmark=benchmark.strip().upper(),
            universe=tuple(s.strip().upper() for s in universe),
            start=read_date(errors, data, "start"),
            end=read_date(errors, data, "end"),
        )
        if config.start and config.end and config.start >= config.end:
            errors["end"] = "must be after start"
        if config.circuit_breaker.enabled and not config.regimes.enabled:
            errors["circuit_breaker"] = "the circuit breaker reads the regimes: enable regimes too"
        errors.raise_if_any()
        return config

    def to_dict(self) -> dict:
        return {
            "factors": dict(self.factors),
            "factor_params": {k: dict(v) for k, v in self.factor_params.items()},
            "sector_neutral": self.sector_neutral,
            "winsorize": self.winsorize,
            "top_n": self.top_n,
            "weighting": self.weighting,
            "max_weight": self.max_weight,
            "sector_cap": self.sector_cap,
            "rebalance": {"every_bars": self.every_bars, "warmup_bars": self.warmup_bars},
            "execution": self.execution,
            "fractional": self.fractional,
            "commission_bps": self.commission_bps,
            "slippage_bps": self.slippage_bps,
            "initial_cash": self.initial_cash,
            "regimes": self.regimes.to_dict(),
            "hybrid": self.hybrid.to_dict(),
            "circuit_breaker": self.circuit_breaker.to_dict(),
            "benchmark": self.benchmark,
            "universe": list(self.universe),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }

    def with_overrides(self, overrides: dict) -> "BacktestConfig":
        """A copy with dotted keys replaced, e.g. {"top_n": 20, "rebalance.every_bars": 63} (sweeps, walk-forward)."""
        data = self.to_dict()
        for key, value in overrides.items():
            node = data
            parts = key.split(".")
            for part in parts[:-1]:
                if not isinstance(node.get(part), dict):
                    raise EngineError("invalid_config", f"Unknown setting {key!r}.", fields={key: "unknown setting"})
                node = node[part]
            if parts[0] != "factors" and parts[-1] not in node:
                raise EngineError("invalid_config", f"Unknown setting {key!r}.", fields={key: "unknown setting"})
            node[parts[-1]] = value
        return BacktestConfig.from_dict(data)

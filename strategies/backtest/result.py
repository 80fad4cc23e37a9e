"""What a backtest produced, and its JSON form.

Everything heavy (trade rows, closed positions, metrics) is derived once from the event log in
``build``; ``to_dict`` only formats. Win rate = share of closed positions (entry -> exit of one symbol,
partial trims and top-ups in between included) whose return — sale proceeds net of costs over purchase
costs including costs, minus 1 — is positive, grouped by the volatility regime on the entry bar.
Robustness = best minus worst regime's win rate in percentage points, over regimes with at least
ROBUSTNESS_MIN_CLOSED closed positions. Positions still open at the end are counted apart, not scored.
"""

import datetime as dt
import itertools
import math
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .. import adaptive as adaptive_rules
from ..breaker import STATE_NAMES
from ..constants import REGIME_NAMES, UNKNOWN_NAME, regime_name
from ..regimes import spans
from .measures import ClosedPositions, closed_positions_of, invested_metrics, turnover_summary

ROBUSTNESS_MIN_CLOSED = 5
# How much of a run ``to_dict`` keeps: everything, or the summary a sweep member stores (see to_dict).
DETAIL_FULL = "full"
DETAIL_SUMMARY = "summary"


@dataclass(frozen=True, eq=False)
class Event:
    """One trading bar: what was held before and after, and the trades (arrays over traded columns)."""

    bar: int
    kind: str
    value_before: float
    value_after: float
    columns: np.ndarray
    shares_before: np.ndarray
    shares_traded: np.ndarray
    prices: np.ndarray
    commission: np.ndarray
    slippage: np.ndarray
    held: np.ndarray
    held_shares: np.ndarray
    info: dict = field(default_factory=dict)


def json_metric(value):
    """A metric as JSON holds it: None for NaN/inf/missing dates, ISO text for dates."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True, eq=False)
class BacktestResult:
    config: object
    panel: object
    prepared: object
    equity: np.ndarray
    log: object  # strategies.backtest.tradelog.TradeLog
    closed: ClosedPositions
    open_positions: int
    metrics: dict
    turnover: dict
    engine_seconds: float

    @classmethod
    def build(cls, prepared, *, equity, log, started: float) -> "BacktestResult":
        """From the engine's daily equity and TradeLog (strategies.backtest.tradelog): closed positions,
        turnover and metrics computed once from its arrays (the Events are views into them)."""
        closed, open_count = closed_positions_of(prepared, log)
        first = int(log.bars[0]) if len(log) else len(equity) - 1
        result = cls(
            config=prepared.config,
            panel=prepared.panel,
            prepared=prepared,
            equity=equity,
            log=log,
            closed=closed,
            open_positions=open_count,
            metrics=invested_metrics(prepared.panel, equity, first),
            turnover=turnover_summary(log, first, len(equity)),
            engine_seconds=0.0,
        )
        object.__setattr__(result, "engine_seconds", time.perf_counter() - started)
        return result

    # ---- reading ----
    @cached_property
    def events(self) -> list[Event]:
        """One Event per trading bar: views into the TradeLog's arrays, made on first use (no computation)."""
        return self.log.events(Event)

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1])

    @property
    def dates(self) -> np.ndarray:
        return self.panel.dates

    @property
    def first_rebalance_bar(self) -> int | None:
        return int(self.log.bars[0]) if len(self.log) else None

    def weights_at(self, bar: int) -> dict[str, float]:
        """Holdings as fractions of equity at ``bar``'s close (after its trades): those after the last
        trading bar at or before ``bar``, read from the TradeLog's holdings rows."""
        log = self.log
        last = int(np.searchsorted(log.bars, bar, side="right")) - 1
        if last < 0:
            return {}
        first_row, end_row = int(log.held_bounds[last]), int(log.held_bounds[last + 1])
        held, held_shares = log.held_column[first_row:end_row], log.held_shares[first_row:end_row]
        if not len(held):
            return {}
        prices = self.panel.close[bar, held]
        values = held_shares * prices
        total = self.equity[bar]
        return {self.panel.symbols[c]: float(v / total) for c, v in zip(held, values, strict=True)}

    def win_rate_by_regime(self) -> dict:
        out = {}
        codes = self.closed.entry_regime
        wins = self.closed.returns > 0
        for code, name in [(c, n) for c, n in enumerate(REGIME_NAMES)] + [(-1, UNKNOWN_NAME)]:
            mask = codes == code
            total = int(mask.sum())
            if code == -1 and total == 0:
                continue
            won = int(wins[mask].sum())
            out[name] = {"closed": total, "wins": won, "win_rate": won / total if total else None}
        return out

    def robustness(self) -> dict:
        by_regime = self.win_rate_by_regime()
        counted = {
            name: row["win_rate"]
            for name, row in by_regime.items()
            if name != UNKNOWN_NAME and row["closed"] >= ROBUSTNESS_MIN_CLOSED
        }
        total = len(self.closed.returns)
        overall = float((self.closed.returns > 0).mean()) if total else None
        if len(counted) < 2:
            return {
                "spread_pp": None,
                "best": None,
                "worst": None,
                "regimes_counted": sorted(counted),
                "min_closed": ROBUSTNESS_MIN_CLOSED,
                "overall_win_rate": overall,
                "closed_positions": total,
                "open_positions": self.open_positions,
                "note": "needs at least two regimes with enough closed positions",
            }
        best = max(counted, key=counted.get)
        worst = min(counted, key=counted.get)
        return {
            "spread_pp": 100.0 * (counted[best] - counted[worst]),
            "best": best,
            "worst": worst,
            "regimes_counted": sorted(counted),
            "min_closed": ROBUSTNESS_MIN_CLOSED,
            "overall_win_rate": overall,
            "closed_positions": total,
            "open_positions": self.open_positions,
        }

    def trade_rows(self) -> list[dict]:
        rows = []
        symbols, dates = self.panel.symbols, self.panel.dates
        codes = self.prepared.regimes.codes
        slip = self.config.slippage_bps / 10_000
        for event in self.events:
            day = str(dates[event.bar])
            regime = regime_name(int(codes[event.bar]))
            for i, column in enumerate(event.columns):
                traded = float(event.shares_traded[i])
                side = "buy" if traded > 0 else "sell"
                price = float(event.prices[i]) * (1 + slip if traded > 0 else 1 - slip)
                rows.append(
                    {
                        "date": day,
                        "symbol": symbols[column],
                        "side": side,
                        "shares": abs(traded),
                        "price": price,
                        "notional": abs(traded) * price,
                        "commission": float(event.commission[i]),
                        "slippage": float(event.slippage[i]),
                        "reason": event.kind,
                        "regime": regime,
                    }
                )
        return rows

    def closed_position_rows(self) -> list[dict]:
        symbols, dates = self.panel.symbols, self.panel.dates
        c = self.closed
        return [
            {
                "symbol": symbols[c.columns[i]],
                "entry": str(dates[c.entry_bar[i]]),
                "exit": str(dates[c.exit_bar[i]]),
                "return": float(c.returns[i]),
                "regime": regime_name(int(c.entry_regime[i])),
            }
            for i in range(len(c.returns))
        ]

    def _cost_total(self, per_trade: np.ndarray) -> float:
        """A cost summed per trading bar, then over the bars in order (the total the stored results have
        always had, to the last bit), from the TradeLog's flat arrays without making the Events."""
        bounds = self.log.trade_bounds.tolist()
        return float(sum(per_trade[a:b].sum() for a, b in itertools.pairwise(bounds)))

    @property
    def trade_count(self) -> int:
        """Trades of the run: one per (trading bar, symbol) whose shares changed — the TradeLog's rows."""
        return len(self.log.event)

    def weights_summary(self, *, history: bool = True) -> dict:
        """The last weights, and with ``history`` the number held and the share invested after each trading bar."""
        dates = self.panel.dates
        counts = np.diff(self.log.held_bounds).tolist()  # symbols held after each trading bar
        last_bar = len(dates) - 1
        last = self.weights_at(last_bar)
        out = {"as_of": str(dates[last_bar]), "last": dict(sorted(last.items(), key=lambda kv: -kv[1]))}
        if history:
            out["holdings"] = [[str(dates[e.bar]), count] for e, count in zip(self.events, counts, strict=True)]
            out["invested"] = [
                [
                    str(dates[e.bar]),
                    float(e.held_shares @ self.panel.close[e.bar, e.held] / e.value_after) if len(e.held) else 0.0,
                ]
                for e in self.events
            ]
        out["average_holdings"] = float(np.mean(counts)) if counts else 0.0
        out["largest_last_weight"] = max(last.values()) if last else 0.0
        return out

    def to_dict(self, *, trades: bool = True, closed_positions: bool = False, summary: bool = False) -> dict:
        """JSON-safe (no NaN: undefined metrics are null). ``trades=False`` leaves the trade list out; the
        trade count stays. ``summary=True`` (what a sweep member stores; ``"detail": "summary"``) also
        leaves out the per-rebalance list and the holdings/invested history of ``weights``, and has no
        trades: everything the run and comparison pages read stays (equity curve, metrics, costs,
        turnover, win rates, regimes, parameters in force, breaker changes, last weights), same numbers."""
        full = not summary
        p = self.prepared
        dates = self.panel.dates
        equity_curve = [
            [day, float(v)] for day, v in zip(dates.astype(str).tolist(), self.equity.tolist(), strict=True)
        ]
        regime_codes = p.regimes.codes
        breaker = p.breaker
        out = {
            "detail": DETAIL_FULL if full else DETAIL_SUMMARY,
            "final_equity": self.final_equity,
            "initial_cash": float(self.config.initial_cash),
            "equity_curve": equity_curve,
            "metrics": {key: json_metric(value) for key, value in self.metrics.items()},
            "trade_count": self.trade_count,
            "trades": self.trade_rows() if trades and full else None,
            "turnover": self.turnover["annualised"],
            "turnover_detail": self.turnover,
            "costs": {
                "commission": self._cost_total(self.log.commission),
                "slippage": self._cost_total(self.log.slippage),
            },
            "win_rate_by_regime": self.win_rate_by_regime(),
            "robustness": self.robustness(),
            "regimes": {
                "enabled": self.config.regimes.enabled,
                "source": p.regimes.source,
                "spans": spans(regime_codes, dates),
            },
            "parameters_in_force": adaptive_rules.changes(
                p.adaptive, regime_codes if self.config.regimes.enabled else np.full(len(dates), -1), dates
            ),
            "breaker": {
                "enabled": self.config.circuit_breaker.enabled,
                "changes": [
                    {
                        "date": str(dates[t]),
                        "state": STATE_NAMES[int(breaker.state[t])],
                        "exposure": float(breaker.exposure[t]),
                        "why": why,
                    }
                    for t, why in breaker.reasons
                ],
            },
            "weights": self.weights_summary(history=full),
            "rebalances": [
                {"date": str(dates[e.bar]), "kind": e.kind, "value": float(e.value_after), **e.info}
                for e in self.events
            ]
            if full
            else None,
            "data": {
                "start": str(dates[0]),
                "end": str(dates[-1]),
                "bars": len(dates),
                "symbols": len(self.panel.symbols),
                "benchmark": self.panel.benchmark_symbol,
                "first_rebalance": str(dates[self.first_rebalance_bar]) if len(self.log) else None,
            },
            "notes": list(p.notes),
            "config": self.config.to_dict(),
            "engine_seconds": self.engine_seconds,
        }
        if closed_positions:
            out["closed_positions"] = self.closed_position_rows()
        return out

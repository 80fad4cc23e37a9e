"""The vectorised backtest engine.

Time is cut at the rebalance bars (and the bars where the circuit breaker changes exposure); between
two of them the holdings are fixed, so a whole stretch is valued in one matrix product
(cash + closes[a:b, held] @ shares[held]). Scores are computed only on the signal bars, for the whole
cross-section at once. Nothing here touches Django.

Reference semantics (the issue's reference config): rebalance on bars warmup, warmup + every, ...
(0-based); score = close[t-21] / close[t-252] - 1; the top N by score (ties by column order) at equal
weight; trade at bar t's close; fractional shares; commission of the traded notional paid so the
portfolio is fully invested after costs (strategies.backtest.costs); equity before the first rebalance is
the initial cash; the equity of a rebalance bar is the post-trade value.
"""

import time

import numpy as np

from .. import hybrid, regimes
from ..factors import composite, zscore
from ..factors.library import factor_scores
from ..panel import PricePanel
from .config import BacktestConfig
from .costs import post_trade_value, unit_costs
from .preparation import Prepared, prepare
from .result import BacktestResult
from .tradelog import TradeLog
from .vector import run_path_free
from .weights import apply_caps, scheme_weights

REBALANCE, BREAKER, FINAL = "rebalance", "breaker", "targets"


def _rankings(p: Prepared, signals: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(keys, z) for every signal bar at once, one row per bar: the ranking key (the raw score for a single
    factor without sector neutrality, so the order is exactly the factor's; else the weighted composite of
    winsorised z-scores) and the composite z-score (None when nothing needs it: one factor, equal or
    inverse-volatility weights)."""
    config, close = p.config, p.panel.close
    lookback = p.adaptive.lookback[signals] if p.adaptive.adaptive else None
    sectors = p.sector_codes if config.sector_neutral else None
    raws = {
        name: factor_scores(
            name, close, rows=signals, params=p.params[name], fundamentals=p.panel.fundamentals, lookback=lookback
        )
        for name in config.factors
    }
    single = len(raws) == 1 and not config.sector_neutral
    if single and config.weighting != "score":
        return next(iter(raws.values())), None
    zs = {name: zscore(raw, winsorize=config.winsorize, sectors=sectors) for name, raw in raws.items()}
    z = composite(zs, config.factors)
    return (next(iter(raws.values())) if single else z), z


def _orders(keys: np.ndarray, top_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(columns, lengths, eligible) per signal row: ``columns[i, :lengths[i]]`` are the top ``top_n``
    eligible (finite) columns best first, ties in column order — what a stable sort of the whole row gives
    — and ``eligible[i]`` the number of eligible columns. For every rebalance at once: one partition finds
    each row's cut, one sort per row orders the few names at or above it (taken in column order; a stable
    sort when scores are equal)."""
    rows, count = keys.shape
    finite = np.isfinite(keys)
    eligible = finite.sum(axis=1)
    if rows == 0:
        return np.zeros((0, 0), dtype=np.int64), np.zeros(0, dtype=np.int64), eligible
    negative = np.where(finite, -keys, np.inf)
    if top_n < count:
        cut = np.partition(negative, top_n - 1, axis=1)[:, top_n - 1 : top_n]
        keep = (negative <= cut) & finite
    else:
        keep = finite
    kept = keep.sum(axis=1)
    row, column = np.divmod(np.flatnonzero(keep), count)  # faster than a 2-D nonzero
    width = int(kept.max())
    if (kept == width).all():
        columns = column.reshape(rows, width)
    else:  # ties at the cut or few eligible names: pad each row with +inf keys
        position = np.arange(len(row)) - np.repeat(np.cumsum(kept) - kept, kept)
        columns = np.zeros((rows, width), dtype=np.int64)
        columns[row, position] = column
    values = np.where(np.arange(width) < kept[:, None], negative[np.arange(rows)[:, None], columns], np.inf)
    order = np.argsort(values, axis=1)
    ranked = np.take_along_axis(values, order, axis=1)
    if (ranked[:, 1:] == ranked[:, :-1])[np.isfinite(ranked[:, 1:])].any():  # equal scores: column order
        order = np.argsort(values, axis=1, kind="stable")
    columns = np.take_along_axis(columns, order, axis=1)[:, :top_n]
    return columns, np.minimum(kept, top_n), eligible


def _select(
    p: Prepared, bar: int, signal: int, shares: np.ndarray, key, z, order, eligible_count
) -> tuple[np.ndarray, dict]:
    """Target weights at full exposure (length N, summing to <= 1) chosen on ``signal`` for trading on ``bar``."""
    config, close = p.config, p.panel.close
    count = close.shape[1]
    slots = min(config.top_n, int(eligible_count))
    candidates = order[:slots]
    info = {"eligible": int(eligible_count), "candidates": slots}
    chosen = candidates
    if config.hybrid.enabled or not p.breaker.new_entries[bar]:
        new = shares[candidates] <= 0
        allowed = np.ones(len(candidates), dtype=bool)
        if not p.breaker.new_entries[bar]:
            allowed &= ~new
            info["blocked_by_breaker"] = int(new.sum())
        if config.hybrid.enabled:
            conf = hybrid.confidence(close, signal, key, config.hybrid)
            threshold = p.adaptive.threshold[signal]
            confident = conf[candidates] >= threshold
            info["below_confidence"] = int((new & allowed & ~confident).sum())
            allowed &= ~new | confident
        chosen = candidates[allowed]
    weights = np.zeros(count)
    if len(chosen):
        w = scheme_weights(
            config.weighting, chosen, key_z=z, eligible=np.flatnonzero(np.isfinite(key)), close=close, bar=signal
        )
        w = apply_caps(w, p.sector_codes[chosen], config.max_weight, config.sector_cap)
        weights[chosen] = w * (len(chosen) / slots)
    info["chosen"] = len(chosen)
    return weights, info


def _path_free(p: Prepared, selecting: list[int]) -> bool:
    """Whether no trading bar's targets depend on what is held (then strategies.backtest.vector solves
    the run without a loop): fractional shares, no hybrid confidence, no selecting bar where the breaker
    blocks new entries."""
    config = p.config
    return config.fractional and not config.hybrid.enabled and bool(p.breaker.new_entries[selecting].all())


def _equal_weights(columns: np.ndarray, lengths: np.ndarray, count: int) -> np.ndarray:
    """What _select gives every selecting row at once for equal weights without caps or blocking:
    1 / slots on each row's top ``slots`` columns (rows x N)."""
    rows = len(lengths)
    base = np.zeros((rows, count))
    mask = np.arange(columns.shape[1]) < lengths[:, None]
    row = np.nonzero(mask)[0]
    base[row, columns[mask]] = 1.0 / lengths[row]
    return base


def _loop(p, events, kinds, row_of, keys, zs, columns, lengths, eligible_counts, costs, progress):
    """The bar-by-bar engine for runs whose targets depend on the holdings (whole shares, hybrid, the
    breaker blocking new entries): (daily equity, TradeLog)."""
    config, close, exposure = p.config, p.panel.close, p.breaker.exposure
    k_buy, k_sell, slip, comm = costs
    bars, count = close.shape
    equity = np.empty(bars)
    shares = np.zeros(count)
    held = np.zeros(0, dtype=np.int64)
    cash = float(config.initial_cash)
    base = np.zeros(count)
    size = 1.0
    last = 0
    before_values, after_values, infos = [], [], []
    touched, olds, news, prices, held_list, held_shares_list = [], [], [], [], [], []
    step = max(1, len(events) // 100)
    for number, bar in enumerate(events):
        equity[last : bar + 1] = cash + (close[last : bar + 1, held] @ shares[held] if len(held) else 0.0)
        value = equity[bar]
        info = {}
        if kinds[number] != BREAKER:
            signal = bar - p.delay
            row = row_of[bar]
            base, info = _select(
                p,
                bar,
                signal,
                shares,
                keys[row],
                None if zs is None else zs[row],
                columns[row, : lengths[row]],
                eligible_counts[row],
            )
            size = p.adaptive.position_size[signal]
        target = base * (size * exposure[bar])
        active = np.flatnonzero((target > 0) | (shares != 0))
        price = close[bar, active]
        old = shares[active]
        current = old * price
        weights = target[active]
        goal = post_trade_value(value, weights, current, k_buy, k_sell)
        new = goal * weights / price
        if not config.fractional:
            new = np.floor(new + 1e-9)
        trade = new * price - current
        filled = trade * (1 + slip * np.sign(trade)) if slip else trade
        cash -= filled.sum() + comm * np.abs(filled).sum()
        shares[active] = new
        kept = new != 0
        held, held_shares = active[kept], new[kept]
        equity[bar] = cash + held_shares @ price[kept]
        before_values.append(value)
        after_values.append(equity[bar])
        infos.append(info)
        touched.append(active)
        olds.append(old)
        news.append(new)
        prices.append(price)
        held_list.append(held)
        held_shares_list.append(held_shares)
        last = bar + 1
        if progress is not None and (number % step == 0 or number == len(events) - 1):
            progress(number + 1, len(events))
    if last < bars:
        equity[last:] = cash + (close[last:, held] @ shares[held] if len(held) else 0.0)
    index = np.arange(len(events))
    log = TradeLog.build(
        bars=events,
        kinds=kinds,
        value_before=before_values,
        value_after=after_values,
        infos=infos,
        event=np.repeat(index, [len(a) for a in touched]),
        column=_flat(touched, np.int64),
        before=_flat(olds),
        after=_flat(news),
        price=_flat(prices),
        held_event=np.repeat(index, [len(h) for h in held_list]),
        held_column=_flat(held_list, np.int64),
        held_shares=_flat(held_shares_list),
        slip=slip,
        comm=comm,
    )
    return equity, log


def _flat(arrays: list, dtype=float) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype=dtype)


def _vectorised(p, events, kinds, selecting, keys, zs, columns, lengths, eligible_counts, costs, progress):
    """Targets of every trading bar as one matrix, then strategies.backtest.vector solves the run."""
    config, close = p.config, p.panel.close
    count = close.shape[1]
    k_buy, k_sell, slip, comm = costs
    signals = np.asarray(selecting, dtype=np.int64) - p.delay
    caps = config.max_weight is not None or config.sector_cap is not None
    if config.weighting == "equal" and not caps:
        base = _equal_weights(columns, lengths, count)
        info_rows = [
            {"eligible": e, "candidates": n, "chosen": n}
            for e, n in zip(eligible_counts.tolist(), lengths.tolist(), strict=True)
        ]
    else:
        base = np.zeros((len(selecting), count))
        info_rows = []
        for row, (bar, signal) in enumerate(zip(selecting, signals.tolist(), strict=True)):
            base[row], info = _select(
                p,
                bar,
                signal,
                None,
                keys[row],
                None if zs is None else zs[row],
                columns[row, : lengths[row]],
                eligible_counts[row],
            )
            info_rows.append(info)
    is_selecting = np.array([kind != BREAKER for kind in kinds])
    latest = np.cumsum(is_selecting) - 1  # each trading bar's selecting bar (the first bar always selects)
    bars = np.asarray(events, dtype=np.int64)
    scale = p.adaptive.position_size[signals][latest] * p.breaker.exposure[bars]
    targets = base[latest] * scale[:, None]
    infos = [info_rows[latest[i]] if is_selecting[i] else {} for i in range(len(events))]
    equity, log = run_path_free(
        close,
        bars,
        kinds,
        infos,
        targets,
        initial_cash=float(config.initial_cash),
        k_buy=k_buy,
        k_sell=k_sell,
        slip=slip,
        comm=comm,
    )
    if progress is not None:
        progress(len(events), len(events))
    return equity, log


def run_backtest(
    config: BacktestConfig,
    panel: PricePanel,
    *,
    progress=None,
    targets_on_last_bar: bool = False,
    regime_series: regimes.RegimeSeries | None = None,
) -> BacktestResult:
    """Run ``config`` over ``panel``. ``progress(done, total)`` is called as rebalances complete.
    ``targets_on_last_bar`` adds a rebalance on the panel's last bar (what strategies.targets uses);
    ``regime_series``: regimes already classified for exactly these bars (walk-forward passes slices of
    the whole history's, so a window's regimes do not depend on where the window starts)."""
    started = time.perf_counter()
    p = prepare(config, panel, regime_series=regime_series)
    bars = p.panel.bars
    scheduled = np.arange(config.warmup_bars, bars, config.every_bars)
    changes = np.flatnonzero(np.diff(p.breaker.exposure) != 0) + 1
    changes = changes[changes > config.warmup_bars]
    kind_of = dict.fromkeys(changes.tolist(), BREAKER)
    kind_of.update(dict.fromkeys(scheduled.tolist(), REBALANCE))
    if targets_on_last_bar:
        kind_of[bars - 1] = FINAL
    events = sorted(kind_of)
    kinds = [kind_of[bar] for bar in events]
    selecting = [bar for bar in events if kind_of[bar] != BREAKER]
    keys, zs = _rankings(p, np.array(selecting, dtype=np.int64) - p.delay)
    columns, lengths, eligible_counts = _orders(keys, config.top_n)
    k_buy, k_sell = unit_costs(config.commission_bps, config.slippage_bps)
    costs = (k_buy, k_sell, config.slippage_bps / 10_000, config.commission_bps / 10_000)
    if _path_free(p, selecting):
        equity, log = _vectorised(
            p, events, kinds, selecting, keys, zs, columns, lengths, eligible_counts, costs, progress
        )
    else:
        row_of = {bar: i for i, bar in enumerate(selecting)}
        equity, log = _loop(p, events, kinds, row_of, keys, zs, columns, lengths, eligible_counts, costs, progress)
    return BacktestResult.build(p, equity=equity, log=log, started=started)

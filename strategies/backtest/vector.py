"""The engine's path-free case, solved for every trading bar at once (no loop over rebalances).

When shares are fractional and what a bar targets does not depend on what is held (no hybrid
confidence, the breaker never blocks new entries on a selecting bar), the whole run is linear in the
portfolio's value: after trading bar e the portfolio is V'_e x (w_e / p_e shares, 1 - sum w_e cash),
so between bars it grows by a factor that does not depend on V'. The cost equation of bar e
(strategies.backtest.costs), divided by V'_{e-1}, becomes one in r_e = V'_e / V'_{e-1} alone:

    r = G - sum_i k(d_i) |d_i|,  d_i = r w_e,i - a_e,i,  a_e = (w_{e-1} / p_{e-1}) x p_e,
    G = sum_i a_e,i + 1 - sum w_{e-1}  (the pre-trade value per unit of V'_{e-1}; 1 on the first bar)

— independent across bars, so one vectorised Newton solves them all, and V' = cash x cumprod(r).
Shares, trades and the daily equity then follow from arrays. It computes exactly what the bar-by-bar
loop computes (to rounding: the reference test holds both to an independent loop at 1e-9).
"""

import numpy as np

from .tradelog import TradeLog


def solve_ratios(row, w, a, g, k_buy: float, k_sell: float) -> np.ndarray:
    """r per event for the flat (event, column) pairs touched: weights w, pre-trade values a (per unit
    of the previous post-trade value) and pre-trade value g per event. Newton from r = g, like
    costs.post_trade_value: convex, piecewise linear and increasing, so it lands on the root."""
    r = g.copy()
    if k_buy == 0 and k_sell == 0:
        return r
    events = len(g)
    pending = np.arange(events)
    for _ in range(100):
        d = r[row] * w - a
        if k_buy == k_sell:
            sign = np.sign(d)
            f = r - g + k_buy * np.bincount(row, weights=sign * d, minlength=events)
            slope = 1.0 + k_buy * np.bincount(row, weights=sign * w, minlength=events)
        else:
            buy = d > 0
            cost = np.where(buy, k_buy * d, -k_sell * d)
            f = r - g + np.bincount(row, weights=cost, minlength=events)
            slope = 1.0 + np.bincount(row, weights=np.where(buy, k_buy, -k_sell) * w, minlength=events)
        step = (f / slope)[pending]
        nxt = r[pending] - step
        done = (nxt == r[pending]) | (np.abs(step) <= 1e-15 * np.abs(r[pending]))
        r[pending] = nxt
        pending = pending[~done]
        if not len(pending):
            break
    return r


def run_path_free(close, bars, kinds, infos, targets, *, initial_cash, k_buy, k_sell, slip, comm):
    """(daily equity, TradeLog) for trading bars ``bars`` with dense target weights ``targets`` (E x N)."""
    total = len(close)
    events = len(bars)
    prices = close[bars]  # E x N
    held = targets > 0
    units = targets / prices  # shares per unit of V' (prices are finite and positive: PricePanel)
    pre = np.zeros_like(targets)  # a: holdings of the previous bar at this bar's prices, per unit of V'
    np.multiply(units[:-1], prices[1:], out=pre[1:])
    cash_fraction = 1.0 - targets.sum(axis=1)
    g = np.ones(events)
    g[1:] = pre[1:].sum(axis=1) + cash_fraction[:-1]
    touched = held.copy()
    touched[1:] |= held[:-1]
    # event by event, columns ascending (what the loop's flatnonzero gives)
    row, column = np.divmod(np.flatnonzero(touched), targets.shape[1])
    w, price = targets[row, column], prices[row, column]
    r = solve_ratios(row, w, pre[row, column], g, k_buy, k_sell)
    post = float(initial_cash) * np.cumprod(r)  # V' of every trading bar
    after = post[row] * w / price
    shares = np.zeros_like(targets)
    shares[row, column] = after
    before = np.zeros(len(row))
    later = row > 0
    before[later] = shares[row[later] - 1, column[later]]
    # cash and the values around each trade as the loop books them (paid commission and fills), so
    # value before - value after is exactly the costs
    trade = (after - before) * price
    filled = trade * (1 + slip * np.sign(trade)) if slip else trade
    spent = np.bincount(row, weights=filled + comm * np.abs(filled), minlength=events)
    cash = initial_cash - np.cumsum(spent)
    value_before = np.bincount(row, weights=before * price, minlength=events)
    value_before[0] += initial_cash
    value_before[1:] += cash[:-1]

    keep = w > 0
    held_event, held_column, held_shares = row[keep], column[keep], after[keep]
    equity = np.empty(total)
    equity[: bars[0]] = initial_cash
    _hold_value(equity, close, bars, shares, cash)
    log = TradeLog.build(
        bars=bars,
        kinds=kinds,
        value_before=value_before,
        value_after=equity[bars],
        infos=infos,
        event=row,
        column=column,
        before=before,
        after=after,
        price=price,
        held_event=held_event,
        held_column=held_column,
        held_shares=held_shares,
        slip=slip,
        comm=comm,
    )
    return equity, log


def _hold_value(equity, close, bars, shares, cash) -> None:
    """equity[t] = close[t] @ shares[e] + cash[e] from each trading bar e to the next. The held columns
    are spread over most of each row's cache lines, so dense products stream the rows; a run of
    stretches of one length (every rebalance period) is one batched product."""
    stops = np.append(bars[1:], len(close))
    lengths = stops - bars
    change = np.flatnonzero(np.diff(lengths)) + 1
    firsts, lasts = np.concatenate([[0], change]).tolist(), np.append(change, len(bars)).tolist()
    for a, b in zip(firsts, lasts, strict=True):
        start, length, n = int(bars[a]), int(lengths[a]), b - a
        if n == 1:
            equity[start : start + length] = close[start : start + length] @ shares[a] + cash[a]
        else:
            block = close[start : start + n * length].reshape(n, length, close.shape[1])
            values = np.matmul(block, shares[a:b, :, None])[:, :, 0] + cash[a:b, None]
            equity[start : start + n * length] = values.ravel()

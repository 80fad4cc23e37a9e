"""An independent, deliberately simple day-by-day implementation of the issue's reference strategy.

Plain Python loops, dictionaries and sorted(): no NumPy, nothing shared with the engine. The fee
equation V' = V - fee x (sum over the new holdings of |V'/N - current_i| + value of positions fully
sold) is solved by fixed-point iteration (the engine uses Newton's method on the same equation).
"""


def reference_equity(closes, *, top_n=50, every=21, warmup=252, fee_bps=10.0, initial_cash=1_000_000.0):
    """closes: list of rows (one list of floats per day). Returns the daily equity as a list."""
    fee = fee_bps / 10_000
    days, count = len(closes), len(closes[0])
    shares: dict[int, float] = {}
    cash = initial_cash
    equity = []
    for t in range(days):
        row = closes[t]
        value = cash + sum(q * row[i] for i, q in shares.items())
        if t >= warmup and (t - warmup) % every == 0:
            score = [closes[t - 21][i] / closes[t - 252][i] - 1 for i in range(count)]
            chosen = sorted(range(count), key=lambda i: (-score[i], i))[:top_n]
            current = {i: q * row[i] for i, q in shares.items()}
            sold = sum(v for i, v in current.items() if i not in chosen)
            after = value
            for _ in range(1000):
                cost = fee * (sum(abs(after / len(chosen) - current.get(i, 0.0)) for i in chosen) + sold)
                nxt = value - cost
                if nxt == after:
                    break
                after = nxt
            shares = {i: after / len(chosen) / row[i] for i in chosen}
            cash = after - sum(q * row[i] for i, q in shares.items())
            value = after
        equity.append(value)
    return equity

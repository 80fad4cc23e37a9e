"""Trading costs and the post-trade value they leave.

A trade of mark-to-market notional d (at bar t's close, + buy, - sell) fills at close x (1 + s) when
buying and close x (1 - s) when selling (s = slippage_bps / 10,000); commission is c (= commission_bps /
10,000) of the filled notional. Cost per unit of |d|: k_buy = s + c (1 + s), k_sell = s + c (1 - s)
(with no slippage both are c, the issue's reference).

Post-trade value V' solves V' = V - sum_i k(d_i) |d_i| with d_i = V' w_i - current_i over every name
held before or after (names fully sold have w_i = 0): the portfolio ends exactly at its target weights
of V' after paying for getting there. The left side minus the right is convex, piecewise linear and
increasing in V', so Newton's method reaches the exact root in a few steps.
"""

import numpy as np


def unit_costs(commission_bps: float, slippage_bps: float) -> tuple[float, float]:
    c, s = commission_bps / 10_000, slippage_bps / 10_000
    return s + c * (1 + s), s + c * (1 - s)


def post_trade_value(value: float, weights: np.ndarray, current: np.ndarray, k_buy: float, k_sell: float) -> float:
    if k_buy == 0 and k_sell == 0:
        return value
    symmetric = k_buy == k_sell
    # V' is within the cost of V, so the trades' signs at V are almost always those at the root: the
    # first Newton step lands on it and the second confirms
    x = value
    for _ in range(100):
        d = x * weights - current
        if symmetric:
            sign = np.sign(d)
            f = x + k_buy * (sign @ d) - value
            slope = 1.0 + k_buy * (sign @ weights)
        else:
            buy = d > 0
            f = x + k_buy * d[buy].sum() - k_sell * d[~buy].sum() - value
            slope = 1.0 + k_buy * weights[buy].sum() - k_sell * weights[~buy].sum()
        step = f / slope
        x_next = x - step
        if x_next == x or abs(step) <= 1e-15 * abs(x):
            return x_next
        x = x_next
    return x

"""The run's trading record as flat arrays: one row per trade (event, column, shares before, shares
traded, price, commission, slippage) and one per holding after each trading bar. Both engine paths
produce it; closed positions, turnover and costs are computed from these arrays once, and the per-bar
``Event`` objects are views into them."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class TradeLog:
    bars: np.ndarray  # int (E,), the trading bars in order
    kinds: tuple  # (E,) "rebalance" / "breaker" / "targets"
    value_before: np.ndarray  # (E,)
    value_after: np.ndarray  # (E,)
    infos: tuple  # (E,) selection info dicts
    event: np.ndarray  # int (K,) event index of each trade, ascending; columns ascending within an event
    column: np.ndarray  # int (K,)
    before: np.ndarray  # (K,) shares before
    delta: np.ndarray  # (K,) shares traded (+ buy, - sell), never 0
    price: np.ndarray  # (K,) the bar's close
    commission: np.ndarray  # (K,)
    slippage: np.ndarray  # (K,)
    held_column: np.ndarray  # int (H,) holdings after each event, columns ascending within an event
    held_shares: np.ndarray  # (H,)
    trade_bounds: np.ndarray  # (E + 1,) trades of event i: [trade_bounds[i], trade_bounds[i + 1])
    held_bounds: np.ndarray  # (E + 1,)

    @classmethod
    def build(
        cls,
        *,
        bars,
        kinds,
        value_before,
        value_after,
        infos,
        event,
        column,
        before,
        after,
        price,
        held_event,
        held_column,
        held_shares,
        slip: float,
        comm: float,
    ) -> "TradeLog":
        """From every (event, column) the bar touched — shares before and after at its price — keeping
        those that changed; costs as strategies.backtest.costs defines them."""
        bars = np.asarray(bars, dtype=np.int64)
        delta = after - before
        moved = delta != 0
        event, column, before, delta, price = event[moved], column[moved], before[moved], delta[moved], price[moved]
        notional = delta * price
        filled = notional * (1 + slip * np.sign(delta)) if slip else notional
        edges = np.arange(len(bars) + 1)
        return cls(
            bars=bars,
            kinds=tuple(kinds),
            value_before=np.asarray(value_before, dtype=float),
            value_after=np.asarray(value_after, dtype=float),
            infos=tuple(infos),
            event=event,
            column=column,
            before=before,
            delta=delta,
            price=price,
            commission=comm * np.abs(filled),
            slippage=slip * np.abs(notional),
            held_column=held_column,
            held_shares=held_shares,
            trade_bounds=np.searchsorted(event, edges),
            held_bounds=np.searchsorted(held_event, edges),
        )

    def __len__(self) -> int:
        return len(self.bars)

    def traded_notional(self) -> np.ndarray:
        """Per event: the traded notional at the close (prices are positive)."""
        return np.bincount(self.event, weights=np.abs(self.delta) * self.price, minlength=len(self.bars))

    def events(self, event_class) -> list:
        t, h = self.trade_bounds.tolist(), self.held_bounds.tolist()
        out = []
        for i, (bar, kind, before, after, info) in enumerate(
            zip(
                self.bars.tolist(),
                self.kinds,
                self.value_before.tolist(),
                self.value_after.tolist(),
                self.infos,
                strict=True,
            )
        ):
            a, b, c, d = t[i], t[i + 1], h[i], h[i + 1]
            out.append(
                event_class(
                    bar=bar,
                    kind=kind,
                    value_before=before,
                    value_after=after,
                    columns=self.column[a:b],
                    shares_before=self.before[a:b],
                    shares_traded=self.delta[a:b],
                    prices=self.price[a:b],
                    commission=self.commission[a:b],
                    slippage=self.slippage[a:b],
                    held=self.held_column[c:d],
                    held_shares=self.held_shares[c:d],
                    info=info,
                )
            )
        return out

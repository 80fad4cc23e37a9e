"""The graduated circuit breaker: how much exposure a strategy may carry on each bar, and whether it
may open new positions.

States and rules (evaluated bar by bar on the regime series, so backtests and live targets agree):
- FULL: regime unknown, low or normal -> exposure 1, new entries allowed.
- REDUCED: regime high -> exposure ``high_exposure``, new entries allowed.
- HALTED: regime extreme -> exposure ``extreme_exposure`` (positions are reduced at once, not at the
  next rebalance), no new entries. Each trip counts.
- COOLDOWN: after HALTED the regime left extreme; exposure stays at ``extreme_exposure`` and no new
  entries for cooldown_bars x backoff_factor ** (trips - 1) bars (at most ``max_cooldown_bars``). A new
  extreme bar during the cool-down trips again (HALTED, trips + 1). When it ends the regime decides:
  high -> REDUCED, else FULL.
- Exponential backoff while volatility stays elevated: ``trips`` is reset to 0 only when the regime is
  back to low/normal/unknown; a trip after a re-entry in a still-high regime waits twice as long.
"""

from dataclasses import dataclass

import numpy as np

from .constants import EXTREME, HIGH

FULL, REDUCED, HALTED, COOLDOWN = 0, 1, 2, 3
STATE_NAMES = ("full", "reduced", "halted", "cooldown")


@dataclass(frozen=True)
class BreakerSeries:
    state: np.ndarray  # int8 (T,)
    exposure: np.ndarray  # (T,) fraction of equity the strategy may hold
    new_entries: np.ndarray  # bool (T,)
    reasons: tuple  # (bar, text) for every change of state

    def state_name(self, bar: int) -> str:
        return STATE_NAMES[int(self.state[bar])]


def run_breaker(codes, settings) -> BreakerSeries:
    codes = np.asarray(codes)
    count = len(codes)
    state = np.zeros(count, dtype=np.int8)
    exposure = np.ones(count)
    entries = np.ones(count, dtype=bool)
    reasons = []
    if not settings.enabled:
        return BreakerSeries(state, exposure, entries, ())
    current, trips, cooldown_left = FULL, 0, 0
    for t in range(count):
        regime = int(codes[t])
        previous = current
        why = ""
        if regime == EXTREME:
            if current not in (HALTED,):
                trips += 1
                why = (
                    f"extreme volatility: exposure cut to {settings.extreme_exposure:g}, no new entries (trip {trips})"
                )
            current = HALTED
        elif current == HALTED:
            cooldown_left = min(
                round(settings.cooldown_bars * settings.backoff_factor ** (trips - 1)), settings.max_cooldown_bars
            )
            current = COOLDOWN
            why = f"volatility below extreme: cool-down of {cooldown_left} bars (trip {trips})"
        if current == COOLDOWN and regime != EXTREME:
            if cooldown_left <= 0:
                current = REDUCED if regime == HIGH else FULL
                why = "cool-down over: " + ("re-entry at reduced exposure" if current == REDUCED else "full exposure")
            else:
                cooldown_left -= 1
        elif current in (FULL, REDUCED):
            current = REDUCED if regime == HIGH else FULL
            if current != previous:
                why = "high volatility: reduced exposure" if current == REDUCED else "volatility back to normal"
        if regime != HIGH and regime != EXTREME and current in (FULL, REDUCED):
            trips = 0
        state[t] = current
        exposure[t] = {FULL: 1.0, REDUCED: settings.high_exposure}.get(current, settings.extreme_exposure)
        entries[t] = current in (FULL, REDUCED)
        if current != previous and why:
            reasons.append((t, why))
    return BreakerSeries(state, exposure, entries, tuple(reasons))

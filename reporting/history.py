"""An account's (or household's) daily value history as arrays, and how events are put on it.

The input of ``reporting.returns``: closing values with each day's external flows and fees, flows
dated on days without a value moved to the next valued day, and several accounts combined into one.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def as_days(dates) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[D]")


def day_array(days: Sequence[dt.date]) -> np.ndarray:
    """``datetime64[D]`` of Python dates, through their ordinals: NumPy parses a list of dates slowly."""
    ordinals = np.fromiter((day.toordinal() for day in days), dtype=np.int64, count=len(days))
    return (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]")


def as_date(day: np.datetime64) -> dt.date:
    return day.astype("datetime64[D]").astype(dt.date)


@dataclass(frozen=True)
class ValueHistory:
    """Daily closing values with that day's external flows and fees, oldest first.

    ``flows`` are signed (deposit +, withdrawal -); ``fees`` are the fee transactions' signed cash
    effect (a fee is negative). Both are already on valued days (see ``align_events``).
    """

    dates: np.ndarray
    values: np.ndarray
    flows: np.ndarray
    fees: np.ndarray

    def __post_init__(self):
        dates = as_days(self.dates)
        arrays = [np.asarray(a, dtype=float) for a in (self.values, self.flows, self.fees)]
        if any(a.shape != dates.shape for a in arrays):
            raise ValueError("dates, values, flows and fees must have the same length.")
        if dates.size and not (np.diff(dates) > np.timedelta64(0, "D")).all():
            raise ValueError("dates must be strictly increasing.")
        if not all(np.isfinite(a).all() for a in arrays):
            raise ValueError("values, flows and fees must be finite.")
        object.__setattr__(self, "dates", dates)
        for name, array in zip(("values", "flows", "fees"), arrays, strict=True):
            object.__setattr__(self, name, array)

    @classmethod
    def empty(cls) -> "ValueHistory":
        return cls(np.array([], dtype="datetime64[D]"), np.array([]), np.array([]), np.array([]))

    def __len__(self) -> int:
        return int(self.dates.size)

    @property
    def inception(self) -> dt.date | None:
        """The first day with a value: performance cannot start before its close."""
        nonzero = np.flatnonzero(self.values != 0)
        return as_date(self.dates[nonzero[0]]) if nonzero.size else None

    @property
    def last_valued(self) -> dt.date | None:
        return as_date(self.dates[-1]) if self.dates.size else None


@dataclass(frozen=True)
class MovedEvent:
    """A flow or fee dated on a day without a value, counted on the next valued day instead."""

    kind: str
    dated: dt.date
    counted_on: dt.date
    amount: float


def align_events(
    dates: np.ndarray, events: Sequence[tuple[dt.date, str, float]]
) -> tuple[np.ndarray, list[MovedEvent]]:
    """Sum ``(date, kind, amount)`` events onto ``dates``; one on a day not in ``dates`` moves to the
    next day that is (and is listed as moved). Events after the last date are outside the history
    and left out."""
    dates = as_days(dates)
    totals = np.zeros(dates.size)
    if not events or not dates.size:
        return totals, []
    event_days = day_array([event[0] for event in events])
    amounts = np.fromiter((float(event[2]) for event in events), dtype=float, count=len(events))
    index = np.searchsorted(dates, event_days, side="left")
    inside = index < dates.size
    np.add.at(totals, index[inside], amounts[inside])
    shifted = np.flatnonzero(inside & (dates[np.minimum(index, dates.size - 1)] != event_days))
    moved = [
        MovedEvent(kind=events[i][1], dated=events[i][0], counted_on=as_date(dates[index[i]]), amount=float(amounts[i]))
        for i in shifted.tolist()
    ]
    return totals, moved


def combine(histories: Sequence[ValueHistory]) -> tuple[ValueHistory, dt.date | None]:
    """Several accounts as one: values, flows and fees summed by date.

    An account counts as 0 before its first valued day (it did not exist yet). The result stops at
    the earliest last valued day among the accounts, because after it one account's value is
    unknown and a sum would fall as if its money had vanished; that day is returned (``None``
    when nothing had to be cut).
    """
    present = [h for h in histories if len(h)]
    if not present:
        return ValueHistory.empty(), None
    common_end = min(h.dates[-1] for h in present)
    cut = any(h.dates[-1] > common_end for h in present)
    all_dates = np.concatenate([h.dates for h in present])
    dates, position = np.unique(all_dates, return_inverse=True)
    keep = dates <= common_end
    sums = []
    for name in ("values", "flows", "fees"):
        total = np.zeros(dates.size)
        np.add.at(total, position, np.concatenate([getattr(h, name) for h in present]))
        sums.append(total[keep])
    return ValueHistory(dates[keep], *sums), (as_date(common_end) if cut else None)

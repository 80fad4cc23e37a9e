"""Values the matching engine reads and writes. Plain dataclasses: no Django, no database.

Prices and quantities are ``Decimal``; times are timezone-aware ``datetime``. The engine mutates one
``OrderState`` per order (the broker persists it between calls) and returns ``SimEvent`` values.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

BUY = "buy"
SELL = "sell"

MARKET = "market"
LIMIT = "limit"
STOP = "stop"
STOP_LIMIT = "stop_limit"
TRAILING_STOP = "trailing_stop"
ORDER_TYPES = (MARKET, LIMIT, STOP, STOP_LIMIT, TRAILING_STOP)

DAY = "day"
GTC = "gtc"
IOC = "ioc"
FOK = "fok"
OPG = "opg"
CLS = "cls"
TIMES_IN_FORCE = (DAY, GTC, IOC, FOK, OPG, CLS)

# Statuses of the engine, a subset of Alpaca's vocabulary.
NEW = "new"
PARTIALLY_FILLED = "partially_filled"
FILLED = "filled"
CANCELED = "canceled"
EXPIRED = "expired"
OPEN = frozenset({NEW, PARTIALLY_FILLED})

# Events, Alpaca's trade-update names.
EVENT_PARTIAL_FILL = "partial_fill"
EVENT_FILL = "fill"
EVENT_CANCELED = "canceled"
EVENT_EXPIRED = "expired"


@dataclass(frozen=True)
class SimConfig:
    """How the simulated market behaves. The broker builds it from ``settings.SIMULATOR``.

    * ``slippage_bps``: adverse price move on every execution, in basis points of the reference price.
    * ``impact_bps``: extra adverse move at 100 % participation, scaled linearly by the execution's
      share of the bar's volume (10 % of the volume with ``impact_bps=50`` adds 5 bps).
    * ``participation``: the largest share of one bar's volume one order may take in that bar; the rest
      waits for later bars (partial fills). ``None`` (or a bar without volume) means no cap.
    * ``latency``: from submission to the order's arrival at the simulated market.
    * ``price_places``: execution prices are rounded to this many decimals (Alpaca: 4 below $1, 2 above;
      we keep 4 throughout) — never beyond a limit price.
    * ``fractional_places``: decimals of fractional quantities (notional orders, fractional qty).
    """

    slippage_bps: Decimal = Decimal("5")
    impact_bps: Decimal = Decimal("50")
    participation: Decimal | None = Decimal("0.10")
    latency: dt.timedelta = dt.timedelta(milliseconds=50)
    price_places: int = 4
    fractional_places: int = 8

    def __post_init__(self):
        if self.slippage_bps < 0 or self.impact_bps < 0:
            raise ValueError("slippage_bps and impact_bps cannot be negative.")
        if self.participation is not None and not Decimal("0") < self.participation <= Decimal("1"):
            raise ValueError("participation must be in (0, 1], or None for no cap.")
        if self.latency < dt.timedelta(0):
            raise ValueError("latency cannot be negative.")


@dataclass(frozen=True)
class OrderSpec:
    """What was ordered. ``session`` is the first trading session the order may trade in (the broker
    derives it from the calendar: today's session if submitted before its close, else the next one; for
    ``opg`` the next session whose open is still ahead). ``session_close`` is when a DAY order's session
    ends (the time of its ``expired`` event). ``key`` prefixes execution ids (the broker's order id)."""

    key: str
    side: str
    order_type: str
    time_in_force: str
    submitted_at: dt.datetime
    session: dt.date
    qty: Decimal | None = None
    notional: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    trail_price: Decimal | None = None
    trail_percent: Decimal | None = None
    session_close: dt.datetime | None = None

    def __post_init__(self):
        problems = spec_problems(self)
        if problems:
            raise ValueError("; ".join(f"{name}: {message}" for name, message in problems.items()))

    @property
    def is_buy(self) -> bool:
        return self.side == BUY


def spec_problems(spec: "OrderSpec") -> dict[str, str]:
    """Field rules the engine relies on, as ``{field: message}`` (empty when the order is well-formed)."""
    problems: dict[str, str] = {}
    if spec.side not in (BUY, SELL):
        problems["side"] = "must be buy or sell."
    if spec.order_type not in ORDER_TYPES:
        problems["order_type"] = f"must be one of {', '.join(ORDER_TYPES)}."
    if spec.time_in_force not in TIMES_IN_FORCE:
        problems["time_in_force"] = f"must be one of {', '.join(TIMES_IN_FORCE)}."
    if (spec.qty is None) == (spec.notional is None):
        problems["qty"] = "give exactly one of qty and notional."
    elif spec.qty is not None and spec.qty <= 0:
        problems["qty"] = "must be positive."
    elif spec.notional is not None and spec.notional <= 0:
        problems["notional"] = "must be positive."
    if spec.submitted_at.tzinfo is None:
        problems["submitted_at"] = "must be timezone-aware."
    needs_limit = spec.order_type in (LIMIT, STOP_LIMIT)
    needs_stop = spec.order_type in (STOP, STOP_LIMIT)
    if needs_limit != (spec.limit_price is not None):
        problems["limit_price"] = "required for limit and stop_limit orders only."
    elif spec.limit_price is not None and spec.limit_price <= 0:
        problems["limit_price"] = "must be positive."
    if needs_stop != (spec.stop_price is not None):
        problems["stop_price"] = "required for stop and stop_limit orders only."
    elif spec.stop_price is not None and spec.stop_price <= 0:
        problems["stop_price"] = "must be positive."
    trails = [value for value in (spec.trail_price, spec.trail_percent) if value is not None]
    if spec.order_type == TRAILING_STOP:
        if len(trails) != 1:
            problems["trail_price"] = "a trailing stop needs exactly one of trail_price and trail_percent."
        elif trails[0] <= 0:
            problems["trail_price"] = "the trail must be positive."
        elif spec.trail_percent is not None and spec.trail_percent >= 100:
            problems["trail_percent"] = "must be below 100."
    elif trails:
        problems["trail_price"] = "only trailing stops have a trail."
    if spec.time_in_force in (OPG, CLS) and spec.order_type not in (MARKET, LIMIT):
        problems["time_in_force"] = "opg and cls apply to market and limit orders only."
    return problems


@dataclass(frozen=True)
class Bar:
    """One session's prices. Without open/high/low the path is the close alone. ``open_at``/``close_at``
    are the session's times (the broker passes early closes); by default 09:30-16:00 New York."""

    day: dt.date
    close: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: int | None = None
    open_at: dt.datetime | None = None
    close_at: dt.datetime | None = None


@dataclass(frozen=True)
class Quote:
    """The price an order meets on arrival: the last known trade (a close when only bars are known).
    ``volume`` is the liquidity the participation cap measures against (the last session's volume)."""

    price: Decimal
    volume: int | None = None


@dataclass(frozen=True)
class PathPoint:
    price: Decimal
    at: dt.datetime


@dataclass
class OrderState:
    """What the engine remembers about one order between calls (the broker persists every field)."""

    status: str = NEW
    filled_qty: Decimal = Decimal("0")
    filled_value: Decimal = Decimal("0")
    executions: int = 0
    triggered: bool = False
    water_mark: Decimal | None = None  # high-water mark (sell trail) or low-water mark (buy trail)
    arrived: bool = False
    reason: str = ""  # why the order ended, for canceled/expired

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def filled_avg_price(self) -> Decimal | None:
        return self.filled_value / self.filled_qty if self.filled_qty else None


@dataclass(frozen=True)
class Execution:
    execution_id: str
    qty: Decimal
    price: Decimal
    at: dt.datetime
    reference_price: Decimal  # the path's price where the order executed, before slippage
    slippage_bps: Decimal  # the adverse move applied (before rounding and the limit cap)


@dataclass(frozen=True)
class SimEvent:
    event: str
    at: dt.datetime
    execution: Execution | None = None
    reason: str = ""
    extra: dict = field(default_factory=dict)

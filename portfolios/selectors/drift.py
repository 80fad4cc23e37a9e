"""How far accounts have drifted from their model portfolios.

Rows follow the model: one per instrument target, one per asset-class target (the account's
holdings of that class without a target of their own, together), one per holding the model does
not cover (target 0), and cash. A row is out of band by ``rebalance.bands.is_out_of_band`` — the
same rule the bands-only rebalance trades on. Values use the last as-traded close; a holding
without one is listed in ``unpriced`` and left out of the weights.

Any number of accounts costs the same four queries (accounts, positions, targets, closes).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from marketdata.selectors import latest_closes

from ..models import Account, ModelTarget, Position
from ..rebalance.bands import is_out_of_band
from ..rebalance.targets import resolve_targets
from ..rebalance.types import Bands, Holding, Target
from .accounts import accounts_visible_to

ZERO = Decimal("0")
CASH_LABEL = "Cash"


@dataclass(frozen=True)
class DriftRow:
    label: str
    target_weight: Decimal
    actual_weight: Decimal
    difference: Decimal
    out_of_band: bool
    in_model: bool = True
    is_cash: bool = False


@dataclass(frozen=True)
class DriftReport:
    account: Account
    rows: tuple[DriftRow, ...]
    total_value: Decimal
    priced_as_of: dt.date | None
    unpriced: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def has_model(self) -> bool:
        return self.account.model_portfolio_id is not None

    @property
    def max_abs_drift(self) -> Decimal:
        return max((abs(row.difference) for row in self.rows), default=ZERO)

    @property
    def out_of_band(self) -> bool:
        return any(row.out_of_band for row in self.rows)


def _report(account: Account, positions: list[Position], targets: list[ModelTarget], closes: dict) -> DriftReport:
    model = account.model_portfolio
    holdings, values, unpriced, dates = {}, {}, [], []
    for position in positions:
        close = closes.get(position.instrument_id)
        if close is None:
            unpriced.append(position.instrument.symbol)
            continue
        dates.append(close[0])
        holdings[position.instrument_id] = Holding(
            position.instrument_id,
            position.instrument.symbol,
            position.instrument.asset_class,
            position.quantity,
            close[1],
        )
        values[position.instrument_id] = position.quantity * close[1]
    total = account.cash + sum(values.values(), ZERO)
    if model is None or total <= ZERO:
        return DriftReport(account, (), total, min(dates, default=None), tuple(unpriced), ())
    bands = Bands(model.absolute_band, model.relative_band)
    groups, warnings = resolve_targets(
        tuple(
            Target(t.weight, t.instrument_id, t.instrument.symbol if t.instrument else "", t.asset_class)
            for t in targets
        ),
        holdings,
        values,
    )
    rows = []
    for group in groups:
        actual = sum((values.get(pk, ZERO) for pk in group.members), ZERO) / total
        rows.append(
            DriftRow(
                label=group.label,
                target_weight=group.weight,
                actual_weight=actual,
                difference=actual - group.weight,
                out_of_band=is_out_of_band(target=group.weight, actual=actual, bands=bands),
                in_model=group.in_model,
            )
        )
    cash = account.cash / total
    rows.append(
        DriftRow(
            label=CASH_LABEL,
            target_weight=model.cash_weight,
            actual_weight=cash,
            difference=cash - model.cash_weight,
            out_of_band=is_out_of_band(target=model.cash_weight, actual=cash, bands=bands),
            is_cash=True,
        )
    )
    return DriftReport(account, tuple(rows), total, min(dates, default=None), tuple(unpriced), tuple(warnings))


def drift_reports(accounts) -> list[DriftReport]:
    """Drift of each account (with its model selected), in a fixed number of queries."""
    accounts = list(accounts)
    positions = defaultdict(list)
    for position in (
        Position.objects.filter(account__in=[a.pk for a in accounts], quantity__gt=0)
        .select_related("instrument")
        .order_by("account_id", "instrument__symbol")
    ):
        positions[position.account_id].append(position)
    model_ids = {a.model_portfolio_id for a in accounts if a.model_portfolio_id}
    targets = defaultdict(list)
    for target in ModelTarget.objects.filter(model_id__in=model_ids).select_related("instrument"):
        targets[target.model_id].append(target)
    closes = latest_closes({p.instrument_id for rows in positions.values() for p in rows})
    return [_report(a, positions[a.pk], targets[a.model_portfolio_id], closes) for a in accounts]


def drift_for(account: Account) -> DriftReport:
    """The drift of one account the caller has already fetched through a scoped selector."""
    return drift_reports([account])[0]


def accounts_out_of_band(user) -> list[tuple[Account, Decimal]]:
    """Active accounts in ``user``'s scope with a row out of band, largest drift first."""
    accounts = accounts_visible_to(user).filter(is_active=True, model_portfolio__isnull=False)
    found = [(report.account, report.max_abs_drift) for report in drift_reports(accounts) if report.out_of_band]
    return sorted(found, key=lambda pair: (-pair[1], pair[0].name, pair[0].pk))

"""The rebalance engine: a pure function from an account's state and its model to proposed trades.

Rules, in the order they apply:

- Valuation: total value = cash + quantity * price of every priced holding. A holding without a
  price is left alone and reported in the warnings.
- Targets: see ``targets.resolve_targets`` (asset-class targets spread pro rata over the account's
  holdings of that class; unfillable ones reported, never an invented instrument).
- Modes:
  ``full`` trades every holding to its target weight (holdings outside the model to zero);
  ``bands_only`` trades only the target rows out of band (``bands.is_out_of_band``) and trades them
  back to the target itself, not to the band's edge: stopping at the edge would leave the holding
  where the next small move takes it out again;
  ``invest_cash`` only buys: it spends the cash above the buffer on the most underweight targets
  first (largest shortfall in weight points first), each up to its target;
  ``raise_cash`` only sells, until cash covers ``raise_amount`` plus the buffer (cash already in the
  account counts), taking lots with the largest losses first, then the smallest gains (see ``lots``).
- ``min_trade``: a trade whose notional is below it is dropped (and counted in the warnings).
- ``cash_buffer``: buys never take cash below it.
- ``fractional`` False: whole shares; buys round down, sells round down to whole shares and never
  exceed the holding (raise cash rounds its sells up instead, within the holding, to reach its amount).
- ``tax_aware`` (taxable accounts only; ignored with a warning otherwise): sells relieve lots with
  losses first, then long-term gains, then short-term gains; an instrument sold at a loss in the
  last 30 days is never bought (wash sale): the buy is skipped with a warning.
- Costs: each trade costs ``commission`` plus ``slippage_bps`` of its notional (a spread and
  slippage estimate), rounded to the cent.
- Sells come before buys, and buys never spend more than the cash after sells, buffer and costs.
- Decimal throughout: quantities to 8 places (or whole shares), cash to the cent.
"""

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from ..choices import RebalanceMode, TradeSide
from ..money import QUANTITY_STEP, to_cash
from .bands import is_out_of_band
from .lots import gains_by_term, order_lots, relieve, tax_key
from .targets import TargetGroup, resolve_targets
from .types import CASH_KEY, Holding, OpenLot, Parameters, ProposedTrade, RebalanceInput, RebalanceResult

ZERO = Decimal("0")
CENTS_ZERO = Decimal("0.00")
WHOLE = Decimal("1")
BPS = Decimal("10000")
WEIGHT_STEP = Decimal("0.000001")
WASH_SALE_DAYS = 30


def _pct(value: Decimal) -> str:
    return f"{value:.2%}"


class _Quantities:
    """Rounding of share quantities for one proposal: 8 places, or whole shares."""

    def __init__(self, fractional: bool):
        self.step = QUANTITY_STEP if fractional else WHOLE

    def down(self, value: Decimal) -> Decimal:
        return max(ZERO, (value / self.step).to_integral_value(rounding=ROUND_DOWN) * self.step).quantize(QUANTITY_STEP)

    def up(self, value: Decimal) -> Decimal:
        return max(ZERO, (value / self.step).to_integral_value(rounding=ROUND_CEILING) * self.step).quantize(
            QUANTITY_STEP
        )


def _lots_of(plan: "_Plan", pk: int) -> tuple[OpenLot, ...]:
    # A holding without lot detail is sold as one lot at its market value (no gain estimated).
    holding = plan.holdings[pk]
    return holding.lots or (OpenLot(None, plan.data.as_of, holding.quantity, plan.values[pk]),)


def trade_cost(notional: Decimal, parameters: Parameters) -> Decimal:
    return to_cash(parameters.commission + notional * parameters.slippage_bps / BPS)


class _Plan:
    """The state a proposal is built on: prices, values, and the trades chosen so far."""

    def __init__(self, data: RebalanceInput):
        self.data = data
        self.parameters = data.parameters
        self.quantities = _Quantities(data.parameters.fractional)
        self.tax_aware = data.parameters.tax_aware and data.taxable
        self.warnings: list[str] = []
        self.dropped = 0
        self.holdings: dict[int, Holding] = {}
        self.prices: dict[int, Decimal] = {}
        self.symbols: dict[int, str] = {}
        for holding in data.holdings:
            self.symbols[holding.instrument_id] = holding.symbol
            if holding.price is None or holding.price <= ZERO:
                self.warnings.append(f"{holding.symbol}: no price, so it is left out of this proposal.")
                continue
            self.holdings[holding.instrument_id] = holding
            self.prices[holding.instrument_id] = holding.price
        for target in data.targets:
            if target.instrument_id is None:
                continue
            self.symbols[target.instrument_id] = target.symbol
            price = data.prices.get(target.instrument_id)
            if target.instrument_id not in self.prices and price is not None and price > ZERO:
                self.prices[target.instrument_id] = price
        self.values = {pk: to_cash(h.quantity * h.price) for pk, h in self.holdings.items()}
        self.cash = data.cash
        self.total = data.cash + sum(self.values.values(), ZERO)
        self.sells: list[ProposedTrade] = []
        self.buys: list[ProposedTrade] = []

    def weight_of(self, pk: int) -> Decimal:
        return self.values.get(pk, ZERO) / self.total

    def sell(self, pk: int, quantity: Decimal, reason: str, *, losses_first: bool = False) -> ProposedTrade | None:
        holding = self.holdings[pk]
        price = self.prices[pk]
        notional = to_cash(quantity * price)
        if quantity <= ZERO or notional <= ZERO:
            return None
        if notional < self.parameters.min_trade:
            self.dropped += 1
            return None
        ordered = order_lots(
            _lots_of(self, pk),
            price=price,
            sold_on=self.data.as_of,
            method=self.parameters.lot_order,
            tax_aware=self.tax_aware,
            losses_first=losses_first,
        )
        sales = relieve(ordered, quantity=quantity, notional=notional, sold_on=self.data.as_of)
        short, long = gains_by_term(sales)
        trade = ProposedTrade(
            instrument_id=pk,
            symbol=holding.symbol,
            side=TradeSide.SELL,
            quantity=quantity,
            price=price,
            notional=notional,
            estimated_cost=trade_cost(notional, self.parameters),
            reason=reason,
            lots=tuple(sales),
            short_term_gain=short,
            long_term_gain=long,
        )
        self.sells.append(trade)
        return trade

    def buy(self, pk: int, want: Decimal, available: Decimal, reason: str) -> ProposedTrade | None:
        """Buy up to ``want`` dollars of ``pk`` within ``available`` cash (costs included)."""
        price = self.prices.get(pk)
        symbol = self.symbols[pk]
        if price is None:
            self.warnings.append(f"{symbol}: no price, so it cannot be bought.")
            return None
        if self.tax_aware and pk in self.data.recent_loss_sales:
            sold = self.data.recent_loss_sales[pk]
            if (self.data.as_of - sold).days <= WASH_SALE_DAYS:
                self.warnings.append(
                    f"{symbol}: not bought, it was sold at a loss on {sold.isoformat()} "
                    f"(within {WASH_SALE_DAYS} days: a wash sale)."
                )
                return None
        rate = WHOLE + self.parameters.slippage_bps / BPS
        affordable = (available - self.parameters.commission) / (price * rate)
        quantity = self.quantities.down(min(want / price, affordable))
        while quantity > ZERO:
            notional = to_cash(quantity * price)
            cost = trade_cost(notional, self.parameters)
            if notional + cost <= available:
                break
            quantity -= self.quantities.step
        if quantity <= ZERO:
            return None
        notional = to_cash(quantity * price)
        if notional < self.parameters.min_trade:
            self.dropped += 1
            return None
        trade = ProposedTrade(
            instrument_id=pk,
            symbol=symbol,
            side=TradeSide.BUY,
            quantity=quantity,
            price=price,
            notional=notional,
            estimated_cost=trade_cost(notional, self.parameters),
            reason=reason,
        )
        self.buys.append(trade)
        return trade

    def cash_after_sells(self) -> Decimal:
        return self.cash + sum((t.notional - t.estimated_cost for t in self.sells), ZERO)


def _reason(group: TargetGroup, plan: _Plan, *, prefix: str = "") -> str:
    actual = sum((plan.weight_of(pk) for pk in group.members), ZERO)
    if not group.in_model:
        return f"{prefix}Not in the model ({_pct(actual)} held)."
    return f"{prefix}{group.label}: {_pct(actual)} held, target {_pct(group.weight)}."


def _to_targets(plan: _Plan, groups: list[TargetGroup], *, only_out_of_band: bool) -> None:
    """Full and bands-only: sell what is over target, then buy what is under, most underweight first."""
    wanted: list[tuple[Decimal, int, Decimal, str]] = []
    for group in groups:
        actual = sum((plan.weight_of(pk) for pk in group.members), ZERO)
        if only_out_of_band and not is_out_of_band(target=group.weight, actual=actual, bands=plan.data.bands):
            continue
        reason = _reason(group, plan, prefix="Out of band. " if only_out_of_band else "")
        for pk, weight in group.members.items():
            delta = weight * plan.total - plan.values.get(pk, ZERO)
            if delta < ZERO and pk in plan.holdings:
                holding = plan.holdings[pk]
                quantity = holding.quantity if weight == ZERO else min(holding.quantity, -delta / plan.prices[pk])
                if quantity != holding.quantity or not plan.parameters.fractional:
                    quantity = plan.quantities.down(quantity)
                plan.sell(pk, quantity, reason)
            elif delta > ZERO:
                wanted.append((delta / plan.total, pk, delta, reason))
    _buy_in_order(plan, wanted, plan.cash_after_sells())


def _buy_in_order(plan: _Plan, wanted: list[tuple[Decimal, int, Decimal, str]], cash: Decimal) -> None:
    available = cash - plan.parameters.cash_buffer
    for _shortfall, pk, delta, reason in sorted(wanted, key=lambda row: (-row[0], plan.symbols[row[1]])):
        if available <= ZERO:
            break
        trade = plan.buy(pk, delta, available, reason)
        if trade is not None:
            available -= trade.notional + trade.estimated_cost


def _invest_cash(plan: _Plan, groups: list[TargetGroup]) -> None:
    if plan.cash - plan.parameters.cash_buffer <= ZERO:
        plan.warnings.append("No cash to invest above the cash buffer.")
        return
    wanted = []
    for group in groups:
        reason = _reason(group, plan, prefix="Invest cash. ")
        for pk, weight in group.members.items():
            delta = weight * plan.total - plan.values.get(pk, ZERO)
            if delta > ZERO:
                wanted.append((delta / plan.total, pk, delta, reason))
    _buy_in_order(plan, wanted, plan.cash)


def _raise_cash(plan: _Plan) -> None:
    parameters = plan.parameters
    needed = parameters.raise_amount + parameters.cash_buffer - plan.cash
    if needed <= ZERO:
        plan.warnings.append("The account already holds the cash to raise; nothing needs selling.")
        return
    keep = WHOLE - parameters.slippage_bps / BPS
    # One order over every lot of every holding, the same order each sell then relieves its lots in.
    every_lot = sorted(
        ((lot, pk) for pk, holding in plan.holdings.items() for lot in _lots_of(plan, pk) if lot.quantity > ZERO),
        key=lambda pair: (
            *tax_key(pair[0], price=plan.prices[pair[1]], sold_on=plan.data.as_of, tax_aware=plan.tax_aware),
            plan.symbols[pair[1]],
        ),
    )
    selling: dict[int, Decimal] = {}
    raised = ZERO
    for lot, pk in every_lot:
        if raised >= needed:
            break
        price = plan.prices[pk]
        extra = parameters.commission if pk not in selling else ZERO
        quantity = min(lot.quantity, plan.quantities.up((needed - raised + extra) / (price * keep)))
        if plan.quantities.step == WHOLE:
            quantity = min(quantity, plan.quantities.down(plan.holdings[pk].quantity - selling.get(pk, ZERO)))
        if quantity <= ZERO:
            continue
        selling[pk] = selling.get(pk, ZERO) + quantity
        raised = sum(
            (
                to_cash(q * plan.prices[i]) - trade_cost(to_cash(q * plan.prices[i]), parameters)
                for i, q in selling.items()
            ),
            ZERO,
        )
    for pk, quantity in selling.items():
        plan.sell(pk, quantity, "Raise cash: lots with losses first, then the smallest gains.", losses_first=True)
    raised = plan.cash_after_sells() - plan.cash
    if raised < needed:
        plan.warnings.append(f"Only {to_cash(raised)} of the {to_cash(needed)} needed could be raised.")


def _weights(plan: _Plan, quantities: dict[int, Decimal], cash: Decimal) -> tuple[dict[str, Decimal], Decimal]:
    values = {pk: to_cash(quantity * plan.prices[pk]) for pk, quantity in quantities.items() if pk in plan.prices}
    total = cash + sum(values.values(), ZERO)
    if total <= ZERO:
        return {}, total
    weights = {plan.symbols[pk]: (value / total).quantize(WEIGHT_STEP) for pk, value in values.items()}
    weights[CASH_KEY] = (cash / total).quantize(WEIGHT_STEP)
    return weights, total


def rebalance(data: RebalanceInput) -> RebalanceResult:
    """Trades that move the account toward its model under ``data.parameters``; see the module rules."""
    plan = _Plan(data)
    parameters = data.parameters
    if parameters.tax_aware and not data.taxable:
        plan.warnings.append("Tax-aware options ignored: this account's gains are not taxed when realised.")
    groups, target_warnings = resolve_targets(data.targets, plan.holdings, plan.values)
    plan.warnings.extend(target_warnings)
    if plan.total <= ZERO:
        plan.warnings.append("The account has no value to rebalance.")
    elif parameters.mode in (RebalanceMode.FULL, RebalanceMode.BANDS_ONLY):
        _to_targets(plan, groups, only_out_of_band=parameters.mode == RebalanceMode.BANDS_ONLY)
    elif parameters.mode == RebalanceMode.INVEST_CASH:
        _invest_cash(plan, groups)
    elif parameters.mode == RebalanceMode.RAISE_CASH:
        _raise_cash(plan)
    else:
        raise ValueError(f"Unknown rebalance mode {parameters.mode!r}.")
    if plan.dropped:
        plan.warnings.append(f"{plan.dropped} trade(s) below the minimum trade of {parameters.min_trade} left out.")

    before_quantities = {pk: holding.quantity for pk, holding in plan.holdings.items()}
    after_quantities = dict(before_quantities)
    for trade in plan.sells:
        after_quantities[trade.instrument_id] -= trade.quantity
    for trade in plan.buys:
        after_quantities[trade.instrument_id] = after_quantities.get(trade.instrument_id, ZERO) + trade.quantity
    cash_after = plan.cash_after_sells() - sum((t.notional + t.estimated_cost for t in plan.buys), ZERO)
    before, _ = _weights(plan, before_quantities, data.cash)
    after, _ = _weights(plan, after_quantities, cash_after)
    targets = {plan.symbols[pk]: weight.quantize(WEIGHT_STEP) for g in groups for pk, weight in g.members.items()}
    targets[CASH_KEY] = data.cash_weight.quantize(WEIGHT_STEP)
    for symbol in targets:
        before.setdefault(symbol, ZERO.quantize(WEIGHT_STEP))
        after.setdefault(symbol, ZERO.quantize(WEIGHT_STEP))
    trades = (*plan.sells, *plan.buys)
    short, long = gains_by_term(sale for trade in plan.sells for sale in trade.lots)
    return RebalanceResult(
        trades=trades,
        target_weights=targets,
        before_weights=before,
        after_weights=after,
        total_value=to_cash(plan.total),
        cash_before=to_cash(data.cash),
        cash_after=to_cash(cash_after),
        estimated_cost=sum((trade.estimated_cost for trade in trades), CENTS_ZERO),
        short_term_gain=short,
        long_term_gain=long,
        warnings=tuple(plan.warnings),
    )

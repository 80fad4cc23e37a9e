"""Reads behind the realised-gains report: ledger rows of a household, turned into ``reporting.tax`` inputs.

Callers pass an account fetched through ``portfolios.selectors.accounts_visible_to`` (or a user and
a household, whose accounts are read through it), so what is reported is always in the user's
scope. The wash-sale rule spans the whole household — the taxpayer, a spouse, joint accounts and
IRAs — so the replay reads every account of that household; only rows of the accounts the user may
see are reported, and a replacement in an account the user cannot see is shown without its name.
Six queries whatever the size of the history.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from portfolios.choices import TAXABLE_ACCOUNT_TYPES, TransactionKind
from portfolios.models import Account, Lot, LotRelief, Transaction
from portfolios.money import to_quantity
from portfolios.selectors import accounts_visible_to

from .tax import WASH_SALE_DAYS, realised_gains
from .tax_types import PurchaseInput, RealisedGainsReport, ReliefInput


@dataclass(frozen=True)
class TaxReport:
    """A realised-gains report with what a page needs around it."""

    report: RealisedGainsReport
    year: int
    years: list[int]  # years with sales in the reported accounts, newest first, always this year
    account_names: dict[int, str]  # every account of the household the user may see
    tax_deferred: bool  # every reported account is an IRA: its gains are not taxed in the year


def _splits(account_ids) -> dict[int, list[tuple[tuple[dt.date, int], Decimal]]]:
    """Split ratios per instrument, each with its (date, transaction id) key, one per split event.

    Each account records a split it held through; the same split recorded in two accounts counts once.
    """
    seen = {}
    rows = Transaction.objects.filter(account_id__in=account_ids, kind=TransactionKind.SPLIT).values_list(
        "instrument_id", "trade_date", "id", "split_numerator", "split_denominator"
    )
    for instrument_id, trade_date, pk, numerator, denominator in rows.order_by("trade_date", "id"):
        seen.setdefault((instrument_id, trade_date, numerator, denominator), (trade_date, pk))
    splits = defaultdict(list)
    for (instrument_id, _, numerator, denominator), key in seen.items():
        splits[instrument_id].append((key, Decimal(numerator) / Decimal(denominator)))
    return splits


def _units_per_share(splits, instrument_id: int, key: tuple[dt.date, int]) -> Decimal:
    factor = Decimal("1")
    for split_key, ratio in splits.get(instrument_id, ()):
        if split_key > key:
            factor *= ratio
    return factor


def load_tax_inputs(account_ids, *, through: dt.date) -> tuple[list[ReliefInput], list[PurchaseInput]]:
    """Every relief of ``account_ids`` closed by ``through`` and every buy up to 30 days beyond it."""
    splits = _splits(account_ids)
    reliefs = LotRelief.objects.filter(lot__account_id__in=account_ids, closed_on__lte=through).values_list(
        "id",
        "transaction_id",
        "transaction__kind",
        "lot__account_id",
        "lot__account__account_type",
        "lot__instrument_id",
        "lot__instrument__symbol",
        "lot_id",
        "lot__acquired_on",
        "closed_on",
        "quantity",
        "proceeds",
        "cost_basis",
        "term",
    )
    relief_inputs = [
        ReliefInput(
            relief_id=pk,
            transaction_id=transaction_id,
            account_id=account_id,
            instrument_id=instrument_id,
            symbol=symbol,
            lot_id=lot_id,
            lot_acquired_on=acquired_on,
            closed_on=closed_on,
            quantity=quantity,
            proceeds=proceeds,
            cost_basis=cost,
            term=term,
            is_sale=kind == TransactionKind.SELL,
            taxable=account_type in TAXABLE_ACCOUNT_TYPES,
            units_per_share=_units_per_share(splits, instrument_id, (closed_on, transaction_id)),
        )
        for (
            pk,
            transaction_id,
            kind,
            account_id,
            account_type,
            instrument_id,
            symbol,
            lot_id,
            acquired_on,
            closed_on,
            quantity,
            proceeds,
            cost,
            term,
        ) in reliefs.order_by("closed_on", "transaction_id", "id")
    ]
    # A lot's own quantity follows only the splits it was open through, so count the shares as
    # bought (the opening transaction's) and scale them by every split since.
    lots = Lot.objects.filter(
        account_id__in=account_ids,
        opening_transaction__kind=TransactionKind.BUY,
        acquired_on__lte=through + dt.timedelta(days=WASH_SALE_DAYS),
    ).values_list(
        "id",
        "opening_transaction_id",
        "opening_transaction__quantity",
        "account_id",
        "account__account_type",
        "instrument_id",
        "acquired_on",
    )
    purchases = [
        PurchaseInput(
            lot_id=pk,
            transaction_id=transaction_id,
            account_id=account_id,
            instrument_id=instrument_id,
            acquired_on=acquired_on,
            quantity=to_quantity(quantity * _units_per_share(splits, instrument_id, (acquired_on, transaction_id))),
            taxable=account_type in TAXABLE_ACCOUNT_TYPES,
        )
        for pk, transaction_id, quantity, account_id, account_type, instrument_id, acquired_on in lots
    ]
    return relief_inputs, purchases


def tax_years(account_ids) -> list[int]:
    """Years in which the accounts sold something, newest first, with the current year always offered."""
    dates = LotRelief.objects.filter(lot__account_id__in=account_ids, transaction__kind=TransactionKind.SELL).dates(
        "closed_on", "year", order="DESC"
    )
    return sorted({day.year for day in dates} | {timezone.localdate().year}, reverse=True)


def _report(user, household_id: int, reported: list[Account], year: int) -> TaxReport:
    # A subquery: the replay's three reads each filter on it, no list of ids travels back and forth.
    household_ids = Account.objects.filter(client__household_id=household_id).order_by().values("pk")
    reliefs, purchases = load_tax_inputs(household_ids, through=dt.date(year, 12, 31))
    reported_ids = [account.pk for account in reported]
    report = realised_gains(reliefs, purchases, year=year, account_ids=reported_ids)
    names = dict(accounts_visible_to(user).filter(client__household_id=household_id).values_list("pk", "name"))
    return TaxReport(
        report=report,
        year=year,
        years=tax_years(reported_ids),
        account_names=names,
        tax_deferred=bool(reported) and all(a.account_type not in TAXABLE_ACCOUNT_TYPES for a in reported),
    )


def account_realised_gains(user, account: Account, *, year: int) -> TaxReport:
    """The realised gains of ``account`` (already fetched through accounts_visible_to) in ``year``."""
    return _report(user, account.client.household_id, [account], year)


def household_realised_gains(user, household, *, year: int) -> TaxReport:
    """The realised gains of the household's accounts the user may see, in ``year``."""
    accounts = list(accounts_visible_to(user).filter(client__household=household))
    return _report(user, household.pk, accounts, year)

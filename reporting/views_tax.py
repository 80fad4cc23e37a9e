"""The realised-gains page of an account and its CSV download, for any tax year.

The account comes from ``accounts_visible_to`` (another book's account is a 404); reading it is
enough. Figures are formatted in Python, once, for both the page and the file.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portfolios import display
from portfolios.csv_export import stream_csv
from portfolios.selectors import accounts_visible_to
from portfolios.views_csv import csv_attachment

from .selectors_tax import TaxReport, account_realised_gains
from .tax_types import GainRow, TermTotals, WashSale

FIRST_YEAR = 1900
LAST_YEAR = 2999
TERMS = ("short", "long")

CSV_COLUMNS = (
    "row",
    "symbol",
    "acquired",
    "lot_acquired",
    "sold",
    "quantity",
    "proceeds",
    "cost_basis",
    "wash_sale_adjustment",
    "adjusted_cost",
    "gain",
    "wash_sale_disallowed",
    "recognised_gain",
    "term",
    "wash_sale_replacements",
)


class TaxYearForm(forms.Form):
    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, label="Tax year")


def year_from(params) -> tuple[TaxYearForm, int | None]:
    """The requested year (this year when none is given), or None with the form's errors."""
    if not params.get("year"):
        year = timezone.localdate().year
        return TaxYearForm(initial={"year": year}), year
    form = TaxYearForm(params)
    return form, (form.cleaned_data["year"] if form.is_valid() else None)


def replacement_text(sale: WashSale, account_names: dict[int, str]) -> str:
    where = account_names.get(sale.replacement_account_id, "another household account")
    added = (
        f"{display.money(sale.basis_adjustment)} added to its basis"
        if sale.basis_adjustment
        else "not added to basis (tax-advantaged account)"
    )
    return (
        f"{display.quantity(sale.quantity)} bought {sale.replacement_acquired_on.isoformat()} in {where}: "
        f"{display.money(sale.disallowed_loss)} disallowed, {added}"
    )


def _row(row: GainRow, account_names: dict[int, str]) -> dict:
    return {
        "symbol": row.symbol,
        "acquired": row.acquired_on.isoformat(),
        "lot_acquired": row.lot_acquired_on.isoformat() if row.lot_acquired_on != row.acquired_on else "",
        "sold": row.sold_on.isoformat(),
        "quantity": display.quantity(row.quantity),
        "proceeds": display.money(row.proceeds),
        "cost_basis": display.money(row.cost_basis),
        "adjustment": display.money(row.adjustment) if row.adjustment else "",
        "adjusted_cost": display.money(row.adjusted_cost),
        "gain": display.signed_money(row.gain),
        "gain_class": display.gain_class(row.gain),
        "disallowed": display.money(row.disallowed_loss) if row.disallowed_loss else "",
        "recognised": display.signed_money(row.recognised_gain),
        "recognised_class": display.gain_class(row.recognised_gain),
        "term": "Long-term" if row.term == "long" else "Short-term",
        "replacements": [replacement_text(sale, account_names) for sale in row.wash_sales],
    }


def _totals(totals: TermTotals) -> dict:
    return {
        "label": totals.label,
        "rows": totals.rows,
        "proceeds": display.money(totals.proceeds),
        "cost_basis": display.money(totals.cost_basis),
        "adjustment": display.money(totals.adjustment),
        "adjusted_cost": display.money(totals.adjusted_cost),
        "gain": display.signed_money(totals.gain),
        "gain_class": display.gain_class(totals.gain),
        "disallowed": display.money(totals.disallowed_loss),
        "recognised": display.signed_money(totals.recognised_gain),
        "recognised_class": display.gain_class(totals.recognised_gain),
    }


def _wash_sale(sale: WashSale, account_names: dict[int, str]) -> dict:
    return {
        "symbol": sale.symbol,
        "sold": sale.sold_on.isoformat(),
        "sale_account": account_names.get(sale.sale_account_id, "another household account"),
        "quantity": display.quantity(sale.quantity),
        "disallowed": display.money(sale.disallowed_loss),
        "replacement_account": account_names.get(sale.replacement_account_id, "another household account"),
        "replacement_acquired": sale.replacement_acquired_on.isoformat(),
        "adjustment": display.money(sale.basis_adjustment) if sale.basis_adjustment else "none (tax-advantaged)",
        "holding_days": sale.holding_days_added,
    }


@login_required
@require_GET
def account_realized_gains(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    form, year = year_from(request.GET)
    context = {"account": account, "form": form, "year": year, "tax": None}
    if year is not None:
        tax = account_realised_gains(request.user, account, year=year)
        names = tax.account_names
        context.update(
            tax=tax,
            years=tax.years,
            rows=[_row(row, names) for row in tax.report.rows],
            totals=[_totals(tax.report.totals[term]) for term in (*TERMS, "all")],
            wash_sales=[_wash_sale(sale, names) for sale in tax.report.wash_sales],
        )
    return render(request, "reporting/realized_gains.html", context)


def csv_rows(tax: TaxReport):
    """One line per lot sold, then the totals per term and overall (``row`` says which)."""
    names = tax.account_names
    for row in tax.report.rows:
        yield [
            "lot",
            row.symbol,
            row.acquired_on.isoformat(),
            row.lot_acquired_on.isoformat(),
            row.sold_on.isoformat(),
            format(row.quantity.normalize(), "f"),
            format(row.proceeds, "f"),
            format(row.cost_basis, "f"),
            format(row.adjustment, "f"),
            format(row.adjusted_cost, "f"),
            format(row.gain, "f"),
            format(row.disallowed_loss, "f"),
            format(row.recognised_gain, "f"),
            row.term,
            "; ".join(replacement_text(sale, names) for sale in row.wash_sales),
        ]
    for term in (*TERMS, "all"):
        totals = tax.report.totals[term]
        yield [
            f"total_{term}",
            "",
            "",
            "",
            "",
            "",
            format(totals.proceeds, "f"),
            format(totals.cost_basis, "f"),
            format(totals.adjustment, "f"),
            format(totals.adjusted_cost, "f"),
            format(totals.gain, "f"),
            format(totals.disallowed_loss, "f"),
            format(totals.recognised_gain, "f"),
            "" if term == "all" else term,
            "",
        ]


@login_required
@require_GET
def account_realized_gains_csv(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    _, year = year_from(request.GET)
    if year is None:
        return HttpResponseBadRequest(f"year must be a whole number from {FIRST_YEAR} to {LAST_YEAR}.")
    tax = account_realised_gains(request.user, account, year=year)
    file_name = f"account-{account.pk}-realised-gains-{year}.csv"
    return csv_attachment(stream_csv(CSV_COLUMNS, csv_rows(tax)), file_name)

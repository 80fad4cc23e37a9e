"""Account pages (list, create, edit, the account page with its figures, transactions) and the
risk questionnaire. Reads come from the scoped selectors, writes go to the services.

The account page costs a fixed number of queries whatever the number of positions, and its
500-row holdings table is built in Python (``portfolios.display``), not by template filters.
"""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability, has_capability
from valuepartner import charts
from valuepartner.forms import submit_to_service

from . import display, services
from .forms_accounts import AccountForm, RiskQuestionnaireForm, TransactionFilterForm
from .models import Transaction
from .risk import QUESTIONS
from .selectors import accounts_visible_to, clients_visible_to
from .selectors.holdings import (
    account_summary,
    account_totals,
    allocation_by_asset_class,
    allocation_by_sector,
    holdings_for,
)
from .selectors.ledger import transactions_for
from .selectors.values import RANGES, value_series

PAGE_SIZE = 25
TRANSACTIONS_PAGE_SIZE = 50
RECENT_TRANSACTIONS = 10
CHART_POINTS = 500


def _require_manage(user) -> None:
    if not has_capability(user, Capability.MANAGE_BOOK):
        raise PermissionDenied("Your role can view accounts but not change them.")


def _bound_data(request):
    return request.POST if request.method == "POST" else None


@login_required
@require_GET
def account_list(request):
    query = request.GET.get("q", "").strip()
    accounts = accounts_visible_to(request.user).order_by("name", "pk")
    if query:
        accounts = accounts.filter(
            Q(name__icontains=query)
            | Q(client__first_name__icontains=query)
            | Q(client__last_name__icontains=query)
            | Q(client__household__name__icontains=query)
            | Q(broker_account_id__icontains=query)
        )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portfolios/account_list.html", {"page": page, "query": query})


def _form_page(request, form, account):
    return render(request, "portfolios/account_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def account_create(request):
    _require_manage(request.user)
    initial = {"client": request.GET["client"]} if request.GET.get("client", "").isdigit() else {}
    form = AccountForm(_bound_data(request), user=request.user, initial=initial)
    done = submit_to_service(
        request,
        form,
        lambda data: services.create_account(actor=request.user, **data),
        success=lambda account: f"Account “{account.name}” opened.",
        then="portfolios:account-detail",
    )
    return done or _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def account_edit(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    _require_manage(request.user)
    form = AccountForm(
        _bound_data(request), user=request.user, account=account, initial=AccountForm.initial_for(account)
    )
    done = submit_to_service(
        request,
        form,
        lambda data: services.update_account(actor=request.user, account=account, **data),
        success=lambda saved: f"Account “{saved.name}” saved.",
        then="portfolios:account-detail",
    )
    return done or _form_page(request, form, account)


def _allocation_chart(slices, label: str):
    pieces = charts.donut_slices([(s.label, float(s.weight)) for s in slices])
    legend = [
        {
            "label": piece.label,
            "color": piece.color,
            "weight": display.percent(s.weight),
            "value": display.money(s.value),
        }
        for piece, s in zip(pieces, slices, strict=True)
    ]
    return {"svg": charts.donut_chart(pieces, label=label), "legend": legend, "label": label}


def _value_chart(account, range_key: str) -> dict:
    series = value_series(account, range_key)
    points = charts.downsample(series.points, CHART_POINTS)
    change = None
    if series.first:
        change = display.percent(Decimal(repr(series.last / series.first - 1)), signed=True)
    return {
        "svg": charts.line_chart(points, label="Account value", format_value=lambda v: f"{v:,.0f}"),
        "range": series.range_key,
        "ranges": RANGES,
        "change": change,
    }


@login_required
@require_GET
def account_detail(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user).select_related("co_owner"), pk=pk)
    rows = holdings_for(account)
    summary = account_summary(account, rows)
    ordered, sort = display.sort_holdings(rows, request.GET.get("sort", display.DEFAULT_SORT))
    recent = list(transactions_for(account)[:RECENT_TRANSACTIONS])
    context = {
        "account": account,
        "summary": summary,
        "cash": display.money(summary.cash),
        "cards": [
            ("Total value", display.money(summary.total_value), ""),
            ("Securities", display.money(summary.market_value), ""),
            ("Cash", display.money(summary.cash), ""),
            ("Cost basis", display.money(summary.cost_basis), ""),
            (
                "Unrealised gain",
                display.signed_money(summary.unrealized_gain),
                display.gain_class(summary.unrealized_gain),
            ),
            (
                "Unrealised gain %",
                display.percent(summary.unrealized_gain_pct, signed=True),
                display.gain_class(summary.unrealized_gain),
            ),
        ],
        "holdings_body": display.holdings_table_body(ordered),
        "positions": len(rows),
        "sort": sort,
        "sort_links": _sort_links(sort),
        "allocations": [
            _allocation_chart(allocation_by_sector(account, rows), "By sector"),
            _allocation_chart(allocation_by_asset_class(account, rows), "By asset class"),
        ],
        "chart": _value_chart(account, request.GET.get("range", "")),
        "transactions": [_transaction_row(t) for t in recent],
        "can_manage": has_capability(request.user, Capability.MANAGE_BOOK),
    }
    return render(request, "portfolios/account_detail.html", context)


def _sort_links(current: str) -> dict[str, dict]:
    """For each sortable column: the ?sort= value a click applies and the aria-sort it shows now."""
    links = {}
    for key in display.HOLDING_SORTS:
        # Text sorts A-Z first; figures largest first.
        first = key if key == "symbol" else f"-{key}"
        if current.lstrip("-") == key:
            target = key if current.startswith("-") else f"-{key}"
            state = "descending" if current.startswith("-") else "ascending"
        else:
            target, state = first, "none"
        links[key] = {"sort": target, "aria": state}
    return links


def _transaction_row(transaction: Transaction) -> dict:
    return {
        "date": f"{transaction.trade_date:%Y-%m-%d}",
        "kind": transaction.get_kind_display(),
        "symbol": transaction.instrument.symbol if transaction.instrument_id else "",
        "quantity": display.quantity(transaction.quantity) if transaction.quantity is not None else "",
        "price": display.price(transaction.price) if transaction.price is not None else "",
        "amount": display.signed_money(transaction.amount),
        "amount_class": display.gain_class(transaction.amount),
        "description": transaction.description,
    }


def _filtered_transactions(account, form: TransactionFilterForm):
    filters = {}
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value}
    return transactions_for(account, **filters)


@login_required
@require_GET
def account_transactions(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    form = TransactionFilterForm(request.GET or None, account=account)
    page = Paginator(_filtered_transactions(account, form), TRANSACTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "account": account,
        "form": form,
        "page": page,
        "rows": [_transaction_row(t) for t in page.object_list],
    }
    return render(request, "portfolios/account_transactions.html", context)


def accounts_section(user, *, client=None, household=None) -> list[dict]:
    """Rows for the Accounts section of a client or household page, in three queries."""
    accounts = accounts_visible_to(user)
    if client is not None:
        accounts = accounts.filter(Q(client=client) | Q(co_owner=client))
    if household is not None:
        accounts = accounts.filter(client__household=household)
    accounts = list(accounts.order_by("name", "pk"))
    totals = account_totals(accounts)
    return [
        {
            "account": account,
            "owner": str(account.client),
            "type": account.get_account_type_display(),
            "mode": account.get_trading_mode_display(),
            "value": display.money(totals[account.pk]),
        }
        for account in accounts
    ]


@login_required
@require_http_methods(["GET", "POST"])
def client_risk(request, pk: int):
    client = get_object_or_404(clients_visible_to(request.user), pk=pk)
    _require_manage(request.user)
    form = RiskQuestionnaireForm(_bound_data(request), initial=client.risk_answers or None)
    done = submit_to_service(
        request,
        form,
        lambda data: services.record_risk_questionnaire(actor=request.user, client=client, answers=data),
        success=lambda saved: f"Risk profile recorded: {saved.get_risk_profile_display()} (score {saved.risk_score}).",
        then="portfolios:client-detail",
    )
    context = {"client": client, "form": form, "questions": QUESTIONS}
    return done or render(request, "portfolios/risk_questionnaire.html", context)

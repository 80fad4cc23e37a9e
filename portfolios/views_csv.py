"""Transactions import page and the CSV downloads of an account.

The account comes from ``accounts_visible_to`` (404 outside the user's scope); importing needs
``manage_book`` (403 otherwise); the downloads are open to whoever sees the account.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Capability, has_capability

from .csv_export import HOLDING_COLUMNS, TRANSACTION_COLUMNS, holding_rows, stream_csv, transaction_rows
from .csv_format import COLUMN_HELP, COLUMNS, IMPORTABLE_KINDS, template_csv
from .errors import PortfoliosError
from .forms_csv import TransactionImportForm
from .selectors import accounts_visible_to
from .services.imports import import_transactions_csv

TEMPLATE_FILE_NAME = "transactions-template.csv"


def csv_attachment(rows, file_name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def export_file_name(account, what: str) -> str:
    return f"account-{account.pk}-{what}-{timezone.localdate().isoformat()}.csv"


def summary_of(result) -> str:
    kinds = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in result.kinds.items())
    noun = "transaction" if result.row_count == 1 else "transactions"
    return f"Imported {result.row_count} {noun} from “{result.file_name}” ({kinds})."


@login_required
@require_http_methods(["GET", "POST"])
def account_import(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    if not has_capability(request.user, Capability.MANAGE_BOOK):
        raise PermissionDenied("Your role can view this account but not import into it.")
    posted = request.method == "POST"
    form = TransactionImportForm(request.POST if posted else None, request.FILES if posted else None)
    report = []
    summary = ""
    if posted and form.is_valid():
        try:
            result = import_transactions_csv(account=account, file=form.cleaned_data["file"], actor=request.user)
        except PortfoliosError as error:
            if error.code == "invalid_rows":
                report, summary = error.fields["rows"], error.message
            else:
                form.add_domain_error(error)
        else:
            messages.success(request, summary_of(result))
            return redirect("portfolios:account-detail", pk=account.pk)
    context = {
        "account": account,
        "form": form,
        "report": report,
        "report_summary": summary,
        "columns": [(name, COLUMN_HELP[name]) for name in COLUMNS],
        "kinds": sorted(IMPORTABLE_KINDS),
        "template_csv": template_csv(),
    }
    return render(request, "portfolios/account_import.html", context)


@login_required
@require_GET
def import_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILE_NAME}"'
    return response


@login_required
@require_GET
def account_holdings_csv(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    return csv_attachment(stream_csv(HOLDING_COLUMNS, holding_rows(account)), export_file_name(account, "holdings"))


@login_required
@require_GET
def account_transactions_csv(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user), pk=pk)
    rows = stream_csv(TRANSACTION_COLUMNS, transaction_rows(account))
    return csv_attachment(rows, export_file_name(account, "transactions"))

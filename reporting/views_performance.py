"""The performance pages of an account and of a household: period selector, return measures and the
benchmark, working, charts, risk.

The account or household comes from the scoped selectors (another book's is a 404); a household's
figures are its visible accounts' values and flows summed by date (``selectors.household_performance``).
A period that cannot be measured (a custom range before inception, a reversed range) comes back as
field errors on the period form, with the reason from ``reporting.periods``.
"""

from collections.abc import Callable

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from portfolios.selectors import accounts_visible_to, households_visible_to
from valuepartner.errors import DomainError

from .performance_analysis import attribution_panel, factor_panel
from .performance_page import performance_context
from .periods import PeriodKey
from .selectors import PerformanceReport, account_performance, household_performance
from .selectors_benchmark import benchmark_comparison

STANDARD_PERIODS = [key for key in PeriodKey if key != PeriodKey.CUSTOM]


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PeriodKey.choices, initial=PeriodKey.INCEPTION)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    net = forms.TypedChoiceField(
        label="Fees",
        choices=(("true", "Net of fees"), ("false", "Gross of fees")),
        coerce=lambda value: value == "true",
        initial="true",
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if cleaned.get("period") == PeriodKey.CUSTOM and start is None and "start" not in self.errors:
            self.add_error("start", "A custom range needs a start.")
        if start and end and start > end:
            self.add_error("start", "Choose a day on or before the end.")
        return cleaned


def _form(params) -> PeriodForm:
    data = {"period": PeriodKey.INCEPTION, "net": "true"} | {key: value for key, value in params.items() if value}
    return PeriodForm(data)


def _measured(request, context: dict, measure: Callable[..., PerformanceReport]) -> PerformanceReport | None:
    """Validate the period form into ``context`` and measure; None (with the errors on the form or a
    ``problem``) when the period cannot be measured."""
    form = _form(request.GET)
    context |= {"form": form, "periods": STANDARD_PERIODS, "performance": None}
    if not form.is_valid():
        context.update(period=form.data.get("period"), net=form.data.get("net") != "false")
        return None
    data = form.cleaned_data
    context.update(period=data["period"], net=data["net"])
    try:
        return measure(period=data["period"], start=data["start"], end=data["end"], net=data["net"])
    except DomainError as error:  # PeriodError (with the field to correct) or ReturnsError
        if not error.fields:
            context["problem"] = error.message
        for field, messages in error.fields.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return None


def _render(request, template: str, context: dict, measure: Callable[..., PerformanceReport], subject: str):
    """The page: the period form, then the figures or the errors; the analysis panel loads after it."""
    report = _measured(request, context, measure)
    if report is not None:
        comparison = benchmark_comparison(report, with_series=True)
        context["performance"] = performance_context(report, comparison, subject=subject)
        context["period_label"] = report.period.label
    return render(request, template, context)


def _render_analysis(request, context: dict, measure: Callable[..., PerformanceReport], account=None):
    """The attribution and factor panels over the page's period: a fragment for htmx, else a page."""
    report = _measured(request, context, measure)
    if report is not None:
        context["factors"] = factor_panel(report)
        context["attribution"] = attribution_panel(account, report) if account is not None else None
        context["analysis_period"] = f"{report.performance.base_date} to {report.performance.end_date}"
    template = "reporting/performance_analysis.html" if request.htmx else "reporting/performance_analysis_page.html"
    return render(request, template, context)


def _account(request, pk: int):
    return get_object_or_404(
        accounts_visible_to(request.user).select_related("client__household", "model_portfolio"), pk=pk
    )


@login_required
@require_GET
def account_performance_page(request, pk: int):
    account = _account(request, pk)

    def measure(**period):
        return account_performance(account, **period)

    context = {"account": account, "analysis_url": reverse("reporting:account-performance-analysis", args=[pk])}
    return _render(request, "reporting/account_performance.html", context, measure, "Account")


@login_required
@require_GET
def account_performance_analysis(request, pk: int):
    account = _account(request, pk)

    def measure(**period):
        return account_performance(account, **period)

    return _render_analysis(request, {"account": account}, measure, account=account)


def _household_accounts(user, household) -> list[dict]:
    """The accounts measured, for links to their own pages: the same scope as the household's figures."""
    return list(
        accounts_visible_to(user)
        .filter(client__household=household)
        .order_by("client__last_name", "client__first_name", "name", "pk")
        .values("pk", "name", "client__first_name", "client__last_name")
    )


@login_required
@require_GET
def household_performance_page(request, pk: int):
    household = get_object_or_404(households_visible_to(request.user), pk=pk)

    def measure(**period):
        return household_performance(household, user=request.user, **period)

    context = {
        "household": household,
        "accounts": _household_accounts(request.user, household),
        "analysis_url": reverse("reporting:household-performance-analysis", args=[pk]),
    }
    return _render(request, "reporting/household_performance.html", context, measure, "Household")


@login_required
@require_GET
def household_performance_analysis(request, pk: int):
    household = get_object_or_404(households_visible_to(request.user), pk=pk)

    def measure(**period):
        return household_performance(household, user=request.user, **period)

    context = {"household": household, "accounts": _household_accounts(request.user, household)}
    return _render_analysis(request, context, measure)

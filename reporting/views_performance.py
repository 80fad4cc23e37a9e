"""The performance page of an account: period selector, return measures, working, charts, risk.

The account comes from ``accounts_visible_to`` (another book's account is a 404). A period that
cannot be measured (a custom range before inception, a reversed range) comes back as field errors
on the period form, with the reason from ``reporting.periods``.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from portfolios.selectors import accounts_visible_to
from valuepartner.errors import DomainError

from .performance_page import benchmark_closes, performance_context
from .periods import PeriodKey
from .selectors import account_performance

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


@login_required
@require_GET
def account_performance_page(request, pk: int):
    account = get_object_or_404(accounts_visible_to(request.user).select_related("client__household"), pk=pk)
    form = _form(request.GET)
    context = {"account": account, "form": form, "periods": STANDARD_PERIODS, "performance": None}
    if form.is_valid():
        data = form.cleaned_data
        context.update(period=data["period"], net=data["net"])
        try:
            report = account_performance(
                account, period=data["period"], start=data["start"], end=data["end"], net=data["net"]
            )
        except DomainError as error:  # PeriodError (with the field to correct) or ReturnsError
            if not error.fields:
                context["problem"] = error.message
            for field, messages in error.fields.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            perf = report.performance
            context["performance"] = performance_context(report, benchmark_closes(perf.base_date, perf.end_date))
            context["period_label"] = report.period.label
    else:
        context.update(period=form.data.get("period"), net=form.data.get("net") != "false")
    return render(request, "reporting/account_performance.html", context)

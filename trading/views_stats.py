"""The order statistics page: figures overall, by account, advisor and day, with server-side charts."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from accounts.roles import Capability, has_capability
from reporting.charts import Line, bar_chart, date_line_chart

from .statistics import order_statistics

DEFAULT_DAYS = 90


class StatisticsPeriodForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end is before the start.")
        return data


def period(params) -> tuple[StatisticsPeriodForm, dt.date | None, dt.date | None]:
    """The requested period (default: the last 90 days); an invalid form is returned with its errors."""
    today = timezone.localdate()
    form = StatisticsPeriodForm(params or {"date_from": today - dt.timedelta(days=DEFAULT_DAYS), "date_to": today})
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")


def _charts(stats) -> dict:
    days = [row for row in stats.by_day]
    fill_rate = [(row.key, row.fill_rate) for row in days if row.fill_rate is not None]
    slippage = [(row.key, row.slippage_bps) for row in days if row.slippage_bps is not None]
    return {
        "orders_chart": date_line_chart(
            [Line("Orders", [(row.key, float(row.orders)) for row in days], "series-0")],
            label="Orders entered per day",
            format_value=lambda value: f"{value:.0f}",
        ),
        "fill_rate_chart": date_line_chart(
            [Line("Fill rate", fill_rate, "series-0")],
            label="Fill rate per day (%)",
            format_value=lambda value: f"{value:.0f} %",
        ),
        "slippage_chart": date_line_chart(
            [Line("Slippage", slippage, "series-1")],
            label="Average slippage per day (bps)",
            format_value=lambda value: f"{value:.1f} bps",
            baseline=0.0,
        ),
        "account_slippage_chart": bar_chart(
            [(row.label, row.slippage_bps) for row in stats.by_account if row.slippage_bps is not None],
            label="Average slippage by account (bps)",
            format_value=lambda value: f"{value:.1f} bps",
        ),
        "rejections_chart": bar_chart(
            [(reason["reason"][:40], float(reason["count"])) for reason in stats.rejection_reasons],
            label="Rejections by reason",
            format_value=lambda value: f"{value:.0f}",
        ),
    }


@login_required
def order_statistics_page(request):
    if not has_capability(request.user, Capability.VIEW_BOOK):
        raise PermissionDenied("Your role cannot see order statistics.")
    form, date_from, date_to = period(request.GET)
    context = {"form": form}
    if form.is_valid():
        stats = order_statistics(request.user, date_from=date_from, date_to=date_to)
        context.update(stats=stats, **_charts(stats))
    return render(request, "trading/statistics.html", context, status=200 if form.is_valid() else 400)

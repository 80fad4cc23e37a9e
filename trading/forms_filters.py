"""The one order filter, shared by the blotter page and the order list API (NetBox-style)."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .choices import OrderSide, OrderStatus
from .models import OPEN_STATUSES, Order

OPEN = "open"
CLOSED = "closed"
STATUS_CHOICES = [(OPEN, "Open (any)"), (CLOSED, "Done (any)"), *OrderStatus.choices]


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class OrderFilter(django_filters.FilterSet):
    account = IdFilter(field_name="account_id", help_text="Account id.")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        empty_label="Any status",
        help_text="A status, or open / closed for any open or finished order.",
    )
    side = django_filters.ChoiceFilter(choices=OrderSide.choices, empty_label="Any side")
    symbol = django_filters.CharFilter(
        method="filter_symbol", label="Symbol", help_text="Instrument symbol (exact, any case)."
    )
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", help_text="Entered on or after (YYYY-MM-DD)."
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", help_text="Entered on or before (YYYY-MM-DD)."
    )

    class Meta:
        model = Order
        fields = ["account", "status", "side", "symbol", "date_from", "date_to"]

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            # The page shows a choice of the user's accounts; the API takes an id.
            self.filters["account"] = django_filters.ModelChoiceFilter(
                field_name="account", queryset=accounts, label="Account", empty_label="All accounts"
            )
            self.filters["account"].parent = self
            for name in ("date_from", "date_to"):
                self.filters[name].extra["widget"] = forms.DateInput(attrs={"type": "date"})
                self.filters[name].extra["help_text"] = ""
            for name in ("status", "symbol"):
                self.filters[name].extra["help_text"] = ""

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == CLOSED:
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_symbol(self, queryset, name, value):
        return queryset.filter(instrument__symbol=value.strip().upper())

"""Realised gains of an account for a tax year over the API: the numbers of the realised-gains page.

The account is looked up through ``accounts_visible_to`` (another book's account is a 404).
Wash sales are judged across the account's household (see ``reporting.tax``); a replacement in an
account the caller cannot see comes back with ``replacement_account`` null.
"""

from dataclasses import fields

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.selectors import accounts_visible_to
from reporting.selectors_tax import account_realised_gains
from reporting.views_tax import FIRST_YEAR, LAST_YEAR
from valuepartner.api.schema import error_responses

CASH = {"max_digits": 20, "decimal_places": 2}
QUANTITY = {"max_digits": 24, "decimal_places": 8}


class YearQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False, help_text="Tax year; default: this year."
    )


class WashSaleSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    sold_on = serializers.DateField()
    sale_account = serializers.IntegerField(allow_null=True, help_text="Null when outside your scope.")
    relief = serializers.IntegerField(help_text="The lot relief whose loss was washed.")
    quantity = serializers.DecimalField(**QUANTITY, help_text="Loss shares matched with replacement shares.")
    disallowed_loss = serializers.DecimalField(**CASH)
    replacement_account = serializers.IntegerField(allow_null=True, help_text="Null when outside your scope.")
    replacement_lot = serializers.IntegerField(allow_null=True, help_text="Null when outside your scope.")
    replacement_acquired_on = serializers.DateField()
    basis_adjustment = serializers.DecimalField(**CASH, help_text="Zero when the replacement is in an IRA.")
    holding_days_added = serializers.IntegerField()


class GainRowSerializer(serializers.Serializer):
    relief = serializers.IntegerField(source="relief_id")
    transaction = serializers.IntegerField(source="transaction_id")
    lot = serializers.IntegerField(source="lot_id")
    symbol = serializers.CharField()
    acquired_on = serializers.DateField(help_text="Effective: includes a washed lot's holding period.")
    lot_acquired_on = serializers.DateField()
    sold_on = serializers.DateField()
    quantity = serializers.DecimalField(**QUANTITY)
    proceeds = serializers.DecimalField(**CASH)
    cost_basis = serializers.DecimalField(**CASH, help_text="The ledger's cost of these shares.")
    adjustment = serializers.DecimalField(**CASH, help_text="Wash-sale losses added to the cost.")
    adjusted_cost = serializers.DecimalField(**CASH)
    gain = serializers.DecimalField(**CASH, help_text="Proceeds less adjusted cost.")
    disallowed_loss = serializers.DecimalField(**CASH, help_text="Loss deferred by the wash-sale rule.")
    recognised_gain = serializers.DecimalField(**CASH, help_text="Gain plus the disallowed loss.")
    term = serializers.CharField()
    wash_sales = WashSaleSerializer(many=True)


class TermTotalsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    proceeds = serializers.DecimalField(**CASH)
    cost_basis = serializers.DecimalField(**CASH)
    adjustment = serializers.DecimalField(**CASH)
    adjusted_cost = serializers.DecimalField(**CASH)
    gain = serializers.DecimalField(**CASH)
    disallowed_loss = serializers.DecimalField(**CASH)
    recognised_gain = serializers.DecimalField(**CASH)


class TotalsSerializer(serializers.Serializer):
    short = TermTotalsSerializer()
    long = TermTotalsSerializer()
    all = TermTotalsSerializer()


class RealisedGainsSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField(), help_text="Years with sales, newest first.")
    tax_deferred = serializers.BooleanField(help_text="An IRA: its gains are not taxed in the year.")
    wash_sale_scope = serializers.CharField(help_text="Accounts the wash-sale rule spans.")
    rows = GainRowSerializer(many=True)
    totals = TotalsSerializer()
    wash_sales = WashSaleSerializer(many=True)


def _wash_sale(sale, visible) -> dict:
    replacement_visible = sale.replacement_account_id in visible
    return {
        "symbol": sale.symbol,
        "sold_on": sale.sold_on,
        "sale_account": sale.sale_account_id if sale.sale_account_id in visible else None,
        "relief": sale.relief_id,
        "quantity": sale.quantity,
        "disallowed_loss": sale.disallowed_loss,
        "replacement_account": sale.replacement_account_id if replacement_visible else None,
        "replacement_lot": sale.replacement_lot_id if replacement_visible else None,
        "replacement_acquired_on": sale.replacement_acquired_on,
        "basis_adjustment": sale.basis_adjustment,
        "holding_days_added": sale.holding_days_added,
    }


class AccountRealisedGainsView(APIView):
    """Realised gains and losses by lot in a tax year, short- and long-term, with wash-sale adjustments."""

    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Realised gains of an account for a tax year",
        parameters=[YearQuerySerializer],
        responses={200: RealisedGainsSerializer, **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = get_object_or_404(accounts_visible_to(request.user), pk=account_pk)
        query = YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year", timezone.localdate().year)
        tax = account_realised_gains(request.user, account, year=year)
        visible = set(tax.account_names)
        report = tax.report
        body = {
            "account": account.pk,
            "year": year,
            "years": tax.years,
            "tax_deferred": tax.tax_deferred,
            "wash_sale_scope": "household",
            "rows": [
                {
                    **{item.name: getattr(row, item.name) for item in fields(row)},
                    "adjusted_cost": row.adjusted_cost,
                    "recognised_gain": row.recognised_gain,
                    "wash_sales": [_wash_sale(sale, visible) for sale in row.wash_sales],
                }
                for row in report.rows
            ],
            "totals": report.totals,
            "wash_sales": [_wash_sale(sale, visible) for sale in report.wash_sales],
        }
        return Response(RealisedGainsSerializer(body).data)


# Included by valuepartner.api.urls under the "api" namespace.
urlpatterns = [
    path(
        "accounts/<int:account_pk>/realized-gains/",
        AccountRealisedGainsView.as_view(),
        name="account-realized-gains",
    ),
]

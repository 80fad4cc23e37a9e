"""Accounts for the mobile client: scoped CRUD, holdings with the summary, and value history.

Reads go through ``accounts_visible_to`` (another book's account is a 404), writes through the
account services; figures are the same selectors the account page uses.
"""

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from portfolios.choices import AccountType, LotReliefMethod, TradingMode
from portfolios.models import Account, AccountValue, Client, ModelPortfolio
from portfolios.selectors import accounts_visible_to, clients_visible_to, model_portfolios_visible_to
from portfolios.selectors.holdings import account_summary, holdings_for
from portfolios.selectors.values import value_history
from portfolios.services import create_account, update_account
from valuepartner.api.fields import ScopedPrimaryKeyRelatedField
from valuepartner.api.schema import error_responses

from .filters import IdFilter
from .views import BookViewSet

MONEY = {"max_digits": 20, "decimal_places": 2}


class AccountOutputSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.__str__", read_only=True)
    household = serializers.IntegerField(source="client.household_id", read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "client",
            "client_name",
            "household",
            "co_owner",
            "name",
            "account_type",
            "trading_mode",
            "broker_account_id",
            "lot_relief_method",
            "model_portfolio",
            "cash",
            "currency",
            "opened_on",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AccountInputSerializer(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(queryset=Client.objects.none(), scope=clients_visible_to)
    name = serializers.CharField(max_length=200)
    account_type = serializers.ChoiceField(choices=AccountType.choices, required=False)
    trading_mode = serializers.ChoiceField(choices=TradingMode.choices, required=False)
    broker_account_id = serializers.CharField(max_length=100, allow_blank=True, required=False)
    lot_relief_method = serializers.ChoiceField(choices=LotReliefMethod.choices, required=False)
    co_owner = ScopedPrimaryKeyRelatedField(
        queryset=Client.objects.none(), scope=clients_visible_to, allow_null=True, required=False
    )
    model_portfolio = ScopedPrimaryKeyRelatedField(
        queryset=ModelPortfolio.objects.none(), scope=model_portfolios_visible_to, allow_null=True, required=False
    )
    opened_on = serializers.DateField(allow_null=True, required=False)
    is_active = serializers.BooleanField(required=False, help_text="Changes only; a new account is active.")

    def validate(self, attrs):
        if self.partial and "client" in attrs:
            raise serializers.ValidationError({"client": ["An account cannot move to another client."]})
        if not self.partial and "is_active" in attrs:
            attrs.pop("is_active")
        return attrs


class HoldingSerializer(serializers.Serializer):
    instrument = serializers.IntegerField(source="instrument.pk")
    symbol = serializers.CharField(source="instrument.symbol")
    name = serializers.CharField(source="instrument.name")
    sector = serializers.CharField(source="instrument.sector")
    asset_class = serializers.CharField(source="instrument.asset_class")
    quantity = serializers.DecimalField(max_digits=24, decimal_places=8)
    price = serializers.DecimalField(max_digits=20, decimal_places=6, allow_null=True)
    price_date = serializers.DateField(allow_null=True)
    market_value = serializers.DecimalField(**MONEY)
    cost_basis = serializers.DecimalField(**MONEY)
    unrealized_gain = serializers.DecimalField(**MONEY)
    unrealized_gain_pct = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    weight = serializers.DecimalField(max_digits=9, decimal_places=6)


class SummarySerializer(serializers.Serializer):
    cash = serializers.DecimalField(**MONEY)
    market_value = serializers.DecimalField(**MONEY)
    total_value = serializers.DecimalField(**MONEY)
    cost_basis = serializers.DecimalField(**MONEY)
    unrealized_gain = serializers.DecimalField(**MONEY)
    unrealized_gain_pct = serializers.DecimalField(max_digits=12, decimal_places=6, allow_null=True)
    positions = serializers.IntegerField()
    priced_as_of = serializers.DateField(allow_null=True)


class HoldingsSerializer(serializers.Serializer):
    summary = SummarySerializer()
    holdings = HoldingSerializer(many=True)


class AccountValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountValue
        fields = ["date", "cash", "market_value", "total_value", "cost_basis", "net_external_flow"]
        read_only_fields = fields


class ValueRangeSerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": ["The end date is before the start date."]})
        return attrs


class AccountFilter(django_filters.FilterSet):
    client = IdFilter(method="filter_client", help_text="Client id (owner or joint co-owner).")
    household = IdFilter(field_name="client__household_id", help_text="Household id.")
    account_type = django_filters.ChoiceFilter(choices=AccountType.choices)
    trading_mode = django_filters.ChoiceFilter(choices=TradingMode.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Account
        fields = ["client", "household", "account_type", "trading_mode", "is_active"]

    def filter_client(self, queryset, name, value):
        return queryset.filter(Q(client_id=value) | Q(co_owner_id=value))


@extend_schema_view(
    list=extend_schema(
        summary="Accounts in scope", responses={200: AccountOutputSerializer(many=True), **error_responses(400, 404)}
    ),
    retrieve=extend_schema(summary="One account", responses={200: AccountOutputSerializer, **error_responses(404)}),
    create=extend_schema(
        summary="Open an account",
        request=AccountInputSerializer,
        responses={201: AccountOutputSerializer, **error_responses(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change an account",
        request=AccountInputSerializer,
        responses={200: AccountOutputSerializer, **error_responses(400, 403, 404)},
    ),
)
class AccountViewSet(BookViewSet):
    """Accounts of the clients in the caller's scope; a client sees the accounts they own or co-own.
    Compliance and clients only read."""

    serializer_class = AccountOutputSerializer
    input_serializer_class = AccountInputSerializer
    filterset_class = AccountFilter
    search_fields = ("name", "broker_account_id", "client__first_name", "client__last_name")
    ordering_fields = ("name", "created_at", "updated_at", "cash")
    ordering = ("name", "pk")

    def get_queryset(self):
        return accounts_visible_to(self.request.user)

    def perform_create(self, data: dict):
        return create_account(actor=self.request.user, **data)

    def perform_update(self, instance, data: dict):
        return update_account(actor=self.request.user, account=instance, **data)

    @extend_schema(
        summary="Holdings and summary",
        description="Open positions valued at their last close, with cash, totals and weights.",
        responses={200: HoldingsSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["get"], url_path="holdings", url_name="holdings")
    def holdings(self, request, pk=None):
        account = self.get_object()
        rows = holdings_for(account)
        payload = {"summary": account_summary(account, rows), "holdings": rows}
        return Response(HoldingsSerializer(payload).data)

    @extend_schema(
        summary="Daily value history",
        description="One row per trading session, oldest first, between `start` and `end` (inclusive).",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="First day (inclusive)."),
            OpenApiParameter("end", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="Last day (inclusive)."),
        ],
        responses={200: AccountValueSerializer(many=True), **error_responses(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="values", url_name="values", filter_backends=[])
    def values(self, request, pk=None):
        account = self.get_object()
        bounds = ValueRangeSerializer(data=request.query_params)
        bounds.is_valid(raise_exception=True)
        rows = value_history(account, **bounds.validated_data)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AccountValueSerializer(page, many=True).data)

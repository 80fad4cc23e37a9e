"""An account's transactions (list, filter, record) and tax lots over the API.

The account is looked up through ``accounts_visible_to`` first, so another book's account is a 404
for every method; recording then needs ``manage_book`` (403). Recording goes through
``record_transaction``; its refusals come back as 400 with their own code and field errors.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import Capability, has_capability
from portfolios.choices import LotReliefMethod, TransactionKind
from portfolios.models import Lot, Transaction
from portfolios.models.ledger import QUANTITY_DIGITS
from portfolios.selectors import accounts_visible_to, lots_for, transactions_for
from portfolios.services import record_transaction
from valuepartner.api.schema import error_responses

CASH = {"max_digits": 20, "decimal_places": 2}
PRICE = {"max_digits": 20, "decimal_places": 6}


class TransactionSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True, default=None)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "kind",
            "trade_date",
            "instrument",
            "symbol",
            "quantity",
            "price",
            "fees",
            "amount",
            "cost_basis",
            "acquired_on",
            "split_numerator",
            "split_denominator",
            "lot_relief_method",
            "lot_selection",
            "description",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"amount": {"help_text": "Signed effect on the account's cash."}}


class LotSelectionSerializer(serializers.Serializer):
    lot = serializers.IntegerField(help_text="Id of an open lot of this instrument in this account.")
    quantity = serializers.DecimalField(**QUANTITY_DIGITS)


class TransactionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TransactionKind.choices)
    trade_date = serializers.DateField(help_text="An NYSE session for trades, splits and transfers.")
    symbol = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="The security; required except for cash kinds."
    )
    quantity = serializers.DecimalField(**QUANTITY_DIGITS, required=False, allow_null=True)
    price = serializers.DecimalField(**PRICE, required=False, allow_null=True)
    fees = serializers.DecimalField(**CASH, required=False, default=0)
    amount = serializers.DecimalField(
        **CASH, required=False, allow_null=True, help_text="Positive; the kind gives the sign (cash kinds only)."
    )
    cost_basis = serializers.DecimalField(**CASH, required=False, allow_null=True, help_text="Transfers in.")
    acquired_on = serializers.DateField(required=False, allow_null=True, help_text="Transfers in.")
    split_numerator = serializers.IntegerField(required=False, allow_null=True)
    split_denominator = serializers.IntegerField(required=False, allow_null=True)
    lot_relief_method = serializers.ChoiceField(
        choices=LotReliefMethod.choices, required=False, allow_blank=True, help_text="Default: the account's."
    )
    lot_selection = LotSelectionSerializer(many=True, required=False, help_text="Specific-lot relief.")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TransactionQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TransactionKind.choices, required=False)
    symbol = serializers.CharField(required=False, help_text="Only this security's transactions.")
    start = serializers.DateField(required=False, help_text="Trade date on or after.")
    end = serializers.DateField(required=False, help_text="Trade date on or before.")


class LotSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "instrument",
            "symbol",
            "acquired_on",
            "quantity",
            "remaining_quantity",
            "cost_basis",
            "opening_transaction",
        ]
        read_only_fields = fields


class LotQuerySerializer(serializers.Serializer):
    open_only = serializers.BooleanField(required=False, default=True, help_text="Leave out closed lots.")


def _account(request, account_pk: int):
    return get_object_or_404(accounts_visible_to(request.user), pk=account_pk)


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class AccountTransactionsView(generics.GenericAPIView):
    """The account's ledger, newest first; POST records one transaction (deposit, buy, sell, split, ...)."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = TransactionSerializer
    # Names the model for the schema only; rows always come from the selector, scoped by account.
    queryset = Transaction.objects.none()

    @extend_schema(
        summary="Transactions of an account",
        parameters=[TransactionQuerySerializer],
        responses={200: TransactionSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = _account(request, account_pk)
        query = _query(TransactionQuerySerializer, request)
        transactions = transactions_for(
            account,
            kind=query.get("kind"),
            instrument=query.get("symbol"),
            start=query.get("start"),
            end=query.get("end"),
        )
        page = self.paginate_queryset(transactions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Record a transaction",
        request=TransactionInputSerializer,
        responses={201: TransactionSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, account_pk: int):
        account = _account(request, account_pk)
        if not has_capability(request.user, Capability.MANAGE_BOOK):
            raise PermissionDenied("Your role cannot record transactions.")
        serializer = TransactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        values["instrument"] = values.pop("symbol", None) or None
        if "lot_selection" in values:
            values["lot_selection"] = [dict(entry) for entry in values["lot_selection"]]
        recorded = record_transaction(account=account, actor=request.user, **values)
        return Response(self.get_serializer(recorded).data, status=status.HTTP_201_CREATED)


class AccountLotsView(generics.GenericAPIView):
    """The account's tax lots by security and acquisition date; closed lots too with open_only=false."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = LotSerializer
    queryset = Lot.objects.none()

    @extend_schema(
        summary="Tax lots of an account",
        parameters=[LotQuerySerializer],
        responses={200: LotSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = _account(request, account_pk)
        query = _query(LotQuerySerializer, request)
        page = self.paginate_queryset(lots_for(account, open_only=query["open_only"]))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

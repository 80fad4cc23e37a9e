"""Rebalance proposals for the mobile client: list and create per account, read one.

The account is looked up in the caller's scope first (another book's account is a 404 for every
method); creating then needs ``manage_book`` (403 otherwise). The proposal is computed by the
same service the page uses.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import Capability, has_capability
from portfolios.choices import RebalanceMode
from portfolios.models import ProposalTrade, RebalanceProposal
from portfolios.selectors import accounts_visible_to, proposals_visible_to
from portfolios.services import create_proposal
from portfolios.services.proposals import MAX_SLIPPAGE_BPS
from valuepartner.api.schema import error_responses

MONEY = {"max_digits": 20, "decimal_places": 2, "min_value": 0}


class ProposalTradeSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True)

    class Meta:
        model = ProposalTrade
        fields = [
            "instrument",
            "symbol",
            "side",
            "quantity",
            "price",
            "notional",
            "estimated_cost",
            "estimated_short_term_gain",
            "estimated_long_term_gain",
            "lots",
            "reason",
        ]
        read_only_fields = fields


class ProposalSerializer(serializers.ModelSerializer):
    trades = ProposalTradeSerializer(many=True, read_only=True)

    class Meta:
        model = RebalanceProposal
        fields = [
            "id",
            "account",
            "model_portfolio",
            "mode",
            "parameters",
            "status",
            "created_by",
            "created_at",
            "reviewed_by",
            "reviewed_at",
            "total_value",
            "cash_before",
            "cash_after",
            "estimated_cost",
            "estimated_short_term_gain",
            "estimated_long_term_gain",
            "prices_as_of",
            "target_weights",
            "before_weights",
            "after_weights",
            "warnings",
            "trades",
        ]
        read_only_fields = fields


class ProposalInputSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=RebalanceMode.choices)
    min_trade = serializers.DecimalField(**MONEY, required=False)
    cash_buffer = serializers.DecimalField(**MONEY, required=False)
    raise_amount = serializers.DecimalField(**MONEY, required=False, help_text="Required for raise_cash.")
    commission = serializers.DecimalField(**MONEY, required=False)
    slippage_bps = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, max_value=MAX_SLIPPAGE_BPS, required=False
    )
    fractional = serializers.BooleanField(required=False, default=True)
    tax_aware = serializers.BooleanField(required=False, default=False)


def _proposals(user):
    return proposals_visible_to(user).prefetch_related("trades__instrument")


class AccountProposalsView(generics.GenericAPIView):
    """Rebalance proposals of one account, newest first; POST computes a new one (superseding open ones)."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = ProposalSerializer
    # Only for the schema generator, which reads the model (and the path parameter's type) from it.
    queryset = RebalanceProposal.objects.none()

    def _account(self, account_pk: int):
        account = get_object_or_404(accounts_visible_to(self.request.user), pk=account_pk)
        if not has_capability(self.request.user, Capability.VIEW_BOOK):
            raise PermissionDenied("Your role cannot see rebalance proposals.")
        return account

    @extend_schema(
        summary="Proposals of an account", responses={200: ProposalSerializer(many=True), **error_responses(403, 404)}
    )
    def get(self, request, account_pk: int):
        account = self._account(account_pk)
        page = self.paginate_queryset(_proposals(request.user).filter(account=account))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Propose a rebalance",
        request=ProposalInputSerializer,
        responses={201: ProposalSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request, account_pk: int):
        account = self._account(account_pk)
        if not has_capability(request.user, Capability.MANAGE_BOOK):
            raise PermissionDenied("Your role cannot create rebalance proposals.")
        serializer = ProposalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = create_proposal(account=account, actor=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(_proposals(request.user).get(pk=proposal.pk)).data, status=status.HTTP_201_CREATED
        )


class ProposalDetailView(generics.RetrieveAPIView):
    """One rebalance proposal with its trades, lots and before/after weights."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = ProposalSerializer

    def get_queryset(self):
        return _proposals(self.request.user)

    @extend_schema(summary="One rebalance proposal", responses={200: ProposalSerializer, **error_responses(404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

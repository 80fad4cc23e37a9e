"""Order API: submit (with Idempotency-Key), list with filters, detail with history and fills, cancel
(DELETE) and replace (PATCH) — Alpaca's verbs on one order's address — and order statistics.

Everything is scoped to the orders the user may see (another book's order is a 404). Reading roles
(compliance) may list and read; changing needs the right to manage the book (403 otherwise).
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import Capability, has_capability
from accounts.selectors import advisors_of_firm
from valuepartner.api.schema import error_response, error_responses

from ..choices import OrderSource
from ..errors import TradingError
from ..forms_filters import OrderFilter
from ..models import Fill, OrderTransition
from ..selectors import orders_visible_to
from ..services import cancel_order, replace_order, submit_order
from ..statistics import order_statistics
from ..views_selectors import can_trade, order_list
from ..views_stats import period
from .serializers import (
    OrderCancelSerializer,
    OrderDetailSerializer,
    OrderReplaceSerializer,
    OrderSerializer,
    OrderSubmitSerializer,
    StatisticsSerializer,
)

NO_SUCH_ACCOUNT = "No such account."
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat a request safely: the same key with the same body returns the same order (200); "
    "the same key with a different body is a 409 `idempotency_key_reused`.",
)


def _require_trader(user) -> None:
    if not can_trade(user):
        raise PermissionDenied("Your role cannot place or change orders.")


def _detail_queryset(user):
    return (
        orders_visible_to(user)
        .select_related("instrument")
        .prefetch_related(
            # In the order the state machine applied them: a broker's event time may precede our
            # entry time (clock skew, simulated sessions), the sequence of states may not.
            Prefetch("transitions", queryset=OrderTransition.objects.select_related("actor").order_by("id")),
            Prefetch("fills", queryset=Fill.objects.order_by("at", "id")),
        )
    )


@extend_schema(tags=["trading"])
class OrderListView(generics.ListAPIView):
    """Orders in the caller's scope, newest first; POST enters a new order."""

    serializer_class = OrderSerializer
    permission_classes = (permissions.IsAuthenticated,)
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        return order_list(self.request.user)

    @extend_schema(
        request=OrderSubmitSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="Replay of an Idempotency-Key: the first order."),
            409: error_response(409, "`idempotency_key_reused`: the key was used for a different order."),
            **error_responses(400, 403),
        },
    )
    def post(self, request):
        _require_trader(request.user)
        data = OrderSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        # submit_order reads the account by id under its row lock, in the user's scope (one query); its
        # not_found is a field error here.
        account_id = values.pop("account")
        recommender = values.pop("recommended_by", None)
        recommended_by = request.user
        if recommender is not None:
            recommended_by = advisors_of_firm(request.user.firm_id).filter(pk=recommender).first()
            if recommended_by is None:
                raise ValidationError({"recommended_by": ["No such advisor in your firm."]})
        try:
            order = submit_order(
                account=account_id,
                actor=request.user,
                recommended_by=recommended_by,
                source=OrderSource.API,
                idempotency_key=request.headers.get("Idempotency-Key"),
                **values,
            )
        except TradingError as error:
            if error.code == "not_found":
                raise ValidationError({"account": [NO_SUCH_ACCOUNT]}) from error
            raise
        replay = getattr(order, "idempotent_replay", False)
        return Response(OrderSerializer(order).data, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


@extend_schema(tags=["trading"])
class OrderDetailView(APIView):
    """One order with its status history and fills; DELETE asks to cancel it, PATCH replaces it."""

    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = OrderDetailSerializer

    def get_object(self, pk: int):
        return generics.get_object_or_404(_detail_queryset(self.request.user), pk=pk)

    @extend_schema(responses={200: OrderDetailSerializer, **error_responses(404)})
    def get(self, request, pk: int):
        return Response(OrderDetailSerializer(self.get_object(pk)).data)

    @extend_schema(
        request=OrderCancelSerializer,
        responses={
            200: OpenApiResponse(
                OrderDetailSerializer,
                description="Canceled (never sent) or pending_cancel: the broker's update completes it.",
            ),
            409: error_response(409, "`order_not_open` or `cancel_refused`."),
            503: error_response(503, "`broker_unavailable`: try again."),
            **error_responses(403, 404),
        },
    )
    def delete(self, request, pk: int):
        order = self.get_object(pk)
        _require_trader(request.user)
        data = OrderCancelSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        cancel_order(order=order, actor=request.user, reason=data.validated_data["reason"])
        return Response(OrderDetailSerializer(self.get_object(pk)).data)

    @extend_schema(
        request=OrderReplaceSerializer,
        responses={
            201: OpenApiResponse(OrderDetailSerializer, description="The new order (``replaces`` = this one)."),
            409: error_response(409, "`order_not_replaceable` or `replace_pending`."),
            **error_responses(400, 403, 404),
        },
    )
    def patch(self, request, pk: int):
        order = self.get_object(pk)
        _require_trader(request.user)
        data = OrderReplaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = replace_order(order=order, actor=request.user, **data.validated_data)
        return Response(OrderDetailSerializer(self.get_object(new.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["trading"],
    parameters=[
        OpenApiParameter("date_from", OpenApiTypes.DATE, description="Entered on or after (default: 90 days ago)."),
        OpenApiParameter("date_to", OpenApiTypes.DATE, description="Entered on or before (default: today)."),
    ],
    responses={200: StatisticsSerializer, **error_responses(400, 403)},
)
class OrderStatisticsView(APIView):
    """Fill rate, slippage vs arrival price, submit→accept/fill latency and rejection reasons, by account,
    advisor and day, over the orders in the caller's scope."""

    permission_classes = (permissions.IsAuthenticated,)

    def get(self, request):
        if not has_capability(request.user, Capability.VIEW_BOOK):
            raise PermissionDenied("Your role cannot see order statistics.")
        form, date_from, date_to = period(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        stats = order_statistics(request.user, date_from=date_from, date_to=date_to)
        return Response(StatisticsSerializer(stats.as_dict()).data)

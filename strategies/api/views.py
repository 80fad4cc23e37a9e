"""Strategies and their runs for the mobile client: list/detail/create strategies, list runs, start a
backtest (answered 202 with the run and its job to poll), read a run with its result."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import Capability, has_capability
from valuepartner.api.schema import error_responses

from ..models import BacktestRun
from ..selectors import run_list, runs_visible_to, strategies_visible_to
from ..services.runs import start_backtest
from ..services.strategies import create_strategy
from .serializers import (
    BacktestRequestSerializer,
    RunDetailSerializer,
    RunSerializer,
    StrategyInputSerializer,
    StrategySerializer,
)


def _require_manage(user) -> None:
    if not has_capability(user, Capability.MANAGE_BOOK):
        raise PermissionDenied("Your role cannot do this.")


@extend_schema(tags=["strategies"])
class StrategyListView(generics.ListAPIView):
    serializer_class = StrategySerializer
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self):
        return strategies_visible_to(self.request.user).order_by("name", "pk")

    @extend_schema(request=StrategyInputSerializer, responses={201: StrategySerializer, **error_responses(400, 403)})
    def post(self, request):
        _require_manage(request.user)
        data = StrategyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        shared = values.pop("shared")
        strategy = create_strategy(actor=request.user, shared=shared, **values)
        return Response(StrategySerializer(self.get_queryset().get(pk=strategy.pk)).data, status=201)


@extend_schema(tags=["strategies"], responses={200: StrategySerializer, **error_responses(404)})
class StrategyDetailView(generics.RetrieveAPIView):
    serializer_class = StrategySerializer
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self):
        return strategies_visible_to(self.request.user)


@extend_schema(tags=["strategies"])
class StrategyRunsView(generics.ListAPIView):
    """A strategy's runs, newest first; POST starts a backtest on the stored prices."""

    serializer_class = RunSerializer
    permission_classes = (permissions.IsAuthenticated,)

    def _strategy(self):
        return generics.get_object_or_404(strategies_visible_to(self.request.user), pk=self.kwargs["strategy_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BacktestRun.objects.none()
        return run_list(self.request.user, strategy=self._strategy())

    @extend_schema(request=BacktestRequestSerializer, responses={202: RunSerializer, **error_responses(400, 403, 404)})
    def post(self, request, strategy_pk: int):
        strategy = self._strategy()
        _require_manage(request.user)
        data = BacktestRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = start_backtest(actor=request.user, strategy=strategy, **data.validated_data)
        return Response(
            RunSerializer(runs_visible_to(request.user).get(pk=run.pk)).data, status=status.HTTP_202_ACCEPTED
        )


@extend_schema(tags=["strategies"], responses={200: RunDetailSerializer, **error_responses(404)})
class RunDetailView(generics.RetrieveAPIView):
    serializer_class = RunDetailSerializer
    permission_classes = (permissions.IsAuthenticated,)

    def get_queryset(self):
        return runs_visible_to(self.request.user)

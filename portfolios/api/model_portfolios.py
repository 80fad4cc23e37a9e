"""Model portfolios for the mobile client: scoped CRUD with the targets nested in each model.

Reads through ``model_portfolios_visible_to`` (another book's private model is a 404); writes
through the model services, which hold the 100 % rule. Firm-wide models are the operators'.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from marketdata.choices import AssetClass
from marketdata.models import Instrument
from marketdata.selectors import instruments_visible_to
from portfolios.models import ModelPortfolio, ModelTarget
from portfolios.selectors import model_portfolios_visible_to
from portfolios.services import create_model_portfolio, delete_model_portfolio, update_model_portfolio
from portfolios.services.model_portfolios import can_change_model
from valuepartner.api.fields import ScopedPrimaryKeyRelatedField
from valuepartner.api.schema import error_response, error_responses

from .views import BookViewSet

WEIGHT = {"max_digits": 9, "decimal_places": 6}


class TargetOutputSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True, default=None)

    class Meta:
        model = ModelTarget
        fields = ["id", "instrument", "symbol", "asset_class", "weight"]
        read_only_fields = fields


class ModelPortfolioOutputSerializer(serializers.ModelSerializer):
    targets = TargetOutputSerializer(many=True, read_only=True)
    shared = serializers.SerializerMethodField()

    class Meta:
        model = ModelPortfolio
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "shared",
            "cash_weight",
            "absolute_band",
            "relative_band",
            "is_active",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_shared(self, model: ModelPortfolio) -> bool:
        return model.owner_id is None


class TargetInputSerializer(serializers.Serializer):
    instrument = ScopedPrimaryKeyRelatedField(
        queryset=Instrument.objects.none(), scope=instruments_visible_to, required=False, allow_null=True
    )
    asset_class = serializers.ChoiceField(choices=AssetClass.choices, required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(**WEIGHT, help_text="Fraction of the account, e.g. 0.25 for 25 %.")


class ModelPortfolioInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False)
    cash_weight = serializers.DecimalField(**WEIGHT, required=False)
    absolute_band = serializers.DecimalField(**WEIGHT, required=False)
    relative_band = serializers.DecimalField(**WEIGHT, required=False)
    is_active = serializers.BooleanField(required=False)
    shared = serializers.BooleanField(required=False, help_text="Firm-wide (operators only); on create only.")
    targets = TargetInputSerializer(
        many=True, required=False, help_text="Replaces every target. Weights plus cash_weight must add up to 1."
    )


@extend_schema_view(
    list=extend_schema(
        summary="Model portfolios in scope",
        responses={200: ModelPortfolioOutputSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="One model portfolio", responses={200: ModelPortfolioOutputSerializer, **error_responses(404)}
    ),
    create=extend_schema(
        summary="Create a model portfolio",
        request=ModelPortfolioInputSerializer,
        responses={201: ModelPortfolioOutputSerializer, **error_responses(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change a model portfolio",
        request=ModelPortfolioInputSerializer,
        responses={200: ModelPortfolioOutputSerializer, **error_responses(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete an unused model portfolio",
        responses={
            204: None,
            **error_responses(403, 404),
            409: error_response(409, "Accounts or proposals use the model (`model_in_use`)."),
        },
    ),
)
class ModelPortfolioViewSet(BookViewSet):
    """Model portfolios: firm-wide ones and those of the caller's book. Targets are nested; a target
    names an instrument or an asset class. Compliance and clients only read (clients see none)."""

    serializer_class = ModelPortfolioOutputSerializer
    input_serializer_class = ModelPortfolioInputSerializer
    search_fields = ("name",)
    ordering_fields = ("name", "created_at", "updated_at")
    ordering = ("name", "pk")

    def get_queryset(self):
        return model_portfolios_visible_to(self.request.user).prefetch_related("targets__instrument")

    def perform_create(self, data: dict):
        data.pop("is_active", None)
        targets = [dict(target) for target in data.pop("targets", [])]
        return create_model_portfolio(actor=self.request.user, targets=targets, **data)

    def perform_update(self, instance, data: dict):
        self._check_change(instance)
        data.pop("shared", None)
        if "targets" in data:
            data["targets"] = [dict(target) for target in data["targets"]]
        return update_model_portfolio(actor=self.request.user, model=instance, **data)

    def destroy(self, request, pk=None):
        model = self.get_object()
        self._check_change(model)
        delete_model_portfolio(actor=request.user, model=model)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _check_change(self, model: ModelPortfolio) -> None:
        if not can_change_model(self.request.user, model):
            raise PermissionDenied("Only operators change firm-wide models; advisors change their own.")

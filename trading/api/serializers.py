"""Order API shapes: input of submit and replace (typed only — the rules live in trading.order_rules),
and the order with its memorandum, status history and fills."""

from rest_framework import serializers

from valuepartner.api.fields import BuiltOnceModelSerializer

from ..choices import OrderSide, OrderType, TimeInForce
from ..models import Fill, Order, OrderTransition


def _amount(places: int = 8, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=places, required=False, allow_null=True, **kwargs)


class OrderSubmitSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="Account id.")
    symbol = serializers.CharField(max_length=20)
    side = serializers.ChoiceField(choices=OrderSide.choices)
    order_type = serializers.ChoiceField(choices=OrderType.choices, default=OrderType.MARKET)
    time_in_force = serializers.ChoiceField(choices=TimeInForce.choices, default=TimeInForce.DAY)
    qty = _amount(help_text="Shares; exactly one of qty and notional.")
    notional = _amount(2, help_text="Dollars (market day orders only).")
    limit_price = _amount(6)
    stop_price = _amount(6)
    trail_price = _amount(6)
    trail_percent = _amount(4)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Good till (gtc only).")
    recommended_by = serializers.IntegerField(
        required=False, allow_null=True, help_text="User id of the advisor who recommended it (default: you)."
    )
    discretionary = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class OrderReplaceSerializer(serializers.Serializer):
    qty = _amount()
    time_in_force = serializers.ChoiceField(choices=TimeInForce.choices, required=False)
    limit_price = _amount(6)
    stop_price = _amount(6)
    trail = _amount(6, help_text="New trail, in the order's unit (dollars or percent).")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = OrderTransition
        fields = ["from_status", "to_status", "cause", "event", "source", "actor", "at", "details"]

    def get_actor(self, transition) -> str | None:
        actor = transition.actor
        return None if actor is None else (actor.get_full_name() or actor.get_username())


class FillSerializer(serializers.ModelSerializer):
    transaction = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Fill
        fields = ["execution_id", "qty", "price", "at", "transaction", "booking_error"]


class OrderSerializer(BuiltOnceModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "account",
            "symbol",
            "client_order_id",
            "broker",
            "broker_order_id",
            "side",
            "order_type",
            "time_in_force",
            "qty",
            "notional",
            "limit_price",
            "stop_price",
            "trail_price",
            "trail_percent",
            "expires_at",
            "status",
            "filled_qty",
            "filled_avg_price",
            "arrival_price",
            "replaces",
            "recommended_by",
            "placed_by",
            "discretionary",
            "source",
            "note",
            "reject_reason",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
            "filled_at",
            "cancel_requested_at",
            "canceled_at",
            "expired_at",
            "replaced_at",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)
    fills = FillSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "transitions", "fills"]
        read_only_fields = fields


class StatisticsRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Account id, advisor id or day (YYYY-MM-DD); `all` for the total.")
    label = serializers.CharField()
    orders = serializers.IntegerField()
    finished = serializers.IntegerField(help_text="Filled, canceled, expired or rejected.")
    filled = serializers.IntegerField()
    rejected = serializers.IntegerField()
    fill_rate = serializers.FloatField(allow_null=True, help_text="Percent of finished orders that filled.")
    filled_notional = serializers.DecimalField(max_digits=20, decimal_places=2)
    slippage_bps = serializers.FloatField(allow_null=True, help_text="Average vs arrival price; positive = cost.")
    accept_p50_ms = serializers.FloatField(allow_null=True)
    accept_p95_ms = serializers.FloatField(allow_null=True)
    fill_p50_ms = serializers.FloatField(allow_null=True)
    fill_p95_ms = serializers.FloatField(allow_null=True)


class RejectionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    code = serializers.CharField()
    count = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    date_from = serializers.DateField(allow_null=True)
    date_to = serializers.DateField(allow_null=True)
    total = StatisticsRowSerializer()
    by_account = StatisticsRowSerializer(many=True)
    by_advisor = StatisticsRowSerializer(many=True)
    by_day = StatisticsRowSerializer(many=True)
    rejection_reasons = RejectionReasonSerializer(many=True)

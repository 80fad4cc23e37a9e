from rest_framework import serializers

from ..models import BacktestRun, Strategy
from ..models.choices import RebalanceFrequency, Weighting
from ..services.config import FACTORS
from ..services.strategies import STRATEGY_FIELDS


class StrategySerializer(serializers.ModelSerializer):
    shared = serializers.SerializerMethodField()

    class Meta:
        model = Strategy
        # What a strategy is (the fields its services write), with who owns it and its bookkeeping.
        fields = ["id", "owner", "shared", *STRATEGY_FIELDS, "model_portfolio", "created_at", "updated_at"]
        read_only_fields = fields

    def get_shared(self, strategy: Strategy) -> bool:
        return strategy.owner_id is None


class StrategyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    universe = serializers.ListField(child=serializers.CharField(max_length=20), required=False, default=list)
    benchmark_symbol = serializers.CharField(max_length=20, required=False, default="SPX")
    factors = serializers.DictField(
        child=serializers.FloatField(min_value=0),
        help_text=f"Factor name -> weight above 0. Factors: {', '.join(FACTORS)}.",
    )
    sector_neutral = serializers.BooleanField(required=False, default=False)
    top_n = serializers.IntegerField(min_value=1, required=False, default=50)
    weighting = serializers.ChoiceField(choices=Weighting.choices, required=False, default=Weighting.EQUAL)
    max_weight = serializers.DecimalField(max_digits=7, decimal_places=6, required=False, allow_null=True, default=None)
    sector_cap = serializers.DecimalField(max_digits=7, decimal_places=6, required=False, allow_null=True, default=None)
    rebalance_every = serializers.ChoiceField(
        choices=RebalanceFrequency.choices, required=False, default=RebalanceFrequency.MONTHLY
    )
    warmup_bars = serializers.IntegerField(min_value=1, max_value=2520, required=False, default=252)
    commission_bps = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, default=10)
    slippage_bps = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, default=0)
    fractional = serializers.BooleanField(required=False, default=True)
    initial_cash = serializers.DecimalField(max_digits=20, decimal_places=2, required=False, default=1_000_000)
    regimes_enabled = serializers.BooleanField(required=False, default=False)
    regime_settings = serializers.DictField(required=False, default=dict)
    hybrid_enabled = serializers.BooleanField(required=False, default=False)
    hybrid_settings = serializers.DictField(required=False, default=dict)
    breaker_enabled = serializers.BooleanField(required=False, default=False)
    breaker_settings = serializers.DictField(required=False, default=dict)
    shared = serializers.BooleanField(required=False, default=False, help_text="Firm-wide (operators only).")


class RunSerializer(serializers.ModelSerializer):
    job_status = serializers.CharField(source="job.status", read_only=True, default=None)
    job_percent = serializers.IntegerField(source="job.percent", read_only=True, default=None)

    class Meta:
        model = BacktestRun
        fields = [
            "id",
            "strategy",
            "sweep",
            "kind",
            "label",
            "parameters",
            "price_source",
            "price_file_name",
            "requested_start",
            "requested_end",
            "data_start",
            "data_end",
            "symbols",
            "status",
            "job",
            "job_status",
            "job_percent",
            "final_equity",
            "total_return",
            "sharpe",
            "max_drawdown",
            "engine_seconds",
            "error_code",
            "error_message",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    result = serializers.JSONField(
        read_only=True,
        help_text=(
            "The engine's result, empty until the run succeeded. A backtest's has detail 'full': trades, "
            "rebalances and weights.holdings/weights.invested included. A sweep run's has detail 'summary': "
            "trades and rebalances are null and weights has no holdings/invested history; every other key and "
            "number is as in 'full' (trade_count included). A walk-forward's has windows and no detail key."
        ),
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "config", "result"]
        read_only_fields = fields


class BacktestRequestSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, allow_null=True, default=None)
    end = serializers.DateField(required=False, allow_null=True, default=None)

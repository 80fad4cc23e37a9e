"""Attribution and factor exposures of an account, and factor exposures of a household, over the API.

The account is looked up through ``accounts_visible_to`` first (another book's account is a 404);
a range that cannot be measured is a 400 with its own code in the standard error body.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.selectors import accounts_visible_to, households_visible_to
from reporting.performance_analysis import period_values
from reporting.selectors import household_performance
from reporting.selectors_attribution import (
    FACTORS,
    account_attribution,
    account_factor_exposures,
    default_range,
    factor_exposures_of_values,
)
from valuepartner.api.schema import error_responses

from .serializers import PerformanceQuerySerializer


class RangeQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day; default: a year before the end.")
    end = serializers.DateField(required=False, help_text="Last day; default: the account's last valued day.")

    def validate(self, attrs):
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": ["The start must not be after the end."]})
        return attrs


class AttributionSectorSerializer(serializers.Serializer):
    sector = serializers.CharField()
    average_portfolio_weight = serializers.FloatField()
    average_benchmark_weight = serializers.FloatField()
    allocation = serializers.FloatField(help_text="Sum of daily (w_p - w_b)(r_b - R_b).")
    selection = serializers.FloatField(help_text="Sum of daily w_b (r_p - r_b).")
    interaction = serializers.FloatField(help_text="Sum of daily (w_p - w_b)(r_p - r_b).")
    total = serializers.FloatField()
    allocation_linked = serializers.FloatField(help_text="Carino-linked allocation.")
    selection_linked = serializers.FloatField(help_text="Carino-linked selection.")
    interaction_linked = serializers.FloatField(help_text="Carino-linked interaction.")
    total_linked = serializers.FloatField()


class AttributionOutputSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    start = serializers.DateField(help_text="First session attributed.")
    end = serializers.DateField(help_text="Last session attributed.")
    sessions = serializers.IntegerField(help_text="Sessions attributed (days without invested value are left out).")
    benchmark = serializers.CharField(help_text="The model portfolio whose targets are the benchmark.")
    portfolio_return = serializers.FloatField(help_text="Daily sector returns compounded.")
    benchmark_return = serializers.FloatField()
    active_return = serializers.FloatField(help_text="portfolio_return - benchmark_return (compounded).")
    summed_active_return = serializers.FloatField(help_text="Sum of daily active returns = sum of summed effects.")
    residual = serializers.FloatField(help_text="active_return - summed_active_return: what summation misses.")
    sectors = AttributionSectorSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class ExposureSerializer(serializers.Serializer):
    factor = serializers.CharField()
    beta = serializers.FloatField()
    standard_error = serializers.FloatField()
    t_stat = serializers.FloatField()


class FactorRegressionSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    observations = serializers.IntegerField(help_text="Common days of account and factor returns.")
    exposures = ExposureSerializer(many=True)
    alpha_daily = serializers.FloatField()
    alpha_t_stat = serializers.FloatField()
    alpha_annualized = serializers.FloatField(help_text="(1 + daily alpha)^252 - 1.")
    r_squared = serializers.FloatField(allow_null=True, help_text="Null for a constant return series.")
    residual_volatility_daily = serializers.FloatField()


class FactorExposuresOutputSerializer(FactorRegressionSerializer):
    account = serializers.IntegerField()


class HouseholdFactorExposuresOutputSerializer(FactorRegressionSerializer):
    household = serializers.IntegerField()


def _regression_body(report) -> dict:
    regression = report.regression
    r_squared = regression.r_squared
    return {
        "start": report.start,
        "end": report.end,
        "observations": regression.observations,
        "exposures": [vars(exposure) for exposure in regression.exposures],
        "alpha_daily": regression.alpha_daily,
        "alpha_t_stat": regression.alpha_t_stat,
        "alpha_annualized": regression.alpha_annualized,
        "r_squared": None if r_squared != r_squared else r_squared,
        "residual_volatility_daily": regression.residual_volatility_daily,
    }


def _range(request, account):
    query = RangeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return default_range(account, start=query.validated_data.get("start"), end=query.validated_data.get("end"))


class AccountAttributionView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Brinson-Fachler attribution of an account by sector",
        description=(
            "Each session is attributed on the holdings at the start of the day (previous close) against the "
            "account's model portfolio held at its target weights (the benchmark); the daily effects are linked "
            "by summation (with the residual against the compounded active return) and by Carino smoothing "
            "(adds up exactly). Error codes: `invalid`, `invalid_range`, `empty_period`, `no_benchmark` "
            "(no model portfolio with instrument targets), `missing_prices`, `no_holdings`."
        ),
        parameters=[RangeQuerySerializer],
        responses={200: AttributionOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = get_object_or_404(accounts_visible_to(request.user).select_related("model_portfolio"), pk=account_pk)
        start, end = _range(request, account)
        report = account_attribution(account, start=start, end=end)
        linked = report.linked
        body = {
            "account": account.pk,
            "start": report.start,
            "end": report.end,
            "sessions": len(linked.dates),
            "benchmark": report.model_portfolio,
            "portfolio_return": linked.portfolio_return,
            "benchmark_return": linked.benchmark_return,
            "active_return": linked.active_return,
            "summed_active_return": linked.summed_active_return,
            "residual": linked.residual,
            "sectors": [{**vars(row), "total": row.total, "total_linked": row.total_linked} for row in linked.sectors],
            "notes": list(report.notes),
        }
        return Response(AttributionOutputSerializer(body).data)


class AccountFactorExposuresView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Factor exposures of an account",
        description=(
            "OLS (with intercept) of the account's daily time-weighted returns on the daily returns of "
            f"{', '.join(FACTORS)} (SPX is the market) over the common days. Error codes: `invalid`, "
            "`invalid_range`, `empty_period`, `no_factor_data`, `too_few_observations` (under 60 days), "
            "`collinear_factors`."
        ),
        parameters=[RangeQuerySerializer],
        responses={200: FactorExposuresOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = get_object_or_404(accounts_visible_to(request.user), pk=account_pk)
        start, end = _range(request, account)
        report = account_factor_exposures(account, start=start, end=end)
        return Response(FactorExposuresOutputSerializer({"account": account.pk, **_regression_body(report)}).data)


class HouseholdFactorExposuresView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Factor exposures of a household",
        description=(
            "The household's accounts the caller may see are summed by date (as on the household performance "
            "page), and their daily time-weighted returns over the chosen period are regressed as for an account. "
            "The period is chosen as for the household's performance. Error codes: `invalid`, `invalid_range`, "
            "`empty_period`, `no_factor_data`, `too_few_observations` (under 60 days), `collinear_factors`."
        ),
        parameters=[PerformanceQuerySerializer],
        responses={200: HouseholdFactorExposuresOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, household_pk: int):
        household = get_object_or_404(households_visible_to(request.user), pk=household_pk)
        query = PerformanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        performance = household_performance(household, user=request.user, **query.validated_data)
        report = factor_exposures_of_values(*period_values(performance))
        return Response(
            HouseholdFactorExposuresOutputSerializer({"household": household.pk, **_regression_body(report)}).data
        )

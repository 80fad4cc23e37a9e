"""Performance of an account or a household over the API: every return measure and its working.

The account or household is looked up through the scoped selectors first, so one outside the
caller's scope is a 404; a period that cannot be measured (before inception, no history, empty)
is a 400 with its own code in the standard error body.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.selectors import accounts_visible_to, households_visible_to
from reporting.selectors import account_performance, household_performance
from reporting.selectors_benchmark import benchmark_comparison
from valuepartner.api.schema import error_responses

from .serializers import PerformanceOutputSerializer, PerformanceQuerySerializer, performance_payload

DESCRIPTION = (
    "TWR (daily chained, flows at the end of the day: r = (V_t - F_t) / V_(t-1) - 1), Modified Dietz, "
    "money-weighted return (XIRR, annual and over the period) and simple return, with the sub-periods, "
    "flows and values that produce them. Periods: MTD, QTD, YTD, 1Y, 3Y, 5Y, ITD (since inception) and "
    "custom (start, end); `end` sets the as-of day of any period. Error codes: `invalid`, `no_history`, "
    "`period_before_inception`, `empty_period`. `benchmark` compares the S&P 500 price index (SPX) over the "
    "same base and end sessions (excess = TWR - index); `by_period` gives TWR, index and excess for every "
    "standard period to the same end (null with a note where a period precedes inception or SPX has no close)."
)


def _query(request) -> dict:
    query = PerformanceQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class AccountPerformanceView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Performance of an account",
        description=DESCRIPTION,
        parameters=[PerformanceQuerySerializer],
        responses={200: PerformanceOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, account_pk: int):
        account = get_object_or_404(accounts_visible_to(request.user), pk=account_pk)
        report = account_performance(account, **_query(request))
        return Response(performance_payload("account", account.pk, report, benchmark_comparison(report)))


class HouseholdPerformanceView(APIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        summary="Performance of a household",
        description=DESCRIPTION + " The household's accounts are summed by date, then measured as one.",
        parameters=[PerformanceQuerySerializer],
        responses={200: PerformanceOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, household_pk: int):
        household = get_object_or_404(households_visible_to(request.user), pk=household_pk)
        report = household_performance(household, user=request.user, **_query(request))
        return Response(performance_payload("household", household.pk, report, benchmark_comparison(report)))

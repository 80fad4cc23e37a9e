"""Input and output of the performance endpoints.

The output is built as plain dicts by ``performance_payload`` (a 10-year history with 200 flows
has 200 sub-periods; building them through serializer fields would cost more than the
arithmetic). The output serializers below describe the same shape for the OpenAPI schema, and a
test keeps the two in step.
"""

import datetime as dt

from rest_framework import serializers

from reporting.benchmark import BENCHMARK_LABEL, BENCHMARK_SYMBOL, PeriodComparison
from reporting.history import MovedEvent
from reporting.periods import PeriodKey
from reporting.selectors import PerformanceReport
from reporting.selectors_benchmark import BenchmarkComparison


class PerformanceQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(
        choices=PeriodKey.choices, default=PeriodKey.INCEPTION, help_text="Default: since inception (ITD)."
    )
    start = serializers.DateField(required=False, help_text="First day of a custom range (required for custom).")
    end = serializers.DateField(
        required=False, help_text="As-of day (any period); default and latest: the last valued day."
    )
    net = serializers.BooleanField(
        default=True, help_text="true: net of fees (fees are losses); false: gross (fees added back)."
    )

    def validate(self, attrs):
        if attrs["period"] != PeriodKey.CUSTOM and "start" in attrs:
            raise serializers.ValidationError({"start": ["Only a custom range takes a start."]})
        return attrs


MONEY = {"max_digits": 20, "decimal_places": 2, "coerce_to_string": True}


class PeriodOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField(help_text="First calendar day the period covers.")
    end = serializers.DateField(help_text="Session at whose close the ending value is read.")
    base_date = serializers.DateField(help_text="Session at whose close the starting value is read.")
    calendar_days = serializers.IntegerField()
    sessions = serializers.IntegerField()


class ReturnsOutputSerializer(serializers.Serializer):
    twr = serializers.FloatField(help_text="Time-weighted return, daily chained, flows at the end of the day.")
    twr_annualized = serializers.FloatField(allow_null=True, help_text="Periods of 365 days or more only.")
    modified_dietz = serializers.FloatField(allow_null=True)
    mwr_annualized = serializers.FloatField(allow_null=True, help_text="XIRR, actual/365.")
    mwr_period = serializers.FloatField(allow_null=True, help_text="(1 + XIRR)^(days/365) - 1.")
    simple = serializers.FloatField(allow_null=True, help_text="(end - start - net flows) / start.")


class SubPeriodOutputSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    sessions = serializers.IntegerField()
    start_value = serializers.DecimalField(**MONEY)
    flow = serializers.DecimalField(**MONEY, help_text="External flow at the close of end_date.")
    fees = serializers.DecimalField(**MONEY, help_text="Fee transactions inside the sub-period (negative).")
    end_value = serializers.DecimalField(**MONEY)
    return_ = serializers.FloatField()
    cumulative_return = serializers.FloatField()

    def get_fields(self):
        fields = super().get_fields()
        fields["return"] = fields.pop("return_")
        return fields


class DietzFlowOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)
    weight = serializers.FloatField(help_text="Fraction of the period's calendar days left after the flow.")


class CashFlowOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = serializers.DecimalField(**MONEY, help_text="Investor's view: paid in negative, received positive.")


class MovedOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    dated = serializers.DateField()
    counted_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY)


class DietzWorkingSerializer(serializers.Serializer):
    numerator = serializers.DecimalField(**MONEY)
    denominator = serializers.DecimalField(**MONEY)
    flows = DietzFlowOutputSerializer(many=True)


class WorkingOutputSerializer(serializers.Serializer):
    convention = serializers.CharField()
    formula = serializers.CharField()
    sub_periods = SubPeriodOutputSerializer(many=True)
    modified_dietz = DietzWorkingSerializer()
    mwr_cash_flows = CashFlowOutputSerializer(many=True)
    moved = MovedOutputSerializer(many=True, help_text="Flows and fees dated on a day without a session.")
    notes = serializers.ListField(child=serializers.CharField())


class BenchmarkOutputSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="The benchmark instrument (the S&P 500 price index).")
    label = serializers.CharField()
    return_ = serializers.FloatField(
        allow_null=True, help_text="close(end) / close(base) - 1 over the period's base and end sessions."
    )
    annualized_return = serializers.FloatField(allow_null=True, help_text="Periods of 365 days or more only.")
    excess_return = serializers.FloatField(allow_null=True, help_text="TWR - benchmark return (same days).")
    note = serializers.CharField(help_text="Why the benchmark return is null (empty when it is not).")

    def get_fields(self):
        fields = super().get_fields()
        fields["return"] = fields.pop("return_")
        return fields


class PeriodComparisonOutputSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[key for key in PeriodKey.values if key != PeriodKey.CUSTOM])
    label = serializers.CharField()
    base_date = serializers.DateField(allow_null=True, help_text="Null when the period cannot be measured.")
    end_date = serializers.DateField(allow_null=True)
    twr = serializers.FloatField(allow_null=True)
    twr_annualized = serializers.FloatField(allow_null=True)
    benchmark_return = serializers.FloatField(allow_null=True)
    benchmark_annualized_return = serializers.FloatField(allow_null=True)
    excess_return = serializers.FloatField(allow_null=True)
    note = serializers.CharField(help_text="Why a figure is null (before inception, no benchmark close).")


class PerformanceOutputSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=["account", "household"])
    id = serializers.IntegerField()
    accounts = serializers.ListField(child=serializers.IntegerField(), help_text="Accounts measured.")
    period = PeriodOutputSerializer()
    basis = serializers.ChoiceField(choices=["net", "gross"])
    start_value = serializers.DecimalField(**MONEY)
    end_value = serializers.DecimalField(**MONEY)
    net_flows = serializers.DecimalField(**MONEY, help_text="External flows (deposits +, withdrawals -).")
    fees = serializers.DecimalField(**MONEY, help_text="Fee transactions (negative).")
    gain = serializers.DecimalField(**MONEY, help_text="end - start - net flows (fees added back when gross).")
    returns = ReturnsOutputSerializer()
    working = WorkingOutputSerializer()
    benchmark = BenchmarkOutputSerializer(help_text="The S&P 500 over the same base and end sessions.")
    by_period = PeriodComparisonOutputSerializer(
        many=True, help_text="TWR and benchmark return of MTD, QTD, YTD, 1Y, 3Y, 5Y and ITD to the same end."
    )
    notes = serializers.ListField(child=serializers.CharField())


def _money(value: float) -> str:
    # Values are sums of cents read as floats; rounding to the cent gives the exact Decimal back.
    return f"{round(value, 2) + 0.0:.2f}"


def _day(value: dt.date) -> str:
    return value.isoformat()


def _moved_note(event: MovedEvent) -> str:
    return (
        f"{event.kind.replace('_', ' ').capitalize()} of {_money(abs(event.amount))} dated {_day(event.dated)}, "
        f"not a session, is counted on {_day(event.counted_on)}."
    )


def _optional_day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _by_period(row: PeriodComparison) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "base_date": _optional_day(row.base_date),
        "end_date": _optional_day(row.end_date),
        "twr": row.twr,
        "twr_annualized": row.twr_annualized,
        "benchmark_return": row.benchmark_return,
        "benchmark_annualized_return": row.benchmark_annualized,
        "excess_return": row.excess_return,
        "note": row.reason,
    }


def performance_payload(
    subject: str, subject_id: int, report: PerformanceReport, comparison: BenchmarkComparison
) -> dict:
    period, perf = report.period, report.performance
    own = comparison.period
    working = perf.working
    return {
        "subject": subject,
        "id": subject_id,
        "accounts": list(report.account_ids),
        "period": {
            "key": period.key,
            "label": period.label,
            "start": _day(period.start),
            "end": _day(perf.end_date),
            "base_date": _day(perf.base_date),
            "calendar_days": perf.calendar_days,
            "sessions": perf.sessions,
        },
        "basis": "gross" if perf.gross else "net",
        "start_value": _money(perf.start_value),
        "end_value": _money(perf.end_value),
        "net_flows": _money(perf.net_flows),
        "fees": _money(perf.fees),
        "gain": _money(perf.gain),
        "returns": {
            "twr": perf.twr,
            "twr_annualized": perf.twr_annualized,
            "modified_dietz": perf.modified_dietz,
            "mwr_annualized": perf.mwr_annualized,
            "mwr_period": perf.mwr_period,
            "simple": perf.simple,
        },
        "working": {
            "convention": working.convention,
            "formula": working.formula,
            "sub_periods": [
                {
                    "start_date": _day(row.start_date),
                    "end_date": _day(row.end_date),
                    "sessions": row.sessions,
                    "start_value": _money(row.start_value),
                    "flow": _money(row.flow),
                    "fees": _money(row.fees),
                    "end_value": _money(row.end_value),
                    "return": row.return_,
                    "cumulative_return": row.cumulative_return,
                }
                for row in working.sub_periods
            ],
            "modified_dietz": {
                "numerator": _money(working.dietz_numerator),
                "denominator": _money(working.dietz_denominator),
                "flows": [
                    {"date": _day(row.date), "amount": _money(row.amount), "weight": row.weight}
                    for row in working.dietz_flows
                ],
            },
            "mwr_cash_flows": [
                {"date": _day(day), "amount": _money(amount)} for day, amount in working.xirr_cash_flows
            ],
            "moved": [
                {
                    "kind": event.kind,
                    "dated": _day(event.dated),
                    "counted_on": _day(event.counted_on),
                    "amount": _money(event.amount),
                }
                for event in working.moved
            ],
            "notes": [_moved_note(event) for event in working.moved] + list(working.notes),
        },
        "benchmark": {
            "symbol": BENCHMARK_SYMBOL,
            "label": BENCHMARK_LABEL,
            "return": own.benchmark_return,
            "annualized_return": own.benchmark_annualized,
            "excess_return": own.excess_return,
            "note": own.reason,
        },
        "by_period": [_by_period(row) for row in comparison.by_period],
        "notes": list(report.notes),
    }

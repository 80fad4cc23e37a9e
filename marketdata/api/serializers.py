"""Instruments are rendered by a model serializer; price rows bypass serializers (see the prices view)."""

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from marketdata.models import Instrument


class InstrumentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["id", "symbol", "name", "asset_class", "exchange", "sector", "industry", "currency", "is_active"]
        read_only_fields = fields


class PriceRangeInputSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First date (inclusive). Default: a year before `end`.")
    end = serializers.DateField(
        required=False, help_text="Last date (inclusive). Default: the instrument's last price date."
    )

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start is not None and end is not None and start > end:
            raise serializers.ValidationError({"start": ["The start must not be after the end."]})
        return attrs


class PriceHistoryOutputSerializer(serializers.Serializer):
    """Documents the answer's shape; the view builds it without a serializer, for speed."""

    symbol = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    columns = serializers.ListField(child=serializers.CharField(), help_text="Names of each row's values, in order.")
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="One row per session, oldest first: ISO date, then open, high, low, close, adj_close as "
        "numbers (null where the source has none) and volume as a whole number or null.",
    )


def default_range(start: dt.date | None, end: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """Fill a missing end with the last price date (or today), and a missing start with a year before."""
    end = end or last or timezone.localdate()
    start = start or end - dt.timedelta(days=365)
    return start, end

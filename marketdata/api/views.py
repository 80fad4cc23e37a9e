"""Instruments and their price history: public reference data for every signed-in user."""

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from marketdata.selectors import PRICE_COLUMNS, instruments_visible_to, last_bar_date, price_rows_json
from valuepartner.api.filters import StableOrderingFilter
from valuepartner.api.schema import error_responses

from .filters import InstrumentFilter
from .serializers import (
    InstrumentOutputSerializer,
    PriceHistoryOutputSerializer,
    PriceRangeInputSerializer,
    default_range,
)

SYMBOL_PARAMETER = OpenApiParameter("symbol", OpenApiTypes.STR, OpenApiParameter.PATH, description="Ticker, e.g. AAPL.")


def instrument_for(request, symbol: str):
    return get_object_or_404(instruments_visible_to(request.user), symbol=symbol.upper())


class InstrumentListView(generics.ListAPIView):
    """Instruments: stocks, ETFs and benchmark indexes. Search by symbol or name."""

    serializer_class = InstrumentOutputSerializer
    filter_backends = (DjangoFilterBackend, SearchFilter, StableOrderingFilter)
    filterset_class = InstrumentFilter
    search_fields = ("symbol", "name")
    ordering_fields = ("symbol", "name", "sector")
    ordering = ("symbol",)

    def get_queryset(self):
        return instruments_visible_to(self.request.user)

    @extend_schema(
        summary="Instruments", responses={200: InstrumentOutputSerializer(many=True), **error_responses(400)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InstrumentDetailView(APIView):
    @extend_schema(
        summary="One instrument",
        parameters=[SYMBOL_PARAMETER],
        responses={200: InstrumentOutputSerializer, **error_responses(404)},
    )
    def get(self, request, symbol: str):
        return Response(InstrumentOutputSerializer(instrument_for(request, symbol)).data)


class InstrumentPricesView(APIView):
    @extend_schema(
        summary="Daily price history of one instrument",
        description="Compact rows for charts and analytics. Without dates: the year up to the last price.",
        parameters=[SYMBOL_PARAMETER, PriceRangeInputSerializer],
        responses={200: PriceHistoryOutputSerializer, **error_responses(400, 404)},
    )
    def get(self, request, symbol: str):
        query = PriceRangeInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        instrument = instrument_for(request, symbol)
        given_start, given_end = query.validated_data.get("start"), query.validated_data.get("end")
        last = None if given_end else last_bar_date(instrument.pk)
        start, end = default_range(given_start, given_end, last)
        if start > end:
            # Only a start after the last price was given: an empty range, not an error.
            end = start
        head = {
            "symbol": instrument.symbol,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "columns": PRICE_COLUMNS,
        }
        # The rows arrive as JSON text from the selector; splicing them in avoids decoding and
        # re-encoding 8,000 rows.
        rows = price_rows_json(instrument.pk, start=start, end=end)
        return HttpResponse(f'{json.dumps(head)[:-1]}, "rows": {rows}}}', content_type="application/json")

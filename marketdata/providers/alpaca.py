"""Daily bars from Alpaca's market data API through alpaca-py's ``StockHistoricalDataClient``.

Two requests per fetch: ``adjustment=raw`` gives the prices as traded (open/high/low/close/volume)
and ``adjustment=all`` the closes adjusted for splits and dividends (``adj_close``).

The SDK's own retry (3 tries, 3 s apart, on 429 and 504) is switched off: the chain's backoff with
jitter and the circuit breaker decide when to try again. The SDK sets no request timeout, so one is
mounted on its session: a hung connection must fail over, not hang a worker.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import requests
from alpaca.common.exceptions import APIError
from alpaca.data.enums import Adjustment
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.requests import StockBarsRequest
from alpaca.data.timeframe import TimeFrame
from django.conf import settings
from requests.adapters import HTTPAdapter

from .base import BarRow, ProviderError, TransientProviderError

# Alpaca stamps a daily bar at midnight New York time, expressed in UTC.
MARKET_TIMEZONE = ZoneInfo("America/New_York")
DEFAULT_TIMEOUT_SECONDS = 10.0
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _session_date(timestamp: str) -> dt.date:
    return dt.datetime.fromisoformat(timestamp).astimezone(MARKET_TIMEZONE).date()


class AlpacaProvider:
    name = "alpaca"

    def __init__(
        self, *, api_key: str, secret_key: str, url_override: str = "", timeout: float = DEFAULT_TIMEOUT_SECONDS
    ):
        if not api_key or not secret_key:
            raise ProviderError("Alpaca needs ALPACA_API_KEY and ALPACA_SECRET_KEY.")
        self.client = StockHistoricalDataClient(
            api_key=api_key, secret_key=secret_key, raw_data=True, url_override=url_override or None
        )
        self.client._retry = 0
        self.client._retry_wait = 0
        adapter = _TimeoutAdapter(timeout)
        self.client._session.mount("http://", adapter)
        self.client._session.mount("https://", adapter)

    @classmethod
    def from_settings(cls, **overrides) -> "AlpacaProvider":
        options = {
            "api_key": settings.ALPACA_API_KEY,
            "secret_key": settings.ALPACA_SECRET_KEY,
            "url_override": settings.ALPACA_DATA_URL,
        }
        return cls(**{**options, **overrides})

    def _bars(self, symbols: list[str], start: dt.date, end: dt.date, adjustment: Adjustment) -> dict[str, list]:
        request = StockBarsRequest(
            symbol_or_symbols=symbols,
            timeframe=TimeFrame.Day,
            start=dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
            end=dt.datetime.combine(end, dt.time.max, tzinfo=dt.UTC),
            adjustment=adjustment,
        )
        try:
            answer = self.client.get_stock_bars(request)
        except APIError as error:
            status = error.status_code
            kind = TransientProviderError if status is None or status in TRANSIENT_STATUSES else ProviderError
            raise kind(f"Alpaca answered HTTP {status}.") from error
        except (requests.Timeout, requests.ConnectionError) as error:
            raise TransientProviderError(f"Alpaca did not answer: {type(error).__name__}.") from error
        except (requests.RequestException, ValueError) as error:
            raise ProviderError(f"Alpaca's answer was unusable: {type(error).__name__}.") from error
        if not isinstance(answer, dict):
            raise ProviderError("Alpaca's answer was not a map of symbols to bars.")
        return answer

    def fetch_daily_bars(self, symbols: list[str], start: dt.date, end: dt.date) -> list[BarRow]:
        if not symbols:
            return []
        raw = self._bars(symbols, start, end, Adjustment.RAW)
        adjusted = self._bars(symbols, start, end, Adjustment.ALL)
        rows = []
        try:
            for symbol in sorted(raw):
                adjusted_closes = {bar["t"]: bar["c"] for bar in adjusted.get(symbol, [])}
                for bar in raw[symbol]:
                    close = _decimal(bar["c"])
                    adjusted_close = adjusted_closes.get(bar["t"])
                    rows.append(
                        BarRow(
                            symbol=symbol,
                            date=_session_date(bar["t"]),
                            open=_decimal(bar.get("o")),
                            high=_decimal(bar.get("h")),
                            low=_decimal(bar.get("l")),
                            close=close,
                            adj_close=close if adjusted_close is None else _decimal(adjusted_close),
                            volume=None if bar.get("v") is None else int(bar["v"]),
                            source=self.name,
                        )
                    )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise ProviderError(f"Alpaca sent a bar without the expected fields: {type(error).__name__}.") from error
        rows.sort(key=lambda row: (row.symbol, row.date))
        return rows

import datetime as dt
from decimal import Decimal
from functools import lru_cache

import factory

from marketdata import calendar
from marketdata.models import CorporateAction, DailyBar, Instrument, ProviderStatus


@lru_cache(maxsize=1)
def _sessions() -> list[dt.date]:
    return calendar.sessions_in_range(dt.date(2015, 1, 2), dt.date(2024, 12, 31))


def nth_session(n: int) -> dt.date:
    """Successive NYSE sessions from 2015, so bars made without a date never collide or fall on a holiday."""
    return _sessions()[n % len(_sessions())]


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"SYM{n}")
    name = factory.LazyAttribute(lambda i: f"{i.symbol} Corp")
    exchange = "XNYS"
    sector = "Information Technology"
    industry = "Software"


class DailyBarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyBar

    instrument = factory.SubFactory(InstrumentFactory)
    date = factory.Sequence(nth_session)
    close = Decimal("100.000000")
    adj_close = factory.LazyAttribute(lambda b: b.close)
    source = "test"


class CorporateActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorporateAction

    instrument = factory.SubFactory(InstrumentFactory)
    kind = "cash_dividend"
    ex_date = factory.Sequence(nth_session)
    cash_amount = Decimal("0.250000")


class ProviderStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderStatus
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"provider{n}")

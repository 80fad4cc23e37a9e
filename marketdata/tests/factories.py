from decimal import Decimal

import factory

from marketdata.models import DailyBar, Instrument


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
    close = Decimal("100.000000")
    adj_close = factory.LazyAttribute(lambda b: b.close)
    source = "test"

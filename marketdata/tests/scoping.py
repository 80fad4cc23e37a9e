"""Instruments and their prices are public reference data: every signed-in role reads them."""

from marketdata.tests.factories import DailyBarFactory, InstrumentFactory
from valuepartner.testing.scoping import register_public


def make_instrument():
    return InstrumentFactory()


def make_priced_instrument():
    return DailyBarFactory().instrument


register_public("api:instrument-detail", make_instrument, kwarg="symbol")
register_public("api:instrument-prices", make_priced_instrument, kwarg="symbol")

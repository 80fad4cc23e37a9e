"""Loading the bundled datasets into the database (COPY on PostgreSQL, executemany on SQLite)."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from compliance.models import AuditEvent
from marketdata.choices import AssetClass
from marketdata.models import DailyBar, Instrument
from marketdata.services import load_bundled
from marketdata.tests.factories import DailyBarFactory, InstrumentFactory

pytestmark = pytest.mark.django_db


def test_loading_the_index_and_factors_creates_instruments_and_bars():
    """SPX (inactive index) and five ETFs arrive with every session of their series."""
    summary = load_bundled(datasets=["index", "factors"])

    assert summary.instruments_created == 6
    assert summary.bars_inserted == 8313 + 5 * 2264
    spx = Instrument.objects.get(symbol="SPX")
    assert (spx.asset_class, spx.is_active, spx.name) == (AssetClass.INDEX, False, "S&P 500 Index")
    first = DailyBar.objects.get(instrument=spx, date="1990-01-02")
    assert (first.close, first.adj_close, first.open, first.volume) == (
        Decimal("359.69"),
        Decimal("359.69"),
        None,
        None,
    )
    assert AuditEvent.objects.filter(action="marketdata.bundled_loaded").count() == 1


def test_a_second_load_adds_nothing_and_keeps_operator_edits():
    """Re-running is idempotent: no new bars, and an instrument an operator renamed keeps its name."""
    load_bundled(datasets=["factors"])
    Instrument.objects.filter(symbol="MTUM").update(name="Momentum ETF (edited)")

    again = load_bundled(datasets=["factors"])

    assert (again.instruments_created, again.bars_inserted) == (0, 0)
    assert DailyBar.objects.count() == 5 * 2264
    assert Instrument.objects.get(symbol="MTUM").name == "Momentum ETF (edited)"


def test_loading_next_to_existing_bars_keeps_them(django_capture_on_commit_callbacks):
    """Bars already there (even inserted earlier in the same transaction) stay; the rest are added."""
    spx = InstrumentFactory(symbol="SPX", asset_class=AssetClass.INDEX)
    DailyBarFactory(instrument=spx, date="1990-01-02", close=Decimal("1.5"))

    summary = load_bundled(datasets=["index"])

    assert summary.bars_inserted == 8313 - 1
    assert DailyBar.objects.get(instrument=spx, date="1990-01-02").close == Decimal("1.5")


def test_all_datasets_load_with_skfolio_winning_where_both_cover_a_stock():
    """Every dataset together: AAPL's 2009 bars are skfolio's adjusted closes, A's are bytetheory's OHLCV."""
    summary = load_bundled()

    assert summary.bars_inserted == 303_574
    assert Instrument.objects.count() == 530
    aapl = DailyBar.objects.get(instrument__symbol="AAPL", date="2009-08-21")
    agilent = DailyBar.objects.get(instrument__symbol="A", date="2009-08-21")
    assert (aapl.source, aapl.open) == ("skfolio", None)
    assert (agilent.source, agilent.open, agilent.close, agilent.volume) == (
        "bytetheory",
        Decimal("25.6"),
        Decimal("25.55"),
        34758,
    )


def test_load_market_data_command_loads_the_named_dataset(capsys):
    """The command is a thin wrapper: it loads what --dataset names and says how much it added."""
    call_command("load_market_data", "--dataset", "index")

    assert DailyBar.objects.filter(instrument__symbol="SPX").count() == 8313
    assert "8313 new daily bars" in capsys.readouterr().out

"""``import_prices``: every line checked, all imported or none, each bad line reported with its reason."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from marketdata.errors import PriceImportError
from marketdata.models import DailyBar, Instrument
from marketdata.services import import_prices
from marketdata.tests.factories import DailyBarFactory, InstrumentFactory

pytestmark = pytest.mark.django_db
HEADER = "date,symbol,open,high,low,close,volume,adj_close\n"


def test_a_valid_file_is_imported_and_replaces_existing_bars():
    """Lines become bars (adj_close defaulting to close); a bar already stored for that day is replaced."""
    aapl = InstrumentFactory(symbol="AAPL")
    DailyBarFactory(instrument=aapl, date="2024-01-02", close=Decimal("1"))
    text = HEADER + "2024-01-02,AAPL,185,186.5,183,185.64,1000,184.9\n2024-01-03,aapl,184,185,183,184.25,900,\n"

    summary = import_prices(lines=text.splitlines(keepends=True))

    assert summary.bars_stored == 2
    bars = list(DailyBar.objects.order_by("date").values_list("close", "adj_close", "volume", "source"))
    assert bars == [
        (Decimal("185.64"), Decimal("184.9"), 1000, "csv"),
        (Decimal("184.25"), Decimal("184.25"), 900, "csv"),
    ]


def test_every_bad_line_is_reported_and_nothing_is_imported():
    """Unknown symbol, bad date, holiday, price <= 0, high < low and a duplicate each name their line."""
    InstrumentFactory(symbol="AAPL")
    text = (
        HEADER
        + "2024-01-02,AAPL,1,2,1,2,10,\n"  # line 2: fine
        + "2024-01-02,ZZZZ,1,2,1,2,10,\n"  # 3: unknown symbol
        + "2024-13-01,AAPL,1,2,1,2,10,\n"  # 4: not a date
        + "2024-01-01,AAPL,1,2,1,2,10,\n"  # 5: New Year's Day
        + "2024-01-03,AAPL,1,2,1,0,10,\n"  # 6: close 0
        + "2024-01-04,AAPL,1,1,2,1,10,\n"  # 7: high below low
        + "2024-01-02,AAPL,1,2,1,2,10,\n"  # 8: duplicate of line 2
    )

    with pytest.raises(PriceImportError) as raised:
        import_prices(lines=text.splitlines(keepends=True))

    found = {(error.line, error.code) for error in raised.value.errors}
    assert found == {
        (3, "unknown_symbol"),
        (4, "bad_date"),
        (5, "not_a_session"),
        (6, "price_not_positive"),
        (7, "high_below_low"),
        (8, "duplicate_line"),
    }
    assert DailyBar.objects.count() == 0


def test_unknown_symbols_are_created_when_asked():
    """--create-instruments turns an unknown symbol into a new instrument instead of an error."""
    text = HEADER + "2024-01-02,NEWCO,1,2,1,2,10,\n"

    summary = import_prices(lines=text.splitlines(keepends=True), create_instruments=True)

    assert (summary.instruments_created, summary.bars_stored) == (1, 1)
    assert Instrument.objects.filter(symbol="NEWCO").exists()


def test_a_wrong_header_is_reported_on_line_one():
    """A file that is not a price file fails on its header."""
    with pytest.raises(PriceImportError) as raised:
        import_prices(lines=["symbol,price\n", "AAPL,1\n"])

    assert [(error.line, error.code) for error in raised.value.errors] == [(1, "bad_header")]


def test_command_prints_the_report_and_fails(tmp_path, capsys):
    """The command lists each bad line on stderr and exits with an error; nothing is stored."""
    InstrumentFactory(symbol="AAPL")
    path = tmp_path / "prices.csv"
    path.write_text(HEADER + "2024-01-06,AAPL,1,2,1,2,10,\n")

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_prices", str(path))

    assert "line 2: 2024-01-06 is not a NYSE trading session [not_a_session]" in capsys.readouterr().err
    assert DailyBar.objects.count() == 0


def test_command_imports_a_good_file(tmp_path, capsys):
    """A clean file is imported and the count printed."""
    path = tmp_path / "prices.csv"
    path.write_text(HEADER + "2024-01-02,NEWCO,1,2,1,2,10,\n")

    call_command("import_prices", str(path), "--create-instruments")

    assert "Imported 1 daily bars (1 new instruments)." in capsys.readouterr().out

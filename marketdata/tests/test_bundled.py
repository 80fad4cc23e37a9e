"""The shipped datasets read as rows, before any database is involved."""

from collections import Counter

import pytest

from marketdata import bundled, calendar
from marketdata.choices import AssetClass


def test_skfolio_stocks_are_twenty_adjusted_close_series_from_1990_to_2022():
    """Each row carries the adjusted close twice (close and adj_close) and no open/high/low/volume."""
    rows = list(bundled.skfolio_stock_bars())

    assert len(rows) == 20 * 8313
    first = rows[0]
    assert first == bundled.RawBar("AAPL", "1990-01-02", None, None, None, "0.264", "0.264", None, "skfolio")
    assert {row.date for row in rows} >= {"1990-01-02", "2022-12-28"}


def test_bytetheory_rows_are_as_traded_ohlcv_without_the_skfolio_symbols():
    """The 20 skfolio stocks are left out (their adjusted series wins); the rest keep traded OHLCV."""
    rows = list(bundled.bytetheory_bars())
    symbols = {row.symbol for row in rows}

    assert not symbols & set(bundled.skfolio_stock_symbols())
    assert len(symbols) == 524 - 20
    first = rows[0]
    assert first == bundled.RawBar("A", "2009-08-21", "25.6", "25.61", "25.22", "25.55", "25.55", "34758", "bytetheory")


def test_no_dataset_repeats_a_symbol_on_a_date():
    """All four datasets together hold each (symbol, date) once, so the bulk load needs no de-duplication."""
    counts = Counter((row.symbol, row.date) for name in bundled.DATASETS for row in bundled.bars(name))

    assert max(counts.values()) == 1
    assert len(counts) == 303_574


def test_every_bundled_date_is_a_nyse_session():
    """The real data agree with the trading calendar: no weekend or holiday rows."""
    dates = {row.date for name in bundled.DATASETS for row in bundled.bars(name)}
    sessions = {day.isoformat() for day in calendar.sessions_in_range(min(dates), max(dates))}

    assert dates - sessions == set()


def test_index_and_factor_etfs_are_described():
    """The S&P 500 is the inactive index SPX; the factor ETFs carry iShares' fund names."""
    (index,) = bundled.instrument_specs(bundled.INDEX)
    etfs = {spec.symbol: spec for spec in bundled.instrument_specs(bundled.FACTORS)}

    assert (index.symbol, index.asset_class, index.is_active) == ("SPX", AssetClass.INDEX, False)
    assert etfs["MTUM"].name == "iShares MSCI USA Momentum Factor ETF"
    assert {spec.asset_class for spec in etfs.values()} == {AssetClass.ETF}
    assert {row.symbol for row in bundled.index_bars()} == {"SPX"}


def test_stock_names_and_sectors_come_from_the_constituents_file():
    """A ticker in the 2010 constituents gets its name and sector; AMD (missing there) its own entry."""
    specs = {spec.symbol: spec for spec in bundled.instrument_specs(bundled.SKFOLIO)}

    assert specs["MSFT"].name == "Microsoft Corp."
    assert specs["MSFT"].sector == "Information Technology"
    assert specs["AMD"].name == "Advanced Micro Devices Inc."


def test_expand_names_datasets_in_load_order_and_refuses_unknown_ones():
    """``all`` means every dataset; an unknown name is an error, not silently nothing."""
    assert bundled.expand(["all"]) == bundled.DATASETS
    assert bundled.expand(["index", "skfolio"]) == ("skfolio", "index")
    with pytest.raises(ValueError, match="Unknown dataset"):
        bundled.expand(["nasdaq"])

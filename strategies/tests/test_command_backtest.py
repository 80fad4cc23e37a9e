"""manage.py backtest: the issue's keys from a price file or the stored prices; bad input named, exit 1."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from marketdata.models import DailyBar, Instrument
from marketdata.tests.factories import InstrumentFactory, nth_session
from strategies.panel import PriceDataError
from strategies.panel_store import load_panel

from .test_engine_reference import REFERENCE


def write_prices(path, days=320, symbols=8, seed=3, drop=None):
    rng = np.random.default_rng(seed)
    close = 40 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (days, symbols)), axis=0))
    dates = np.busday_offset("2019-01-01", np.arange(days), roll="forward")
    lines = ["date,symbol,close"]
    for t in range(days):
        for j in range(symbols):
            if drop != (t, j):
                lines.append(f"{dates[t]},S{j},{close[t, j]:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args) -> dict:
    out = StringIO()
    call_command("backtest", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**REFERENCE, "top_n": 3}))
    return path


def test_json_from_a_price_file_has_the_issue_keys(tmp_path, config_file):
    prices = write_prices(tmp_path / "prices.csv")
    out = run("--config", str(config_file), "--prices", str(prices), "--json")
    for key in (
        "final_equity",
        "equity_curve",
        "metrics",
        "trades",
        "turnover",
        "win_rate_by_regime",
        "engine_seconds",
    ):
        assert key in out
    assert len(out["equity_curve"]) == 320
    assert out["equity_curve"][251][1] == 1_000_000.0
    assert out["final_equity"] == out["equity_curve"][-1][1]
    assert out["engine_seconds"] > 0
    assert {t["date"] for t in out["trades"]} == {out["equity_curve"][b][0] for b in range(252, 320, 21)}


def test_text_summary(tmp_path, config_file):
    prices = write_prices(tmp_path / "prices.csv")
    out = StringIO()
    call_command("backtest", "--config", str(config_file), "--prices", str(prices), stdout=out)
    assert "final equity" in out.getvalue() and "engine" in out.getvalue()


def test_gap_in_price_file_is_named(tmp_path, config_file):
    prices = write_prices(tmp_path / "prices.csv", drop=(10, 2))
    with pytest.raises(CommandError, match=r"symbol S2: no price on 2019-01-15"):
        run("--config", str(config_file), "--prices", str(prices), "--json")


def test_too_little_history_and_bad_config_are_named(tmp_path, config_file):
    prices = write_prices(tmp_path / "prices.csv", days=100)
    with pytest.raises(CommandError, match="too little history: 100 dates"):
        run("--config", str(config_file), "--prices", str(prices), "--json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"top_n": "many"}')
    with pytest.raises(CommandError, match="top_n: must be a whole number"):
        run("--config", str(bad), "--prices", str(prices))
    broken = tmp_path / "broken.json"
    broken.write_text('{"top_n": 3,')
    with pytest.raises(CommandError, match="invalid JSON at line 1"):
        run("--config", str(broken))


def test_walk_forward_from_the_command(tmp_path, config_file):
    prices = write_prices(tmp_path / "prices.csv", days=700)
    grid = tmp_path / "grid.json"
    grid.write_text('{"top_n": [2, 4]}')
    out = run(
        "--config",
        str(config_file),
        "--prices",
        str(prices),
        "--walk-forward",
        "--grid",
        str(grid),
        "--train-bars",
        "150",
        "--test-bars",
        "100",
        "--json",
    )
    assert out["windows"] and out["equity_curve"][0][0] == out["windows"][0]["test_start"]


def store_prices(symbols, days, *, seed=1, skip=None, start=0):
    rng = np.random.default_rng(seed)
    closes = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.02, (days, len(symbols))), axis=0))
    bars = []
    for j, symbol in enumerate(symbols):
        instrument = InstrumentFactory(symbol=symbol, sector="Energy" if j % 2 else "Utilities")
        for t in range(days):
            if skip == (symbol, t):
                continue
            price = Decimal(f"{closes[t, j]:.6f}")
            bars.append(DailyBar(instrument=instrument, date=nth_session(start + t), close=price, adj_close=price))
    DailyBar.objects.bulk_create(bars)
    return closes


@pytest.mark.django_db
def test_stored_prices_panel_and_command(tmp_path):
    closes = store_prices(["AAA", "BBB", "CCC", "DDD"], 300)
    store_prices(["SPX"], 300, seed=9)
    Instrument.objects.filter(symbol="SPX").update(asset_class="index")
    panel = load_panel(["AAA", "BBB", "CCC", "DDD"])
    assert panel.bars == 300 and panel.sectors == ("Utilities", "Energy", "Utilities", "Energy")
    np.testing.assert_allclose(panel.close, np.round(closes, 6))
    assert panel.benchmark_symbol == "SPX" and np.isfinite(panel.benchmark).all()
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**REFERENCE, "top_n": 2, "universe": ["AAA", "BBB", "CCC", "DDD"]}))
    out = run("--config", str(config), "--json")
    assert out["data"]["symbols"] == 4 and out["data"]["benchmark"] == "SPX"
    assert out["metrics"]["beta"] is not None


@pytest.mark.django_db
def test_stored_prices_errors_name_symbols():
    store_prices(["AAA", "BBB"], 50, skip=("BBB", 20))
    store_prices(["LATE"], 30, start=10)
    with pytest.raises(PriceDataError, match="unknown symbols: ZZZ"):
        load_panel(["AAA", "ZZZ"])
    with pytest.raises(PriceDataError, match=f"symbol BBB: no price on {nth_session(20)}"):
        load_panel(["AAA", "BBB"])
    with pytest.raises(PriceDataError, match=r"LATE \(from"):
        load_panel(["AAA", "LATE"], start=nth_session(0))
    with pytest.raises(PriceDataError, match="too little history"):
        load_panel(["AAA"], min_bars=253)


@pytest.mark.django_db
def test_every_equity_leaves_incomplete_symbols_out_and_says_so():
    store_prices(["AAA", "BBB"], 50, skip=("BBB", 20))
    panel = load_panel(None, benchmark=None)
    assert panel.symbols == ("AAA",)
    assert any("BBB" in note for note in panel.notes)
    assert panel.start == nth_session(0) and panel.end == nth_session(49)
    assert isinstance(panel.start, dt.date)


@pytest.mark.django_db
def test_a_range_from_a_holiday_to_a_weekend_means_the_sessions_inside_it():
    """Given closes on every session, a start on a holiday and an end on a Sunday are not gaps."""
    bars = next(n for n in range(40, 50) if nth_session(n - 1).weekday() == 4)  # the last close on a Friday
    store_prices(["AAA", "BBB"], bars)
    first, last = nth_session(0), nth_session(bars - 1)
    new_years_day = dt.date(2015, 1, 1)  # the day before the first session
    sunday_after = last + dt.timedelta(days=2)

    panel = load_panel(["AAA", "BBB"], start=new_years_day, end=sunday_after, benchmark=None)

    assert (panel.start, panel.end, panel.bars) == (first, last, bars)

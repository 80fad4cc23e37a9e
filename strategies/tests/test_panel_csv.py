"""Price files the engine refuses, each with an error naming the rows or symbols (pure, no database)."""

import pytest

from strategies.panel import PriceDataError, panel_from_text

GOOD = """date,symbol,close
2024-01-02,AAA,10
2024-01-02,BBB,20
2024-01-02,SPX,4700
2024-01-03,AAA,11
2024-01-03,BBB,21
2024-01-03,SPX,4710
2024-01-04,AAA,12
2024-01-04,BBB,22
2024-01-04,SPX,4720
"""


def problems_of(text: str, **kwargs) -> tuple[str, list[str]]:
    with pytest.raises(PriceDataError) as caught:
        panel_from_text(text, **kwargs)
    return caught.value.code, caught.value.problems


def test_good_file_becomes_a_panel_with_the_benchmark_apart():
    panel = panel_from_text(GOOD, benchmark="SPX")
    assert panel.symbols == ("AAA", "BBB")
    assert panel.close.tolist() == [[10, 20], [11, 21], [12, 22]]
    assert panel.benchmark.tolist() == [4700, 4710, 4720]
    assert str(panel.start) == "2024-01-02" and panel.bars == 3


def test_without_benchmark_option_spx_is_just_another_symbol():
    assert panel_from_text(GOOD).symbols == ("AAA", "BBB", "SPX")


def test_gap_names_symbol_and_missing_date():
    text = GOOD.replace("2024-01-03,BBB,21\n", "")
    code, problems = problems_of(text, benchmark="SPX")
    assert code == "price_gaps"
    assert problems == ["symbol BBB: no price on 2024-01-03 (gap in the history)"]


def test_duplicate_names_both_lines():
    code, problems = problems_of(GOOD + "2024-01-03,AAA,11.5\n")
    assert code == "bad_prices"
    assert problems == ["line 11: duplicate price for AAA on 2024-01-03 (first on line 5)"]


@pytest.mark.parametrize("value", ["0", "-3", "abc", "nan", "inf"])
def test_non_positive_or_non_numeric_price_names_line(value):
    _, problems = problems_of(GOOD.replace("2024-01-04,AAA,12", f"2024-01-04,AAA,{value}"))
    assert len(problems) == 1 and problems[0].startswith("line 8: close")


def test_bad_date_and_empty_symbol_name_their_lines():
    _, problems = problems_of(
        GOOD.replace("2024-01-04,AAA,12", "04/01/2024,AAA,12").replace("2024-01-02,BBB", "2024-01-02,")
    )
    assert problems == ["line 3: symbol is empty", "line 8: date '04/01/2024' is not YYYY-MM-DD"]


def test_unknown_symbols_against_the_universe_and_the_known_list():
    _, problems = problems_of(GOOD, benchmark="SPX", universe=["AAA", "CCC"])
    assert problems == [
        "symbols of the universe without prices in the file: CCC",
        "unknown symbols (not in the strategy's universe): BBB",
    ]
    _, problems = problems_of(GOOD, benchmark="SPX", known_symbols={"AAA"})
    assert problems == ["unknown symbols: BBB"]


def test_too_little_history_for_the_lookback():
    code, problems = problems_of(GOOD, benchmark="SPX", min_bars=253)
    assert code == "too_little_history"
    assert problems == ["too little history: 3 dates, the lookback and warm-up need at least 253"]


def test_missing_columns_and_empty_file():
    _, problems = problems_of("day,ticker,price\n2024-01-02,AAA,1\n")
    assert "missing date, symbol, close" in problems[0]
    _, problems = problems_of("date,symbol,close\n")
    assert problems == ["the file has no prices"]


def test_error_message_lists_the_first_twenty_and_counts_the_rest():
    rows = "".join(f"2024-01-{d:02d},AAA,-1\n" for d in range(1, 31))
    with pytest.raises(PriceDataError) as caught:
        panel_from_text("date,symbol,close\n" + rows)
    assert len(caught.value.problems) == 30
    assert "(and 10 more)" in caught.value.message
    assert caught.value.fields == {"prices": caught.value.message}


def test_universe_orders_the_columns_and_sector_volume_columns_are_read():
    text = "date,symbol,close,volume,sector\n2024-01-02,BBB,2,100,Energy\n2024-01-02,AAA,1,,Tech\n"
    panel = panel_from_text(text, universe=["BBB", "AAA"])
    assert panel.symbols == ("BBB", "AAA")
    assert panel.sectors == ("Energy", "Tech")
    assert panel.volumes[0, 0] == 100

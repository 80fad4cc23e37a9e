"""The analytics command and its CSV reader: the JSON it prints, and a clear error for each bad file."""

import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reporting import metrics
from reporting.series_io import SeriesFileError, read_returns

DATA = Path(__file__).resolve().parents[2] / "marketdata" / "data"
REQUIRED = ["total_return", "cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "calmar"]
REQUIRED += ["var_95", "cvar_95"]
WITH_BENCHMARK = ["beta", "alpha", "tracking_error", "information_ratio"]


def run(*args) -> dict:
    out = io.StringIO()
    call_command("analytics", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write(tmp_path, name, text) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def real_files(tmp_path_factory):
    """KO closes and returns 2015-2022, and S&P 500 closes over 2016-2022 (fewer dates), as CSV files."""
    folder = tmp_path_factory.mktemp("analytics")
    closes = pd.read_csv(DATA / "sp500_dataset.csv.gz", index_col=0)["KO"].loc["2015-01-01":]
    index = pd.read_csv(DATA / "sp500_index.csv.gz", index_col=0).iloc[:, 0].loc["2016-01-01":]
    prices = folder / "ko_prices.csv"
    closes.rename("close").rename_axis("date").to_csv(prices)
    returns = folder / "ko_returns.csv"
    closes.pct_change().iloc[1:].rename("return").rename_axis("date").to_csv(returns)
    bench = folder / "spx.csv"
    index.rename("close").rename_axis("date").to_csv(bench)
    return {"prices": str(prices), "returns": str(returns), "benchmark": str(bench), "closes": closes, "index": index}


def test_json_has_the_required_measures_equal_to_summary(real_files):
    """--returns with --benchmark prints one JSON object holding at least the issue's keys, each equal to
    reporting.metrics.summary on the same data (benchmark aligned on the common dates)."""
    result = run("--returns", real_files["returns"], "--benchmark", real_files["benchmark"], "--risk-free", "0.02")
    for key in REQUIRED + WITH_BENCHMARK:
        assert isinstance(result[key], float), key
    closes, index = real_files["closes"], real_files["index"]
    r = closes.pct_change().iloc[1:]
    b = index.pct_change().iloc[1:]
    expected = metrics.summary(
        r.to_numpy(),
        b.to_numpy(),
        0.02,
        dates=pd.to_datetime(r.index).to_numpy().astype("datetime64[D]"),
        benchmark_dates=pd.to_datetime(b.index).to_numpy().astype("datetime64[D]"),
    )
    for key in REQUIRED + WITH_BENCHMARK:
        assert result[key] == pytest.approx(expected[key], rel=1e-12), key
    assert result["benchmark_observations"] == len(r.index.intersection(b.index))
    assert result["start"] == r.index[0] and result["end"] == r.index[-1]


def test_without_benchmark_there_are_no_benchmark_measures(real_files):
    """Only the series' own measures are printed when no benchmark is given."""
    result = run("--returns", real_files["returns"])
    assert set(REQUIRED) <= set(result)
    assert not set(WITH_BENCHMARK) & set(result)


def test_prices_give_the_same_answer_as_their_returns(real_files):
    """--prices date,close computes close/previous close - 1 and reports what --returns would."""
    from_prices = run("--prices", real_files["prices"])
    from_returns = run("--returns", real_files["returns"])
    assert from_prices.keys() == from_returns.keys()
    for key, value in from_returns.items():
        if isinstance(value, float):
            assert from_prices[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        else:
            assert from_prices[key] == value, key


def test_undefined_and_infinite_values_are_null(tmp_path):
    """A constant series: Calmar is NaN and Sharpe infinite; JSON gets null for both (and stays valid)."""
    rows = "\n".join(f"2024-01-{day:02d},0.001" for day in range(2, 12))
    result = run("--returns", write(tmp_path, "flat.csv", f"date,return\n{rows}\n"))
    assert result["calmar"] is None and result["sharpe"] is None
    assert result["annual_volatility"] == 0.0


def test_missing_returns_are_accepted_and_skipped(tmp_path):
    """An empty value or NaN in a returns file is a missing return, not an error."""
    path = write(tmp_path, "gaps.csv", "date,return\n2024-01-02,0.01\n2024-01-03,\n2024-01-04,NaN\n2024-01-05,-0.02\n")
    result = run("--returns", path)
    assert result["total_return"] == pytest.approx(1.01 * 0.98 - 1)
    assert result["observations"] == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("day,return\n2024-01-02,0.01\n", "line 1: header is `day,return`, expected `date,return`"),
        ("date,close\n2024-01-02,10\n", "line 1: header is `date,close`, expected `date,return`"),
        ("date,return\n", "no data rows"),
        ("date,return\n2024-01-02,0.01\n2024-13-03,0.01\n", "line 3: date '2024-13-03' is not an ISO date"),
        ("date,return\n2024-01-02,0.01\n2024-01-03,abc\n", "line 3: return 'abc' is not a number"),
        ("date,return\n2024-01-02,0.01\n2024-01-03,inf\n", "line 3: return 'inf' is not a finite number"),
        ("date,return\n2024-01-02,-1.2\n", "line 2: return -1.2 is below -1"),
        ("date,return\n2024-01-03,0.01\n2024-01-02,0.01\n", "line 3: date 2024-01-02 is not after 2024-01-03"),
        ("date,return\n2024-01-02,0.01\n2024-01-02,0.01\n", "line 3: date 2024-01-02 is not after"),
        ("date,return\n2024-01-02,0.01,7\n", "line 2: expected 2 fields"),
    ],
)
def test_bad_returns_file_is_a_command_error_with_the_line(tmp_path, text, message):
    """Each problem in a returns file stops the command with the file, the line and what is wrong."""
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(CommandError, match=re.escape(message)):
        run("--returns", path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,close\n2024-01-02,10\n2024-01-03,0\n", "line 3: close 0 is not a positive price"),
        ("date,close\n2024-01-02,10\n2024-01-03,\n", "line 3: close '' is not a number"),
        ("date,close\n2024-01-02,10\n", "at least two closes"),
    ],
)
def test_bad_prices_file_is_a_command_error(tmp_path, text, message):
    """Prices must be positive numbers on every row, and two of them are needed for a return."""
    with pytest.raises(CommandError, match=message):
        run("--prices", write(tmp_path, "bad.csv", text))


def test_missing_file_and_bad_benchmark_are_command_errors(tmp_path, real_files):
    """A file that does not exist, or a bad benchmark file, is named in the error."""
    with pytest.raises(CommandError, match=r"nope\.csv: no such file"):
        run("--returns", str(tmp_path / "nope.csv"))
    bench = write(tmp_path, "bench.csv", "date,price\n2024-01-02,1\n")
    with pytest.raises(CommandError, match=r"bench\.csv, line 1: header is `date,price`"):
        run("--returns", real_files["returns"], "--benchmark", bench)


def test_returns_and_prices_are_exclusive_and_one_is_required(real_files):
    """Exactly one source: both, or neither, is a usage error."""
    with pytest.raises(CommandError):
        run("--returns", real_files["returns"], "--prices", real_files["prices"])
    with pytest.raises(CommandError):
        run()


def test_impossible_risk_free_rate_is_a_command_error(real_files):
    """A risk-free rate of -100 % or below cannot be converted per day: a CommandError, not a traceback."""
    with pytest.raises(CommandError, match="above -1"):
        run("--returns", real_files["returns"], "--risk-free", "-1")


def test_text_output_lists_every_measure(real_files):
    """Without --json the command prints one `name  value` line per measure, n/a for undefined ones."""
    out = io.StringIO()
    call_command("analytics", "--returns", real_files["returns"], stdout=out)
    lines = out.getvalue().splitlines()
    names = [line.split()[0] for line in lines]
    assert names[:3] == ["start", "end", "risk_free"]
    assert set(REQUIRED) <= set(names)


def test_reader_accepts_a_byte_order_mark_and_blank_lines(tmp_path):
    """Spreadsheet exports: a UTF-8 BOM and blank lines do not break the reader; the header is case-blind."""
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffDate,Return\n\n2024-01-02,0.01\n\n2024-01-03,0.02\n", encoding="utf-8")
    series = read_returns(path)
    assert series.dates.tolist() == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    assert series.values.tolist() == [0.01, 0.02]


def test_reader_error_carries_the_line_number(tmp_path):
    """SeriesFileError exposes the line for callers that build their own messages (e.g. an upload form)."""
    path = write(tmp_path, "bad.csv", "date,return\n2024-01-02,0.01\n2024-01-03,x\n")
    with pytest.raises(SeriesFileError) as caught:
        read_returns(path)
    assert caught.value.line == 3

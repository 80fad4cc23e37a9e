"""Providers behind one interface, the real alpaca-py client against a loopback fake, and failover."""

import datetime as dt
from decimal import Decimal

import pytest

from marketdata.choices import BreakerState
from marketdata.models import DailyBar, ProviderStatus
from marketdata.providers.alpaca import AlpacaProvider
from marketdata.providers.base import (
    AllProvidersFailed,
    BarRow,
    CircuitOpenError,
    DailyBarProvider,
    ProviderError,
    TransientProviderError,
)
from marketdata.providers.bundled import BundledProvider
from marketdata.providers.chain import ProviderChain, default_chain
from marketdata.providers.csv_file import CsvFileProvider
from marketdata.providers.retry import RetryPolicy
from marketdata.selectors import provider_statuses
from marketdata.services import admit_provider_call, fetch_and_store_bars
from marketdata.tests.factories import InstrumentFactory
from marketdata.tests.fake_alpaca import FakeAlpaca, daily_bar

START, END = dt.date(2024, 1, 2), dt.date(2024, 1, 5)
SESSIONS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]


@pytest.fixture
def fake():
    server = FakeAlpaca(delay=0.5).start()
    for symbol, base in (("AAPL", 100.0), ("MSFT", 200.0)):
        server.bars[symbol] = [daily_bar(day, base, base + 2, base - 1, base + 1, 1000) for day in SESSIONS]
        server.adjusted[symbol] = [
            daily_bar(day, base / 2, base / 2, base / 2, (base + 1) / 2, 2000) for day in SESSIONS
        ]
    yield server
    server.stop()


def alpaca(fake, **options) -> AlpacaProvider:
    return AlpacaProvider(api_key="test-key", secret_key="test-secret", url_override=fake.url, **options)


class Sleeps(list):
    """Records the waits a retry policy asks for instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class Clock:
    def __init__(self):
        self.now = dt.datetime(2024, 1, 2, 15, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


class StubProvider:
    def __init__(self, name: str, *, fail_with: Exception | None = None):
        self.name = name
        self.fail_with = fail_with
        self.calls = 0

    def fetch_daily_bars(self, symbols, start, end):
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        return [BarRow(symbol=symbols[0], date=start, close=Decimal("10"), adj_close=Decimal("10"), source=self.name)]


def test_every_provider_meets_the_interface(tmp_path, fake):
    """Bundled, CSV and Alpaca providers are all DailyBarProviders, as is the chain."""
    providers = [
        BundledProvider(),
        CsvFileProvider(tmp_path / "x.csv"),
        alpaca(fake),
        ProviderChain([BundledProvider()]),
    ]

    assert all(isinstance(provider, DailyBarProvider) for provider in providers)


def test_alpaca_reads_paginated_multi_symbol_bars_raw_and_adjusted(fake):
    """Pages of 3 bars across two symbols are joined; close is as traded, adj_close from adjustment=all."""
    fake.page_size = 3

    rows = alpaca(fake).fetch_daily_bars(["MSFT", "AAPL"], START, END)

    assert [(row.symbol, row.date.isoformat()) for row in rows] == [
        *(("AAPL", day) for day in SESSIONS),
        *(("MSFT", day) for day in SESSIONS),
    ]
    first = rows[0]
    assert (first.open, first.high, first.low, first.close) == (
        Decimal("100.0"),
        Decimal("102.0"),
        Decimal("99.0"),
        Decimal("101.0"),
    )
    assert (first.adj_close, first.volume, first.source) == (Decimal("50.5"), 1000, "alpaca")
    bar_requests = [request for request in fake.requests if request["path"] == "/v2/stocks/bars"]
    assert len(bar_requests) == 6  # 8 bars in pages of 3, once raw and once adjusted
    assert {request["query"]["adjustment"][0] for request in bar_requests} == {"raw", "all"}
    assert bar_requests[0]["query"]["timeframe"] == ["1Day"]
    assert bar_requests[0]["headers"]["APCA-API-SECRET-KEY"] == "test-secret"


@pytest.mark.parametrize("fault", [429, 500, 503, "timeout", "drop"])
def test_alpaca_transient_faults_raise_transient_errors_without_the_sdk_retrying(fake, fault):
    """Rate limits, server errors, timeouts and dropped connections are transient; the SDK makes one try."""
    fake.fail_next(fault)

    with pytest.raises(TransientProviderError):
        alpaca(fake, timeout=0.2).fetch_daily_bars(["AAPL"], START, END)

    assert len(fake.requests) == 1


def test_alpaca_refused_credentials_are_not_transient(fake):
    """A 401 will not heal by retrying: a plain ProviderError, so the policy does not retry it."""
    provider = AlpacaProvider(api_key="wrong", secret_key="x", url_override=fake.url)

    with pytest.raises(ProviderError) as raised:
        provider.fetch_daily_bars(["AAPL"], START, END)

    assert not isinstance(raised.value, TransientProviderError)


def test_alpaca_without_credentials_is_a_provider_error():
    """An unconfigured Alpaca fails like a provider (so a chain moves on), not with a crash."""
    with pytest.raises(ProviderError):
        AlpacaProvider(api_key="", secret_key="")


def test_retry_policy_backs_off_with_full_jitter_and_gives_up():
    """Transient errors are retried attempts-1 times, each wait within [0, min(cap, base * 2**n)]."""
    sleeps = Sleeps()
    stub = StubProvider("flaky", fail_with=TransientProviderError("busy"))
    policy = RetryPolicy(attempts=4, base_seconds=1.0, max_seconds=3.0, sleep=sleeps)

    with pytest.raises(TransientProviderError):
        policy.run(lambda: stub.fetch_daily_bars(["X"], START, END))

    assert stub.calls == 4
    assert len(sleeps) == 3
    assert all(0 <= wait <= cap for wait, cap in zip(sleeps, (1.0, 2.0, 3.0), strict=True))


def test_retry_policy_does_not_retry_permanent_errors():
    """A non-transient error is raised at once."""
    sleeps = Sleeps()
    stub = StubProvider("broken", fail_with=ProviderError("bad request"))

    with pytest.raises(ProviderError):
        RetryPolicy(attempts=4, sleep=sleeps).run(lambda: stub.fetch_daily_bars(["X"], START, END))

    assert (stub.calls, sleeps) == (1, [])


@pytest.mark.django_db
def test_chain_fails_over_opens_the_breaker_then_half_opens_and_closes(fake):
    """Alpaca down: the bundled provider answers; after 2 failures Alpaca's breaker opens and it is not
    called; once the reset timeout passes one trial call goes through and its success closes the breaker."""
    clock = Clock()
    sleeps = Sleeps()
    backup = StubProvider("backup")
    chain = ProviderChain(
        [alpaca(fake), backup],
        retry=RetryPolicy(attempts=2, sleep=sleeps),
        failure_threshold=2,
        reset_timeout=dt.timedelta(minutes=5),
        clock=clock,
    )

    for _ in range(2):
        fake.fail_next(500, 500)
        assert chain.fetch_daily_bars(["AAPL"], START, END)[0].source == "backup"
        assert chain.last_provider == "backup"
    status = ProviderStatus.objects.get(name="alpaca")
    assert (status.state, status.consecutive_failures) == (BreakerState.OPEN, 2)
    assert status.last_error_class == "marketdata.providers.base.TransientProviderError"
    assert len(sleeps) == 2  # one backoff per failed call, never a real sleep

    requests_before = len(fake.requests)
    clock.now += dt.timedelta(minutes=4)
    chain.fetch_daily_bars(["AAPL"], START, END)
    assert len(fake.requests) == requests_before  # open: Alpaca not called at all

    clock.now += dt.timedelta(minutes=2)
    rows = chain.fetch_daily_bars(["AAPL"], START, END)

    assert rows[0].source == "alpaca"
    status.refresh_from_db()
    assert (status.state, status.consecutive_failures, status.last_success_at) == (BreakerState.CLOSED, 0, clock.now)


@pytest.mark.django_db
def test_a_failed_trial_call_reopens_the_breaker():
    """Half-open allows one trial; if it fails the breaker opens again for another full timeout."""
    clock = Clock()
    down = StubProvider("down", fail_with=ProviderError("still down"))
    chain = ProviderChain(
        [down, StubProvider("backup")],
        retry=RetryPolicy(attempts=1),
        failure_threshold=1,
        reset_timeout=dt.timedelta(minutes=5),
        clock=clock,
    )
    chain.fetch_daily_bars(["X"], START, END)
    clock.now += dt.timedelta(minutes=6)

    chain.fetch_daily_bars(["X"], START, END)

    status = ProviderStatus.objects.get(name="down")
    assert (status.state, status.opened_at, down.calls) == (BreakerState.OPEN, clock.now, 2)


@pytest.mark.django_db
def test_chain_reports_every_failure_when_no_provider_answers():
    """With all providers failing the chain raises AllProvidersFailed naming each one's error."""
    chain = ProviderChain(
        [StubProvider("a", fail_with=ProviderError("x")), StubProvider("b", fail_with=CircuitOpenError("y"))],
        retry=RetryPolicy(attempts=1),
    )

    with pytest.raises(AllProvidersFailed) as raised:
        chain.fetch_daily_bars(["X"], START, END)

    assert set(raised.value.failures) == {"a", "b"}


def test_bundled_provider_serves_the_shipped_data():
    """The offline provider returns the real bars of the symbols and dates asked for."""
    rows = BundledProvider(datasets=["index"]).fetch_daily_bars(["SPX"], dt.date(1990, 1, 2), dt.date(1990, 1, 4))

    assert [(row.date.isoformat(), row.close) for row in rows] == [
        ("1990-01-02", Decimal("359.69")),
        ("1990-01-03", Decimal("358.76")),
        ("1990-01-04", Decimal("355.67")),
    ]


def test_csv_provider_filters_a_valid_file_and_refuses_a_bad_one(tmp_path):
    """A good file answers the range asked for; a file with a bad line is a ProviderError."""
    good = tmp_path / "good.csv"
    good.write_text("date,symbol,open,high,low,close,volume\n2024-01-02,AAPL,1,2,1,2,10\n2024-01-03,AAPL,2,3,2,3,10\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,symbol,open,high,low,close,volume\n2024-01-06,AAPL,1,2,1,2,10\n")

    rows = CsvFileProvider(good).fetch_daily_bars(["AAPL"], START, START)

    assert [(row.date, row.close, row.source) for row in rows] == [(START, Decimal("2"), "csv")]
    with pytest.raises(ProviderError, match="not a NYSE trading session"):
        CsvFileProvider(bad).fetch_daily_bars(["AAPL"], START, END)


@pytest.mark.django_db
def test_fetch_and_store_bars_upserts_what_the_provider_returns(fake):
    """Bars fetched through a provider are stored (replacing a stale bar of the same day) with their source."""
    aapl = InstrumentFactory(symbol="AAPL")
    InstrumentFactory(symbol="MSFT")
    stale = DailyBar.objects.create(instrument=aapl, date=START, close=Decimal("1"), adj_close=Decimal("1"))

    summary = fetch_and_store_bars(provider=alpaca(fake), symbols=["AAPL", "MSFT"], start=START, end=END)

    assert summary.bars_stored == 8
    stale.refresh_from_db()
    assert (stale.close, stale.adj_close, stale.source) == (Decimal("101.000000"), Decimal("50.500000"), "alpaca")


def test_default_chain_uses_alpaca_only_when_configured(settings):
    """Without keys the chain is the bundled data alone; with keys Alpaca comes first."""
    settings.ALPACA_API_KEY = settings.ALPACA_SECRET_KEY = ""
    offline = default_chain()
    settings.ALPACA_API_KEY, settings.ALPACA_SECRET_KEY = "key", "secret"
    settings.ALPACA_DATA_URL = "http://127.0.0.1:9"

    online = default_chain()

    assert [provider.name for provider in offline.providers] == ["bundled"]
    assert [provider.name for provider in online.providers] == ["alpaca", "bundled"]


@pytest.mark.django_db
def test_provider_statuses_lists_every_breaker_by_name():
    """The selector behind the operators' dashboard shows each provider's breaker, alphabetically."""
    ProviderStatus.objects.create(name="bundled")
    ProviderStatus.objects.create(name="alpaca", state=BreakerState.OPEN)

    assert [(status.name, status.state) for status in provider_statuses()] == [
        ("alpaca", BreakerState.OPEN),
        ("bundled", BreakerState.CLOSED),
    ]


@pytest.mark.django_db
def test_half_open_admits_one_trial_at_a_time():
    """While a trial call is in flight other callers are refused; a trial that never reports back is
    given up after another reset timeout."""
    clock = Clock()
    status = ProviderStatus.objects.create(
        name="alpaca", state=BreakerState.OPEN, opened_at=clock.now - dt.timedelta(minutes=10)
    )
    timeout = dt.timedelta(minutes=5)

    first = admit_provider_call(name="alpaca", now=clock.now, reset_timeout=timeout)
    second = admit_provider_call(name="alpaca", now=clock.now + dt.timedelta(minutes=1), reset_timeout=timeout)
    after_lost_trial = admit_provider_call(name="alpaca", now=clock.now + timeout, reset_timeout=timeout)

    status.refresh_from_db()
    assert (first, second, after_lost_trial) == (True, False, True)
    assert (status.state, status.opened_at) == (BreakerState.HALF_OPEN, clock.now + timeout)

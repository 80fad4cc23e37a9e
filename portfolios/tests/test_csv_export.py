"""CSV exports of an account: holdings valued like the account page, the ledger in the import's
format (so an export imports into another account), streamed as dated attachments, scoped."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import ClientUserFactory
from marketdata.tests.factories import DailyBarFactory, InstrumentFactory
from portfolios.csv_export import HOLDING_COLUMNS, TRANSACTION_COLUMNS
from portfolios.csv_format import COLUMNS
from portfolios.errors import PortfoliosError
from portfolios.services.imports import import_transactions_csv
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from portfolios.tests.ledger_support import SESSIONS, account_of, buy, cash_of, deposit, position_of, record, sell
from portfolios.tests.ledger_support import snapshot as ledger_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(advisor):
    return account_of(advisor)


@pytest.fixture
def acme(db):
    instrument = InstrumentFactory(symbol="ACME", name="Acme Corp", sector="Industrials")
    DailyBarFactory(instrument=instrument, date=SESSIONS[5], close=Decimal("12.5"))
    return instrument


@pytest.fixture
def bolt(db):
    instrument = InstrumentFactory(symbol="BOLT", name="Bolt Inc", sector="Utilities")
    DailyBarFactory(instrument=instrument, date=SESSIONS[5], close=Decimal("40"))
    return instrument


@pytest.fixture
def ledger(account, acme, bolt):
    """A small history: cash in, two buys, a partial sell, a dividend, a fee, a withdrawal."""
    deposit(account, "10000", SESSIONS[0])
    buy(account, acme, "100", "10.25", SESSIONS[1], fees="1", external_id="f-1")
    buy(account, bolt, "2.5", "38", SESSIONS[1])
    sell(account, acme, "40", "11", SESSIONS[2], fees="1")
    record(account, "dividend", SESSIONS[3], instrument=acme, amount=Decimal("6.00"), description="Q1")
    record(account, "fee", SESSIONS[3], amount=Decimal("20"))
    record(account, "withdrawal", SESSIONS[4], amount=Decimal("100"))
    return account


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def url(name: str, account) -> str:
    return reverse(f"portfolios:account-{name}", kwargs={"pk": account.pk})


def test_transactions_export_is_the_ledger_in_import_format(client, advisor, ledger):
    """One row per transaction in ledger order; amounts are the signed effect on cash."""
    client.force_login(advisor)

    rows = read_csv(client.get(url("transactions-csv", ledger)))

    assert rows[0] == list(TRANSACTION_COLUMNS)
    assert rows[0][: len(COLUMNS)] == list(COLUMNS)
    body = [row[:9] for row in rows[1:]]
    d = [day.isoformat() for day in SESSIONS]
    assert body == [
        [d[0], "deposit", "", "", "", "", "10000.00", "", ""],
        [d[1], "buy", "ACME", "100", "10.25", "1.00", "-1026.00", "", "f-1"],
        [d[1], "buy", "BOLT", "2.5", "38", "", "-95.00", "", ""],
        [d[2], "sell", "ACME", "40", "11", "1.00", "439.00", "", ""],
        [d[3], "dividend", "ACME", "", "", "", "6.00", "Q1", ""],
        [d[3], "fee", "", "", "", "", "-20.00", "", ""],
        [d[4], "withdrawal", "", "", "", "", "-100.00", "", ""],
    ]


def test_exports_are_dated_attachments(client, advisor, account):
    """Both downloads are CSV attachments named with the account id and today's date."""
    client.force_login(advisor)
    today = timezone.localdate().isoformat()

    for name, what in (("transactions-csv", "transactions"), ("holdings-csv", "holdings")):
        response = client.get(url(name, account))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        expected = f'attachment; filename="account-{account.pk}-{what}-{today}.csv"'
        assert response["Content-Disposition"] == expected


def test_exported_transactions_import_into_another_account(client, advisor, ledger, acme, bolt):
    """The export is a valid import file: a fresh account fed with it ends with the same cash and positions."""
    client.force_login(advisor)
    exported = b"".join(client.get(url("transactions-csv", ledger)).streaming_content)
    copy = account_of(advisor)

    result = import_transactions_csv(
        account=copy, file=SimpleUploadedFile("export.csv", exported, content_type="text/csv"), actor=advisor
    )

    assert result.row_count == 7
    assert cash_of(copy) == cash_of(ledger)
    for instrument in (acme, bolt):
        assert position_of(copy, instrument).quantity == position_of(ledger, instrument).quantity
        assert position_of(copy, instrument).cost_basis == position_of(ledger, instrument).cost_basis


def test_splits_export_their_ratio_and_are_refused_on_import(client, advisor, account, acme):
    """A split row carries its ratio in the export-only column; importing it back is refused by line, not lost."""
    deposit(account, "1000", SESSIONS[0])
    buy(account, acme, "10", "10", SESSIONS[1])
    record(account, "split", SESSIONS[2], instrument=acme, split_numerator=2, split_denominator=1)
    client.force_login(advisor)
    exported = b"".join(client.get(url("transactions-csv", account)).streaming_content)
    split_row = list(csv.reader(io.StringIO(exported.decode())))[3]
    copy = account_of(advisor)
    before = ledger_snapshot(copy)

    with pytest.raises(PortfoliosError) as caught:
        import_transactions_csv(account=copy, file=SimpleUploadedFile("e.csv", exported), actor=advisor)

    assert split_row[1] == "split"
    assert split_row[TRANSACTION_COLUMNS.index("split_ratio")] == "2:1"
    assert caught.value.fields["rows"] == [
        {"line": 4, "column": "kind", "message": "A split cannot be imported from CSV; record it on the account page."}
    ]
    assert ledger_snapshot(copy) == before


def test_holdings_export_values_positions_and_cash(client, advisor, ledger):
    """Each open position at its last close with cost, gain and weight, then the cash; weights sum to one."""
    client.force_login(advisor)

    rows = read_csv(client.get(url("holdings-csv", ledger)))

    assert rows[0] == list(HOLDING_COLUMNS)
    by_symbol = {row[0]: dict(zip(HOLDING_COLUMNS, row, strict=True)) for row in rows[1:]}
    acme = by_symbol["ACME"]
    assert (acme["name"], acme["sector"], acme["quantity"], acme["price"]) == ("Acme Corp", "Industrials", "60", "12.5")
    assert acme["price_date"] == SESSIONS[5].isoformat()
    assert acme["market_value"] == "750.00"
    assert acme["cost_basis"] == "615.60"
    assert acme["unrealized_gain"] == "134.40"
    assert by_symbol["BOLT"]["market_value"] == "100.00"
    cash = by_symbol[""]
    assert (cash["name"], cash["market_value"]) == ("Cash", str(cash_of(ledger)))
    total = sum(Decimal(row["weight"]) for row in by_symbol.values())
    assert abs(total - 1) < Decimal("0.00001")
    assert [row[0] for row in rows[1:]] == ["ACME", "BOLT", ""]


def test_holdings_export_costs_the_same_queries_for_many_positions(client, advisor, account):
    """The holdings file reads positions and closes in bulk: 3 positions or 30 cost the same queries."""
    client.force_login(advisor)
    deposit(account, "1000000", SESSIONS[0])

    def add_positions(count: int) -> int:
        for _ in range(count):
            instrument = InstrumentFactory()
            DailyBarFactory(instrument=instrument, date=SESSIONS[1])
            buy(account, instrument, "1", "10", SESSIONS[1])
        with CaptureQueriesContext(connection) as queries:
            read_csv(client.get(url("holdings-csv", account)))
        return len(queries)

    assert add_positions(3) == add_positions(27)


def test_a_client_exports_their_own_account(client, firm, advisor):
    """Exports need only sight of the account: a client downloads their own account's files."""
    user = ClientUserFactory(firm=firm)
    own = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor), user=user))
    client.force_login(user)

    for name in ("holdings-csv", "transactions-csv"):
        assert client.get(url(name, own)).status_code == 200


def test_compliance_exports_but_outsiders_get_404(client, compliance_officer, other_advisor, ledger):
    """Compliance reads any account of the firm; an advisor outside the book gets a 404 with no file."""
    client.force_login(compliance_officer)
    assert len(read_csv(client.get(url("transactions-csv", ledger)))) == 8

    client.force_login(other_advisor)
    assert client.get(url("transactions-csv", ledger)).status_code == 404
    assert client.get(url("holdings-csv", ledger)).status_code == 404


def test_api_holdings_csv_answers_a_csv_request(client, advisor, ledger):
    """The API download honours ``Accept: text/csv`` and sends the same file as the page."""
    token = RefreshToken.for_user(advisor).access_token
    api_url = reverse("api:account-holdings-csv", kwargs={"account_pk": ledger.pk})

    response = client.get(api_url, HTTP_ACCEPT="text/csv", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    rows = read_csv(response)
    assert rows[0] == list(HOLDING_COLUMNS)
    assert [row[0] for row in rows[1:]] == ["ACME", "BOLT", ""]


def test_api_holdings_csv_outside_scope_is_a_json_404(client, other_advisor, ledger):
    """Outside the caller's scope the API answers its usual JSON 404, even to a CSV request."""
    token = RefreshToken.for_user(other_advisor).access_token
    api_url = reverse("api:account-holdings-csv", kwargs={"account_pk": ledger.pk})

    response = client.get(api_url, HTTP_ACCEPT="text/csv", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"

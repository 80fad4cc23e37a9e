"""CSV import of transactions: the report of every bad row by line and column, all-or-nothing
recording through the ledger, refusal of repeated files and ids, the page, the API and the command."""

import csv
import hashlib
import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import AdvisorFactory
from compliance.models import AuditEvent
from marketdata.tests.factories import InstrumentFactory
from portfolios.choices import TransactionKind
from portfolios.csv_format import COLUMNS, MAX_ROWS, template_csv
from portfolios.csv_import import decode, parse_transactions
from portfolios.errors import PortfoliosError
from portfolios.models import Transaction
from portfolios.services.imports import IMPORTED_ACTION, import_transactions_csv
from portfolios.tests.ledger_support import (
    GOOD_FRIDAY,
    SATURDAY,
    SESSIONS,
    account_of,
    cash_of,
    position_of,
    record,
    snapshot,
)

pytestmark = pytest.mark.django_db

D1, D2, D3, D4 = (day.isoformat() for day in SESSIONS[:4])


@pytest.fixture
def account(advisor):
    return account_of(advisor)


@pytest.fixture
def acme(db):
    return InstrumentFactory(symbol="ACME")


@pytest.fixture
def bolt(db):
    return InstrumentFactory(symbol="BOLT")


def csv_text(rows, header=COLUMNS) -> str:
    """A CSV file with ``header`` and ``rows`` given as dicts (missing columns empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def upload(text: str, name: str = "transactions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def good_rows():
    return [
        {"date": D1, "kind": "deposit", "amount": "10000.00", "external_id": "bank-1"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "10", "price": "100.50", "fees": "1.00"},
        {"date": D2, "kind": "buy", "symbol": "bolt", "quantity": "2.5", "price": "40", "external_id": "fill-2"},
        {"date": D3, "kind": "sell", "symbol": "ACME", "quantity": "4", "price": "110", "fees": "1"},
        {"date": D4, "kind": "dividend", "symbol": "ACME", "amount": "3.60", "description": "Q1 dividend"},
        {"date": D4, "kind": "fee", "amount": "-25", "description": "Advisory fee"},
    ]


def problems_of(text: str, account) -> list[tuple[int, str, str]]:
    parsed = parse_transactions(text, account=account)
    return [(error.line, error.column, error.message) for error in parsed.errors]


def only_problem(text: str, account) -> tuple[int, str, str]:
    problems = problems_of(text, account)
    assert len(problems) == 1, problems
    return problems[0]


def refused_import(account, text: str, *, code: str = "invalid_rows", actor=None) -> PortfoliosError:
    """Import ``text`` expecting a refusal with ``code``; assert the ledger wrote nothing."""
    before = snapshot(account)
    count = Transaction.objects.count()
    with pytest.raises(PortfoliosError) as caught:
        import_transactions_csv(account=account, file=upload(text), actor=actor)
    assert caught.value.code == code, caught.value.fields
    assert snapshot(account) == before
    assert Transaction.objects.count() == count
    return caught.value


# --- Parsing and validation --------------------------------------------------------------


def test_valid_file_becomes_ledger_rows(account, acme, bolt):
    """Every column is parsed to its type, symbols resolve case-insensitively, cash kinds carry a
    positive amount whatever the sign written, and each row keeps its line number."""
    parsed = parse_transactions(csv_text(good_rows()), account=account)

    assert parsed.errors == []
    assert [row.line for row in parsed.rows] == [2, 3, 4, 5, 6, 7]
    buy = parsed.rows[2].as_kwargs()
    assert buy["instrument"] == bolt
    assert buy["quantity"] == Decimal("2.5")
    assert buy["price"] == Decimal("40")
    assert buy["trade_date"] == SESSIONS[1]
    assert buy["external_id"] == "fill-2"
    assert buy["amount"] is None
    assert parsed.rows[0].amount == Decimal("10000.00")
    assert parsed.rows[5].amount == Decimal("25")
    assert parsed.rows[5].instrument is None


def test_columns_may_come_in_any_order(account, acme):
    """The header decides which value is which: a reordered file reads the same rows."""
    header = tuple(reversed(COLUMNS))
    rows = [{"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "3", "price": "2", "description": "x"}]

    parsed = parse_transactions(csv_text(rows, header=header), account=account)

    assert parsed.errors == []
    assert (parsed.rows[0].quantity, parsed.rows[0].price, parsed.rows[0].description) == (3, 2, "x")


def test_bom_is_stripped_and_line_numbers_count_blank_lines(account, acme):
    """A UTF-8 BOM does not corrupt the first column's name, and blank lines still count as lines."""
    text = csv_text([{"date": D1, "kind": "deposit", "amount": "5"}]) + "\n\n"
    text += f"{D2},buy,NOPE,1,2,,,,\n"
    decoded, problem = decode(("\ufeff" + text).encode("utf-8"))

    assert problem is None
    assert only_problem(decoded, account) == (5, "symbol", "Unknown symbol “NOPE”.")


def test_a_row_with_the_wrong_number_of_values_is_reported(account):
    """A row cut short (or with a stray comma) is named by line instead of shifting values into other columns."""
    text = csv_text([{"date": D1, "kind": "deposit", "amount": "5"}]) + f"{D2},deposit,5\n"

    assert only_problem(text, account) == (3, "", "The row has 3 values; the header has 9 columns.")


def test_header_must_name_every_column_once(account):
    """Missing, unknown and repeated columns are reported on line 1 by name, and no row is read."""
    header = ("date", "kind", "symbol", "qty", "price", "fees", "amount", "description", "kind")

    problems = problems_of(csv_text([{"date": D1, "kind": "deposit"}], header=header), account)

    assert problems == [
        (1, "qty", "Unknown column “qty”; the columns are: " + ", ".join(COLUMNS) + "."),
        (1, "kind", "This column appears more than once."),
        (1, "quantity", "This column is missing from the header."),
        (1, "external_id", "This column is missing from the header."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (1, "", "The file is empty: it needs a header row and transactions.")),
        (",".join(COLUMNS) + "\n\n", (1, "", "The file has a header but no transactions.")),
    ],
    ids=["empty", "header-only"],
)
def test_a_file_without_transactions_is_refused(account, text, expected):
    """An empty file or a bare header is a problem, not a successful import of nothing."""
    assert only_problem(text, account) == expected


def test_non_utf8_file_is_refused_with_its_line():
    """Latin-1 bytes are reported with the line they are on and the fix."""
    _, problem = decode(b"date,kind\n2021-01-04,d\xe9p\xf4t\n")

    assert (problem.line, problem.message) == (2, "The file is not UTF-8 text; save it as “CSV UTF-8”.")


# Each bad row of the list (and a few more), alone in a file after a valid deposit:
# the column and the reason reported for its line.
BAD_ROWS = {
    "zero quantity": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "0", "price": "10"},
        ("quantity", "The quantity must be greater than zero."),
    ),
    "negative quantity": (
        {"date": D2, "kind": "sell", "symbol": "ACME", "quantity": "-3", "price": "10"},
        ("quantity", "The quantity must be greater than zero."),
    ),
    "missing quantity": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "price": "10"},
        ("quantity", "Give the quantity."),
    ),
    "zero price": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "0"},
        ("price", "The price must be greater than zero."),
    ),
    "negative price": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "-5.5"},
        ("price", "The price must be greater than zero."),
    ),
    "unknown symbol": (
        {"date": D2, "kind": "buy", "symbol": "ZZZZ", "quantity": "1", "price": "10"},
        ("symbol", "Unknown symbol “ZZZZ”."),
    ),
    "saturday trade": (
        {"date": SATURDAY.isoformat(), "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "10"},
        ("date", "2022-03-05 is not a NYSE trading session (weekend or market holiday)."),
    ),
    "good friday trade": (
        {"date": GOOD_FRIDAY.isoformat(), "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "10"},
        ("date", "2022-04-15 is not a NYSE trading session (weekend or market holiday)."),
    ),
    "future date": (
        {"date": "2999-01-04", "kind": "deposit", "amount": "10"},
        ("date", "The date is in the future."),
    ),
    "not a date": (
        {"date": "04/01/2021", "kind": "deposit", "amount": "10"},
        ("date", "“04/01/2021” is not a date; write YYYY-MM-DD."),
    ),
    "iso week date": (
        {"date": "2021-W01-1", "kind": "deposit", "amount": "10"},
        ("date", "“2021-W01-1” is not a date; write YYYY-MM-DD."),
    ),
    "unknown kind": (
        {"date": D2, "kind": "gift", "amount": "10"},
        ("kind", "“gift” is not a kind; use one of: " + ", ".join(TransactionKind.values) + "."),
    ),
    "split": (
        {"date": D2, "kind": "split", "symbol": "ACME"},
        ("kind", "A split cannot be imported from CSV; record it on the account page."),
    ),
    "thousands separator": (
        {"date": D2, "kind": "deposit", "amount": "1,000"},
        ("amount", "“1,000” is not a number; use digits and a decimal point, no thousands separators."),
    ),
    "sub-cent amount": (
        {"date": D2, "kind": "deposit", "amount": "10.005"},
        ("amount", "Amount has more than 2 decimal places."),
    ),
    "nan price": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "NaN"},
        ("price", "“NaN” is not a number."),
    ),
    "negative deposit": (
        {"date": D2, "kind": "deposit", "amount": "-10"},
        ("amount", "A deposit adds cash; write the amount without a minus sign."),
    ),
    "zero withdrawal": (
        {"date": D2, "kind": "withdrawal", "amount": "0"},
        ("amount", "The amount must not be zero."),
    ),
    "symbol on a deposit": (
        {"date": D2, "kind": "deposit", "symbol": "ACME", "amount": "10"},
        ("symbol", "A deposit has no symbol; leave it empty."),
    ),
    "negative fees": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "10", "fees": "-1"},
        ("fees", "Fees cannot be negative."),
    ),
    "trade amount disagrees": (
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "2", "price": "10", "fees": "1", "amount": "-20"},
        ("amount", "The amount -20 disagrees with quantity, price and fees (-21.00)."),
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_each_bad_row_is_reported_with_its_line_and_column(account, acme, case):
    """Every kind of bad input names line 3 (header 1, a valid deposit 2), the column and the reason."""
    row, (column, message) = BAD_ROWS[case]
    text = csv_text([{"date": D1, "kind": "deposit", "amount": "100"}, row])

    assert only_problem(text, account) == (3, column, message)


def test_a_trade_amount_that_matches_is_accepted(account, acme):
    """A broker file may carry the cash effect of trades; when it agrees it is accepted, as exported."""
    rows = [
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "2", "price": "10", "fees": "1", "amount": "-21.00"},
        {"date": D3, "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "12", "fees": "1", "amount": "11"},
    ]

    assert problems_of(csv_text(rows), account) == []


def test_every_problem_of_every_row_is_listed_in_line_order(account, acme):
    """One upload shows the whole list of fixes, not just the first, ordered by line then column."""
    rows = [
        {"date": "yesterday", "kind": "buy", "symbol": "NOPE", "quantity": "-1", "price": "0"},
        {"date": D2, "kind": "deposit", "amount": "50"},
        {"date": SATURDAY.isoformat(), "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "1"},
    ]

    problems = [(line, column) for line, column, _ in problems_of(csv_text(rows), account)]

    assert problems == [(2, "date"), (2, "symbol"), (2, "quantity"), (2, "price"), (4, "date")]


def test_rows_repeated_within_the_file_are_refused(account):
    """A repeated external id, or an identical row without one, is reported against the first line."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "100", "external_id": "x-1"},
        {"date": D2, "kind": "deposit", "amount": "200", "external_id": "x-1"},
        {"date": D2, "kind": "interest", "amount": "1.25"},
        {"date": D2, "kind": "interest", "amount": "1.25"},
    ]

    assert problems_of(csv_text(rows), account) == [
        (3, "external_id", "External id “x-1” repeats line 2."),
        (
            5,
            "",
            "This row repeats line 4 exactly; if both are real, give each a distinct external_id.",
        ),
    ]


def test_external_ids_already_in_the_account_are_refused(account, advisor):
    """A row whose external id the account already holds was imported before; another account's ids do not count."""
    record(account, "deposit", SESSIONS[0], amount=Decimal("100"), external_id="bank-1")
    record(account_of(advisor), "deposit", SESSIONS[0], amount=Decimal("5"), external_id="bank-2")
    rows = [
        {"date": D2, "kind": "deposit", "amount": "100", "external_id": "bank-1"},
        {"date": D2, "kind": "deposit", "amount": "100", "external_id": "bank-2"},
    ]

    assert problems_of(csv_text(rows), account) == [
        (2, "external_id", "External id “bank-1” is already in this account: this row was imported before."),
    ]


def test_too_many_rows_are_refused_before_any_query(account):
    """A file over the row limit stops at the limit with one problem and asks nothing of the database."""
    rows = [{"date": D1, "kind": "deposit", "amount": "1", "external_id": f"r{n}"} for n in range(MAX_ROWS + 1)]

    with CaptureQueriesContext(connection) as queries:
        problems = problems_of(csv_text(rows), account)

    assert problems == [(MAX_ROWS + 2, "", f"The file has more than {MAX_ROWS:,} rows; split it.")]
    assert len(queries) == 0


def ten_thousand_rows() -> list[dict]:
    rows = [{"date": D1, "kind": "deposit", "amount": "1000000", "external_id": "dep"}]
    for n in range(9_999):
        symbol = ("ACME", "BOLT")[n % 2]
        day = SESSIONS[1 + n % 200].isoformat()
        rows.append(
            {"date": day, "kind": "buy", "symbol": symbol, "quantity": "1.5", "price": "10.25", "external_id": f"f{n}"}
        )
    return rows


def test_ten_thousand_rows_validate_in_two_queries(account, acme, bolt):
    """Symbols and existing external ids are each fetched once for the whole file, whatever its length."""
    text = csv_text(ten_thousand_rows())

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        parsed = parse_transactions(text, account=account)
        elapsed = time.perf_counter() - started

    assert parsed.errors == []
    assert len(parsed.rows) == 10_000
    assert len(queries) == 2
    # Generous for a shared machine; measured at about a quarter of a second.
    assert elapsed < 3


def test_template_csv_is_a_valid_file(account):
    """The downloadable template passes validation once its symbol exists."""
    InstrumentFactory(symbol="AAPL")

    assert problems_of(template_csv(), account) == []


# --- The import service -------------------------------------------------------------------


def test_import_records_every_row_and_audits_the_file(account, advisor, acme, bolt):
    """A valid file is recorded through the ledger (cash, positions) and audited with name, rows and hash."""
    text = csv_text(good_rows())

    result = import_transactions_csv(account=account, file=upload(text, "broker.csv"), actor=advisor)

    assert result.row_count == 6
    assert result.kinds == {"buy": 2, "deposit": 1, "dividend": 1, "fee": 1, "sell": 1}
    assert Transaction.objects.filter(account=account).count() == 6
    # 10000 - (1005 + 1) - 100 + (440 - 1) + 3.60 - 25
    assert cash_of(account) == Decimal("9311.60")
    assert position_of(account, acme).quantity == Decimal("6")
    assert position_of(account, bolt).quantity == Decimal("2.5")
    event = AuditEvent.objects.get(action=IMPORTED_ACTION)
    assert event.actor == advisor
    assert event.object_id == str(account.pk)
    assert event.metadata == {
        "file_name": "broker.csv",
        "rows": 6,
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "kinds": result.kinds,
    }


def test_rows_are_recorded_in_date_order(account, advisor, acme):
    """A file listing a sell before the buy it closes (by date later) records fine: rows go in date order."""
    rows = [
        {"date": D3, "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "12"},
        {"date": D1, "kind": "deposit", "amount": "100"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "2", "price": "10"},
    ]

    import_transactions_csv(account=account, file=upload(csv_text(rows)), actor=advisor)

    kinds = list(Transaction.objects.filter(account=account).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["deposit", "buy", "sell"]
    assert position_of(account, acme).quantity == Decimal("1")


def test_sell_beyond_holdings_is_reported_by_line_and_nothing_is_recorded(account, advisor, acme):
    """The ledger's refusal (more sold than held) comes back with the file's line, and no row is kept."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "1000"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "5", "price": "10"},
        {"date": D3, "kind": "sell", "symbol": "ACME", "quantity": "7", "price": "10"},
    ]

    error = refused_import(account, csv_text(rows), actor=advisor)

    rows_reported = error.fields["rows"]
    assert [(row["line"], row["column"]) for row in rows_reported] == [(4, "quantity")]
    assert "5" in rows_reported[0]["message"]
    assert error.message == "1 line has problems; nothing was imported."


def test_a_buy_without_the_cash_for_it_is_reported_by_line(account, advisor, acme):
    """Cash that would go negative is the ledger's rule; its report names the line of the buy."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "10"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "5", "price": "10"},
    ]

    error = refused_import(account, csv_text(rows), actor=advisor)

    assert [(row["line"], row["column"]) for row in error.fields["rows"]] == [(3, "quantity")]


def test_one_bad_row_among_good_ones_records_nothing(account, advisor, acme):
    """A file with any bad row imports nothing: the good rows before it are not kept."""
    rows = [*good_rows()[:2], {"date": D3, "kind": "buy", "symbol": "NOPE", "quantity": "1", "price": "1"}]
    InstrumentFactory(symbol="BOLT")

    error = refused_import(account, csv_text(rows), actor=advisor)

    assert error.fields["rows"] == [{"line": 4, "column": "symbol", "message": "Unknown symbol “NOPE”."}]


def test_the_same_file_imported_twice_is_refused(account, advisor, acme, bolt):
    """The second import of identical bytes is refused with the date of the first; the ledger is unchanged."""
    text = csv_text([{k: v for k, v in row.items() if k != "external_id"} for row in good_rows()])
    import_transactions_csv(account=account, file=upload(text), actor=advisor)

    error = refused_import(account, text, code="duplicate_import", actor=advisor)

    assert "already imported into this account" in error.fields["file"][0]
    assert "(6 transactions)" in error.message


def test_the_same_file_may_go_into_another_account(account, advisor, acme, bolt):
    """Refusing a repeated file is per account: a household's second account takes the same file."""
    text = csv_text(good_rows())
    import_transactions_csv(account=account, file=upload(text), actor=advisor)
    other = account_of(advisor)

    result = import_transactions_csv(account=other, file=upload(text), actor=advisor)

    assert result.row_count == 6


def test_a_second_file_with_already_imported_ids_is_refused(account, advisor, acme, bolt):
    """Different bytes, same external ids (a re-export with one more row): the old rows are refused by line."""
    first = good_rows()
    import_transactions_csv(account=account, file=upload(csv_text(first)), actor=advisor)
    second = [*first, {"date": D4, "kind": "interest", "amount": "0.50", "external_id": "int-1"}]

    error = refused_import(account, csv_text(second), actor=advisor)

    assert [(row["line"], row["column"]) for row in error.fields["rows"]] == [(2, "external_id"), (4, "external_id")]


def test_a_read_only_role_cannot_import(account, compliance_officer, acme):
    """Compliance sees the account but the service refuses it the import; nothing is recorded."""
    refused_import(account, csv_text(good_rows()[:1]), code="forbidden", actor=compliance_officer)


def test_an_advisor_outside_the_book_cannot_import(account, firm):
    """The service itself checks the account is in the actor's scope, not only the views."""
    refused_import(account, csv_text(good_rows()[:1]), code="not_found", actor=AdvisorFactory(firm=firm))


# --- The page ---------------------------------------------------------------------------


def import_url(account) -> str:
    return reverse("portfolios:account-import", kwargs={"pk": account.pk})


def test_page_documents_the_columns_and_links_the_template(client, advisor, account):
    """GET shows the upload form, every column with its meaning, and the template download."""
    client.force_login(advisor)

    html = client.get(import_url(account)).content.decode()

    assert 'enctype="multipart/form-data"' in html
    for name in COLUMNS:
        assert f"<code>{name}</code>" in html
    assert reverse("portfolios:import-template") in html


def test_template_download_is_a_csv_attachment(client, advisor):
    """The template is served as a CSV attachment with the documented header."""
    client.force_login(advisor)

    response = client.get(reverse("portfolios:import-template"))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="transactions-template.csv"'
    assert response.content.decode().splitlines()[0] == ",".join(COLUMNS)


def test_page_shows_the_report_and_imports_nothing(client, advisor, account, acme):
    """A bad file re-renders the page with a table of line, column and reason; the ledger is unchanged."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "100"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "0", "price": "10"},
        {"date": SATURDAY.isoformat(), "kind": "buy", "symbol": "XYZ", "quantity": "1", "price": "10"},
    ]
    client.force_login(advisor)

    response = client.post(import_url(account), {"file": upload(csv_text(rows))})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-report"' in html
    assert "2 lines have problems; nothing was imported." in html
    assert (
        '<td class="num">3</td><td><code>quantity</code></td><td>The quantity must be greater than zero.</td>' in html
    )
    assert '<td class="num">4</td><td><code>symbol</code></td><td>Unknown symbol “XYZ”.</td>' in html
    assert Transaction.objects.count() == 0


def test_page_imports_a_good_file_and_goes_to_the_account(client, advisor, account, acme, bolt):
    """A valid file is recorded, the user lands on the account page with the counts."""
    client.force_login(advisor)

    response = client.post(import_url(account), {"file": upload(csv_text(good_rows()), "q1.csv")}, follow=True)

    assert response.redirect_chain[0] == (reverse("portfolios:account-detail", kwargs={"pk": account.pk}), 302)
    [message] = [str(m) for m in response.context["messages"]]
    assert message == "Imported 6 transactions from “q1.csv” (2 buy, 1 deposit, 1 dividend, 1 fee, 1 sell)."
    assert Transaction.objects.filter(account=account).count() == 6


def test_page_shows_a_repeated_file_on_the_file_field(client, advisor, account, acme, bolt):
    """The second upload of the same file is refused on the form, with nothing imported again."""
    text = csv_text(good_rows())
    client.force_login(advisor)
    client.post(import_url(account), {"file": upload(text)})

    response = client.post(import_url(account), {"file": upload(text)})

    assert "already imported into this account" in response.content.decode()
    assert Transaction.objects.filter(account=account).count() == 6


def test_page_requires_a_file(client, advisor, account):
    """Submitting without a file is a field error, not a crash."""
    client.force_login(advisor)

    response = client.post(import_url(account), {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_compliance_may_not_open_the_import_page(client, compliance_officer, account):
    """Read-only roles see the account but get 403 on the import page, GET or POST."""
    client.force_login(compliance_officer)

    assert client.get(import_url(account)).status_code == 403
    assert client.post(import_url(account), {"file": upload(csv_text(good_rows()[:1]))}).status_code == 403
    assert Transaction.objects.count() == 0


# --- The API ------------------------------------------------------------------------------


def api_import_url(account) -> str:
    return reverse("api:account-transactions-import", kwargs={"account_pk": account.pk})


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


def test_api_import_answers_201_with_counts(client, advisor, account, acme, bolt):
    """A multipart upload of a good file is recorded and answered with the counts and the file's hash."""
    text = csv_text(good_rows())

    response = client.post(api_import_url(account), {"file": upload(text, "api.csv")}, **bearer(advisor))

    assert response.status_code == 201
    assert response.json() == {
        "imported": 6,
        "kinds": {"buy": 2, "deposit": 1, "dividend": 1, "fee": 1, "sell": 1},
        "file_name": "api.csv",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def test_api_import_reports_rows_in_the_error_body(client, advisor, account, acme):
    """A bad file is a 400 ``invalid_rows`` listing line, column and message; nothing is recorded."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "100"},
        {"date": D2, "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "10"},
        {"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "-2", "price": "10"},
    ]

    response = client.post(api_import_url(account), {"file": upload(csv_text(rows))}, **bearer(advisor))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["fields"]["rows"] == [
        {"line": 4, "column": "quantity", "message": "The quantity must be greater than zero."}
    ]
    assert Transaction.objects.count() == 0


def test_api_import_reports_ledger_refusals_by_line(client, advisor, account, acme):
    """A sell of shares the account does not hold passes the file checks and is refused by the ledger, by line."""
    rows = [
        {"date": D1, "kind": "deposit", "amount": "100"},
        {"date": D2, "kind": "sell", "symbol": "ACME", "quantity": "1", "price": "10"},
    ]

    response = client.post(api_import_url(account), {"file": upload(csv_text(rows))}, **bearer(advisor))

    assert response.status_code == 400
    assert [row["line"] for row in response.json()["error"]["fields"]["rows"]] == [3]
    assert Transaction.objects.count() == 0


def test_api_import_without_a_file_is_a_field_error(client, advisor, account):
    """No file part is the usual ``invalid`` answer on ``file``."""
    response = client.post(api_import_url(account), {}, **bearer(advisor))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "file" in response.json()["error"]["fields"]


def test_api_import_is_refused_to_read_only_roles(client, compliance_officer, account):
    """Compliance gets 403 on the import endpoint and nothing is recorded."""
    response = client.post(
        api_import_url(account), {"file": upload(csv_text(good_rows()[:1]))}, **bearer(compliance_officer)
    )

    assert response.status_code == 403
    assert Transaction.objects.count() == 0


def test_api_describes_the_format(client, advisor, account):
    """GET on the import endpoint lists the columns with their meaning and the importable kinds."""
    body = client.get(api_import_url(account), **bearer(advisor)).json()

    assert list(body["columns"]) == list(COLUMNS)
    assert "split" not in body["kinds"]
    assert "buy" in body["kinds"]


# --- The command --------------------------------------------------------------------------


def test_command_imports_a_file(tmp_path, account, acme, bolt):
    """``import_transactions ACCOUNT FILE`` records the file as the system and says how many rows."""
    path = tmp_path / "in.csv"
    path.write_text(csv_text(good_rows()), encoding="utf-8")
    out = io.StringIO()

    call_command("import_transactions", str(account.pk), str(path), stdout=out)

    assert "Imported 6 transactions" in out.getvalue()
    assert AuditEvent.objects.get(action=IMPORTED_ACTION).actor is None


def test_command_prints_the_report_and_fails_on_bad_input(tmp_path, account, acme):
    """A bad file prints each problem with its line and exits non-zero, importing nothing."""
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([{"date": D2, "kind": "buy", "symbol": "ACME", "quantity": "1", "price": "0"}]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_transactions", str(account.pk), str(path), stderr=err)

    assert err.getvalue().strip() == "line 2 [price]: The price must be greater than zero."
    assert Transaction.objects.count() == 0


def test_command_refuses_an_unknown_account(tmp_path):
    """An account id that does not exist is an error, not a traceback."""
    path = tmp_path / "in.csv"
    path.write_text("")

    with pytest.raises(CommandError, match="No account with id 999999"):
        call_command("import_transactions", "999999", str(path))


def test_account_page_links_the_import_only_for_those_who_may_import(client, advisor, compliance_officer, account):
    """The account page offers the import to the advisor, not to compliance; both get the downloads."""
    detail = reverse("portfolios:account-detail", kwargs={"pk": account.pk})
    exports = [
        reverse(f"portfolios:account-{name}-csv", kwargs={"pk": account.pk}) for name in ("holdings", "transactions")
    ]

    client.force_login(advisor)
    html = client.get(detail).content.decode()
    assert import_url(account) in html
    assert all(link in html for link in exports)

    client.force_login(compliance_officer)
    html = client.get(detail).content.decode()
    assert import_url(account) not in html
    assert all(link in html for link in exports)

"""Demo portfolios on the bundled real prices: a model portfolio and a few accounts with history.

Every transaction goes through the ledger services at that day's real close from the bundled
dataset (adjusted closes, 2019-2022), so the holdings, gains and value charts are what those trades
would have produced. Idempotent: an account that already exists is left as it is.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from marketdata.models import DailyBar, Instrument
from marketdata.services import load_bundled

from .choices import AccountType, TransactionKind
from .models import Account, Client, ModelPortfolio
from .services import assign_model, create_account, create_model_portfolio, record_transactions
from .services.valuation import refresh_account_values

DEMO_MODEL = "Demo core equity"
DEMO_MODEL_TARGETS = {
    "AAPL": "0.14",
    "MSFT": "0.14",
    "JNJ": "0.10",
    "JPM": "0.10",
    "PG": "0.10",
    "XOM": "0.08",
    "QUAL": "0.12",
    "USMV": "0.12",
}
DEMO_MODEL_CASH = Decimal("0.10")

# Sessions (checked against the XNYS calendar by the ledger) on which the demo trades happen.
START = dt.date(2019, 1, 2)
ADD_MORE = dt.date(2020, 3, 16)
TRIM = dt.date(2021, 6, 1)
FEE_DAY = dt.date(2022, 6, 1)


@dataclass(frozen=True)
class DemoAccount:
    client: tuple[str, str]
    name: str
    account_type: str
    deposit: Decimal
    weights: dict[str, Decimal]


DEMO_ACCOUNTS = (
    DemoAccount(
        ("Maria", "Alvarez"),
        "Alvarez individual brokerage",
        AccountType.TAXABLE,
        Decimal("250000"),
        {
            "AAPL": Decimal("0.20"),
            "MSFT": Decimal("0.20"),
            "JNJ": Decimal("0.15"),
            "XOM": Decimal("0.15"),
            "PG": Decimal("0.10"),
            "QUAL": Decimal("0.10"),
        },
    ),
    DemoAccount(
        ("Wei", "Chen"),
        "Chen trust portfolio",
        AccountType.TRUST,
        Decimal("1200000"),
        {
            "JPM": Decimal("0.15"),
            "KO": Decimal("0.15"),
            "PEP": Decimal("0.15"),
            "WMT": Decimal("0.15"),
            "USMV": Decimal("0.20"),
            "MSFT": Decimal("0.10"),
        },
    ),
    DemoAccount(
        ("Chidi", "Okafor"),
        "Okafor rollover IRA",
        AccountType.IRA,
        Decimal("180000"),
        {
            "AAPL": Decimal("0.25"),
            "AMD": Decimal("0.10"),
            "UNH": Decimal("0.20"),
            "HD": Decimal("0.20"),
            "MTUM": Decimal("0.15"),
        },
    ),
    DemoAccount(
        ("Priya", "Patel"),
        "Patel Roth IRA",
        AccountType.ROTH_IRA,
        Decimal("95000"),
        {"MSFT": Decimal("0.30"), "LLY": Decimal("0.25"), "PFE": Decimal("0.15"), "VLUE": Decimal("0.20")},
    ),
)


def seed_demo_portfolios(*, firm) -> list[Account]:
    """Load the bundled market data, then create the demo model and accounts that are missing."""
    load_bundled()
    with transaction.atomic():
        model = _model(firm)
        accounts = [_account(firm, spec, model) for spec in DEMO_ACCOUNTS]
    return accounts


def _model(firm) -> ModelPortfolio:
    existing = ModelPortfolio.objects.filter(firm=firm, name=DEMO_MODEL).first()
    if existing is not None:
        return existing
    instruments = Instrument.objects.in_bulk(list(DEMO_MODEL_TARGETS), field_name="symbol")
    targets = [
        {"instrument": instruments[symbol], "asset_class": "", "weight": Decimal(weight)}
        for symbol, weight in DEMO_MODEL_TARGETS.items()
    ]
    return create_model_portfolio(
        actor=None,
        firm=firm,
        shared=True,
        name=DEMO_MODEL,
        description="Demo data: large US companies and two factor ETFs, 10 % cash.",
        targets=targets,
        cash_weight=DEMO_MODEL_CASH,
    )


def _closes(symbols, day: dt.date) -> dict[str, Decimal]:
    rows = DailyBar.objects.filter(instrument__symbol__in=list(symbols), date=day).values_list(
        "instrument__symbol", "close"
    )
    closes = dict(rows)
    missing = set(symbols) - set(closes)
    if missing:
        raise LookupError(f"No bundled close on {day} for {', '.join(sorted(missing))}.")
    return closes


def _buys(weights: dict[str, Decimal], budget: Decimal, day: dt.date, tag: str) -> list[dict]:
    closes = _closes(weights, day)
    rows = []
    for symbol, weight in weights.items():
        quantity = (budget * weight / closes[symbol]).quantize(Decimal("1"), rounding=ROUND_DOWN)
        if quantity > 0:
            rows.append(
                {
                    "kind": TransactionKind.BUY,
                    "trade_date": day,
                    "instrument": symbol,
                    "quantity": quantity,
                    "price": closes[symbol],
                    "external_id": f"demo-{tag}-{symbol}",
                }
            )
    return rows


def _ledger_rows(spec: DemoAccount) -> list[dict]:
    top_up = (spec.deposit * Decimal("0.2")).quantize(Decimal("1"))
    first_symbol = next(iter(spec.weights))
    trim_close = _closes([first_symbol], TRIM)[first_symbol]
    first_buy = _buys(spec.weights, spec.deposit * Decimal("0.95"), START, "start")
    trim_quantity = (first_buy[0]["quantity"] / 4).quantize(Decimal("1"), rounding=ROUND_DOWN)
    return [
        {"kind": TransactionKind.DEPOSIT, "trade_date": START, "amount": spec.deposit, "external_id": "demo-deposit"},
        *first_buy,
        {"kind": TransactionKind.DEPOSIT, "trade_date": ADD_MORE, "amount": top_up, "external_id": "demo-top-up"},
        *_buys(spec.weights, top_up * Decimal("0.9"), ADD_MORE, "add"),
        {
            "kind": TransactionKind.SELL,
            "trade_date": TRIM,
            "instrument": first_symbol,
            "quantity": trim_quantity,
            "price": trim_close,
            "external_id": "demo-trim",
        },
        {
            "kind": TransactionKind.FEE,
            "trade_date": FEE_DAY,
            "amount": (spec.deposit * Decimal("0.0025")),
            "description": "Advisory fee (demo)",
            "external_id": "demo-fee",
        },
    ]


def _account(firm, spec: DemoAccount, model: ModelPortfolio) -> Account:
    first_name, last_name = spec.client
    client = Client.objects.get(household__firm=firm, first_name=first_name, last_name=last_name)
    existing = Account.objects.filter(client=client, name=spec.name).first()
    if existing is not None:
        return existing
    account = create_account(actor=None, client=client, name=spec.name, account_type=spec.account_type, opened_on=START)
    record_transactions(account=account, rows=_ledger_rows(spec), actor=None)
    account = assign_model(actor=None, account=account, model=model)
    # Built now rather than by the worker, so the demo's charts are there on first sign-in.
    refresh_account_values(account=account)
    return account

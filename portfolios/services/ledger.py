"""Recording ledger transactions: the only writer of transactions, lots, reliefs, positions and cash.

Each transaction is applied by ``portfolios.ledger.apply.apply_transaction``, the same function
``verify_ledger`` replays history with, so the materialised state and the replay cannot disagree.

Order and backdating. The ledger's order is (trade_date, id), and lots are relieved in that
order. A transaction dated before the account's latest one would change how later sells relieved
their lots, so it is refused (code ``backdated``) unless it only moves cash: a deposit, interest
or dividend (adding cash earlier never invalidates what followed) or a withdrawal or fee that
leaves cash non-negative at every later point of the replay. Same-day entries are fine: they
sort after what is already recorded that day.

Locks (``ledger_holdings``). The account row first, then the instrument's position and open lots by primary key, all
in one ``transaction.atomic``, so concurrent writers to one account queue and cannot oversell or
overdraw; writers to different accounts never wait on each other. An opening (a buy or a transfer
in) relieves no lot, so it locks and reads the position alone and adds its new lot to it: its cost
does not grow with the number of lots the account already holds.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from accounts.roles import Capability, has_capability
from compliance.services import record_event

from ..choices import LotReliefMethod, TransactionKind
from ..errors import PortfoliosError
from ..ledger.apply import (
    CASH_CREDIT_KINDS,
    CASH_DEBIT_KINDS,
    OPENING_KINDS,
    RELIEVING_KINDS,
    LedgerState,
    apply_transaction,
    cash_effect,
)
from ..ledger.lots import ReliefError
from ..models import Account, Transaction
from ..money import ZERO
from ..selectors import account_visible_to
from .ledger_holdings import add_to_position, lock_holding, lock_position, save_lots, save_position, state_of
from .ledger_inputs import CleanTransaction, clean_transaction

ROW_KEYS = frozenset(
    {
        "kind",
        "trade_date",
        "instrument",
        "quantity",
        "price",
        "fees",
        "amount",
        "cost_basis",
        "acquired_on",
        "split_numerator",
        "split_denominator",
        "lot_relief_method",
        "lot_selection",
        "description",
        "external_id",
    }
)


def record_transaction(
    *,
    account: Account,
    kind: str,
    trade_date: dt.date,
    actor,
    instrument=None,
    quantity=None,
    price=None,
    fees=Decimal("0"),
    amount=None,
    cost_basis=None,
    acquired_on=None,
    split_numerator=None,
    split_denominator=None,
    lot_relief_method: str = "",
    lot_selection=None,
    description: str = "",
    external_id: str = "",
) -> Transaction:
    """Record one transaction and update lots, position and cash; audited; values refreshed after commit.

    ``instrument`` is an Instrument or its symbol. ``amount`` is the positive sum of a deposit,
    withdrawal, interest, fee or dividend; the sign follows the kind. Raises PortfoliosError with
    field errors, and then nothing is written.
    """
    with transaction.atomic():
        recorded = _record(
            account=account,
            actor=actor,
            kind=kind,
            trade_date=trade_date,
            instrument=instrument,
            quantity=quantity,
            price=price,
            fees=fees,
            amount=amount,
            cost_basis=cost_basis,
            acquired_on=acquired_on,
            split_numerator=split_numerator,
            split_denominator=split_denominator,
            lot_relief_method=lot_relief_method,
            lot_selection=lot_selection,
            description=description,
            external_id=external_id,
        )
        _refresh_values_after_commit(account.pk, recorded.trade_date)
    return recorded


def record_transactions(*, account: Account, rows: list[dict], actor) -> list[Transaction]:
    """Record ``rows`` (each with record_transaction's keyword arguments) all together or not at all.

    Every row is tried in order inside its own savepoint, so a row sees the rows before it (a buy
    after the deposit that pays for it). If any row fails, everything is rolled back and one
    PortfoliosError ``invalid_rows`` names every bad row: ``fields["rows"]`` holds one message per
    bad row, ``fields["rows.<index>.<field>"]`` its field errors (index counts from 0), and
    ``error.row_errors`` the same as a list of ``(index, PortfoliosError)``.
    """
    _require_manage(actor)
    failures: list[tuple[int, PortfoliosError]] = []
    recorded: list[Transaction] = []
    with transaction.atomic():
        _lock_account(account)
        for index, row in enumerate(rows):
            unknown = set(row) - ROW_KEYS
            if unknown or "kind" not in row or "trade_date" not in row:
                message = (
                    f"Unknown columns: {', '.join(sorted(unknown))}." if unknown else "Kind and date are required."
                )
                failures.append((index, PortfoliosError("invalid_row", message)))
                continue
            try:
                with transaction.atomic():
                    recorded.append(_record(account=account, actor=actor, **row))
            except PortfoliosError as error:
                failures.append((index, error))
        if failures:
            error = PortfoliosError(
                "invalid_rows",
                f"{len(failures)} of {len(rows)} rows are invalid; nothing was recorded.",
                fields=_row_fields(failures),
            )
            error.row_errors = failures
            raise error
        if recorded:
            _refresh_values_after_commit(account.pk, min(row.trade_date for row in recorded))
    return recorded


def _row_fields(failures: list[tuple[int, PortfoliosError]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {"rows": [f"Row {index}: {error.message}" for index, error in failures]}
    for index, error in failures:
        for name, messages in error.fields.items():
            fields[f"rows.{index}.{name}"] = list(messages)
    return fields


def _require_manage(actor) -> None:
    # ``actor=None`` is the system itself (imports run by operators' commands, broker fills, seeding).
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot record transactions.")


def _lock_account(account: Account, *, scope=None) -> Account:
    """Lock the account's row; with ``scope`` (a user) an account outside it is ``not_found``, judged on
    the locked row (before anything else is said about it), so the scope check costs no query."""
    locked = Account.objects.select_for_update(of=("self",)).select_related("client__household").get(pk=account.pk)
    if scope is not None and not account_visible_to(scope, locked):
        raise PortfoliosError("not_found", "No such account.")
    if not locked.is_active:
        raise PortfoliosError("inactive_account", "This account is closed.")
    return locked


def _record(*, account: Account, actor, **values) -> Transaction:
    _require_manage(actor)
    account = _lock_account(account, scope=actor)
    clean = clean_transaction(**values)
    _check_not_duplicate(account, clean.external_id)
    _check_order(account, clean)

    lots, position = {}, None
    if clean.kind in OPENING_KINDS:
        position = lock_position(account, clean.instrument)
    elif clean.instrument is not None:
        lots = lock_holding(account, clean.instrument)
    state = LedgerState.of(cash=account.cash, lots=[state_of(lot) for lot in lots.values()])
    if clean.kind == TransactionKind.SPLIT and not any(lot.is_open for lot in state.lots.values()):
        raise PortfoliosError(
            "no_position", "There are no shares to split.", fields={"instrument": ["The account holds none."]}
        )
    method = _relief_method(account, clean)
    tx = Transaction.objects.create(
        account=account,
        kind=clean.kind,
        trade_date=clean.trade_date,
        instrument=clean.instrument,
        quantity=clean.quantity,
        price=clean.price,
        fees=clean.fees,
        amount=cash_effect(
            clean.kind, quantity=clean.quantity, price=clean.price, fees=clean.fees, amount=clean.amount
        ),
        cost_basis=clean.cost_basis,
        acquired_on=clean.acquired_on,
        split_numerator=clean.split_numerator,
        split_denominator=clean.split_denominator,
        # The method in force is stored, so a later change of the account's default cannot change history.
        lot_relief_method=method,
        lot_selection=clean.lot_selection if method == LotReliefMethod.SPECIFIC else [],
        description=clean.description,
        external_id=clean.external_id,
        created_by=actor,
    )
    try:
        opened, reliefs = apply_transaction(state, tx)
    except ReliefError as error:
        raise PortfoliosError(error.code, error.message, fields={error.field: [error.message]}) from error
    if state.cash < 0:
        raise PortfoliosError(
            "insufficient_cash",
            f"The account has {account.cash} in cash; this needs {-tx.amount}.",
            fields={"quantity" if clean.kind == TransactionKind.BUY else "amount": ["Not enough cash in the account."]},
        )
    save_lots(account, tx, state, lots, opened, reliefs)
    if clean.kind in OPENING_KINDS:
        add_to_position(account, clean.instrument, position, opened)
    elif clean.instrument is not None and clean.kind not in CASH_CREDIT_KINDS | CASH_DEBIT_KINDS:
        save_position(account, clean.instrument, state)
    if tx.amount:
        account.cash = state.cash
        account.save(update_fields=["cash", "updated_at"])
    record_event(
        action=f"ledger.{tx.kind}",
        actor=actor,
        target=tx,
        firm_id=account.client.household.firm_id,
        metadata=_audit_numbers(tx, account, reliefs),
    )
    return tx


def _relief_method(account: Account, clean: CleanTransaction) -> str:
    """The method in force, stored on the transaction so a later change of the account's default
    cannot change history. Naming lots without naming a method means specific-lot relief."""
    if clean.kind not in RELIEVING_KINDS:
        return ""
    if clean.lot_relief_method:
        return clean.lot_relief_method
    return LotReliefMethod.SPECIFIC if clean.lot_selection else account.lot_relief_method


def _check_not_duplicate(account: Account, external_id: str) -> None:
    if external_id and Transaction.objects.filter(account=account, external_id=external_id).exists():
        message = f"A transaction with external id {external_id!r} is already recorded in this account."
        raise PortfoliosError("duplicate", message, fields={"external_id": [message]})


def _check_order(account: Account, clean: CleanTransaction) -> None:
    """Refuse a transaction dated before the latest one unless it only moves cash (module docstring)."""
    latest = Transaction.objects.filter(account=account).order_by("-trade_date").values_list("trade_date", flat=True)
    latest = latest.first()
    if latest is None or clean.trade_date >= latest or clean.kind in CASH_CREDIT_KINDS:
        return
    message = f"Transactions are recorded up to {latest}; only cash movements can be dated earlier."
    if clean.kind not in CASH_DEBIT_KINDS:
        raise PortfoliosError("backdated", message, fields={"trade_date": [message]})
    later = Transaction.objects.filter(account=account, trade_date__gt=clean.trade_date).order_by("trade_date", "id")
    later_amounts = list(later.values_list("amount", flat=True))
    balance = account.cash - sum(later_amounts, ZERO)
    lowest = balance
    for amount in later_amounts:
        balance += amount
        lowest = min(lowest, balance)
    if lowest < clean.amount:
        message = f"Dated {clean.trade_date}, this would overdraw the account at a later date."
        raise PortfoliosError("insufficient_cash", message, fields={"amount": [message]})


def _audit_numbers(tx: Transaction, account: Account, reliefs) -> dict:
    numbers = {
        "account": account.pk,
        "trade_date": tx.trade_date,
        "amount": str(tx.amount),
        "cash_after": str(account.cash),
    }
    if tx.instrument_id:
        numbers["instrument"] = tx.instrument.symbol
    for name in ("quantity", "price", "fees", "cost_basis"):
        value = getattr(tx, name)
        if value is not None and (name != "fees" or value):
            numbers[name] = str(value)
    if tx.kind == TransactionKind.SPLIT:
        numbers["ratio"] = f"{tx.split_numerator}:{tx.split_denominator}"
    if reliefs:
        numbers["lot_relief_method"] = tx.lot_relief_method
        numbers["realized_gain"] = str(sum((relief.realized_gain for relief in reliefs), ZERO))
        numbers["lots"] = [[relief.lot.pk, str(relief.quantity)] for relief in reliefs]
    if tx.external_id:
        numbers["external_id"] = tx.external_id
    return numbers


def _refresh_values_after_commit(account_id: int, since: dt.date) -> None:
    def enqueue() -> None:
        # Imported here: the task module imports the valuation services, which import the ledger.
        from ..tasks import refresh_account_values

        refresh_account_values.delay(account_id, since.isoformat())

    transaction.on_commit(enqueue)

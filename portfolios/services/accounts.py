"""Writes to accounts and to a client's risk profile: validated, audited, one transaction each."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.roles import Capability, has_capability
from compliance.services import record_event

from ..choices import AccountType, LotReliefMethod, TradingMode
from ..errors import PortfoliosError
from ..models import Account, Client, ModelPortfolio
from ..risk import InvalidAnswers, score_answers

ACCOUNT_FIELDS = (
    "name",
    "account_type",
    "trading_mode",
    "broker_account_id",
    "lot_relief_method",
    "co_owner",
    "model_portfolio",
    "opened_on",
    "is_active",
)
# Fields an update may not change: the ledger already belongs to this client.
_FIXED_FIELDS = frozenset({"client"})


def _require_manage(actor) -> None:
    # ``actor=None`` is the system itself (seeding, imports); it must be passed explicitly.
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot change accounts.")


def _field_error(code: str, field: str, message: str) -> PortfoliosError:
    return PortfoliosError(code, message, fields={field: [message]})


def _check_client(*, actor, client: Client) -> None:
    from ..selectors import clients_visible_to

    if actor is not None and not clients_visible_to(actor).filter(pk=client.pk).exists():
        raise _field_error("invalid_client", "client", "Choose one of your clients.")


def _check_choice(field: str, value, choices) -> None:
    if value not in choices.values:
        raise _field_error(f"invalid_{field}", field, f"“{value}” is not an option.")


def _check_account(*, actor, client: Client, values: dict) -> None:
    """The rules every account must satisfy after the write, whether created or changed."""
    from ..selectors import model_portfolios_visible_to

    _check_choice("account_type", values["account_type"], AccountType)
    _check_choice("trading_mode", values["trading_mode"], TradingMode)
    _check_choice("lot_relief_method", values["lot_relief_method"], LotReliefMethod)
    if not str(values.get("name") or "").strip():
        raise _field_error("required", "name", "Name the account.")
    co_owner = values.get("co_owner")
    if values["account_type"] == AccountType.JOINT and co_owner is None:
        raise _field_error("co_owner_required", "co_owner", "A joint account needs a second owner.")
    if co_owner is not None:
        if values["account_type"] != AccountType.JOINT:
            raise _field_error("co_owner_not_joint", "co_owner", "Only a joint account has a second owner.")
        if co_owner.pk == client.pk:
            raise _field_error("co_owner_is_owner", "co_owner", "The second owner must be another person.")
        if co_owner.household_id != client.household_id:
            raise _field_error(
                "co_owner_other_household", "co_owner", "The second owner must be in the same household."
            )
    if values["trading_mode"] == TradingMode.LIVE and not str(values.get("broker_account_id") or "").strip():
        raise _field_error(
            "broker_account_required", "broker_account_id", "A live account needs the broker's account id."
        )
    model = values.get("model_portfolio")
    if model is not None and actor is not None and not model_portfolios_visible_to(actor).filter(pk=model.pk).exists():
        raise _field_error("invalid_model_portfolio", "model_portfolio", "Choose one of your model portfolios.")
    opened_on = values.get("opened_on")
    if opened_on is not None and opened_on > timezone.localdate():
        raise _field_error("opened_in_future", "opened_on", "An account cannot open in the future.")


def _audit_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return getattr(value, "pk", value)


def create_account(
    *,
    actor,
    client: Client,
    name: str,
    account_type: str = AccountType.TAXABLE,
    trading_mode: str = TradingMode.PAPER,
    broker_account_id: str = "",
    lot_relief_method: str = LotReliefMethod.FIFO,
    co_owner: Client | None = None,
    model_portfolio: ModelPortfolio | None = None,
    opened_on: dt.date | None = None,
    is_active: bool = True,
) -> Account:
    _require_manage(actor)
    _check_client(actor=actor, client=client)
    values = {
        "name": name.strip(),
        "account_type": account_type,
        "trading_mode": trading_mode,
        "broker_account_id": broker_account_id.strip(),
        "lot_relief_method": lot_relief_method,
        "co_owner": co_owner,
        "model_portfolio": model_portfolio,
        "opened_on": opened_on,
        "is_active": is_active,
    }
    _check_account(actor=actor, client=client, values=values)
    with transaction.atomic():
        account = Account.objects.create(client=client, **values)
        record_event(
            action="account.created",
            actor=actor,
            target=account,
            firm_id=client.household.firm_id,
            changes={"client": (None, client.pk), **{k: (None, _audit_value(v)) for k, v in values.items()}},
        )
    return account


def update_account(*, actor, account: Account, **values) -> Account:
    _require_manage(actor)
    unknown = set(values) - set(ACCOUNT_FIELDS)
    if unknown & _FIXED_FIELDS:
        raise PortfoliosError("invalid_field", "An account cannot move to another client.")
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    for text in ("name", "broker_account_id"):
        if text in values:
            values[text] = str(values[text]).strip()
    with transaction.atomic():
        account = Account.objects.select_for_update().select_related("client__household").get(pk=account.pk)
        merged = {name: getattr(account, name) for name in ACCOUNT_FIELDS} | values
        _check_account(actor=actor, client=account.client, values=merged)
        changes = {}
        for name, new in values.items():
            old = getattr(account, name)
            if old != new:
                changes[name] = (_audit_value(old), _audit_value(new))
        if not changes:
            return account
        for name in changes:
            setattr(account, name, values[name])
        account.save(update_fields=[*changes, "updated_at"])
        record_event(
            action="account.updated",
            actor=actor,
            target=account,
            changes=changes,
            firm_id=account.client.household.firm_id,
        )
    return account


def record_risk_questionnaire(*, actor, client: Client, answers: dict[str, str]) -> Client:
    """Score ``answers`` and store them with the score, the profile and when they were given."""
    _require_manage(actor)
    _check_client(actor=actor, client=client)
    try:
        score, profile = score_answers(answers)
    except InvalidAnswers as error:
        raise PortfoliosError("invalid_answers", str(error), fields=error.fields) from error
    with transaction.atomic():
        client = Client.objects.select_for_update().select_related("household").get(pk=client.pk)
        before = (client.risk_score, client.risk_profile)
        client.risk_answers = dict(answers)
        client.risk_score = score
        client.risk_profile = profile
        client.risk_assessed_at = timezone.now()
        client.save(update_fields=["risk_answers", "risk_score", "risk_profile", "risk_assessed_at", "updated_at"])
        record_event(
            action="client.risk_assessed",
            actor=actor,
            target=client,
            firm_id=client.household.firm_id,
            changes={"risk_score": (before[0], score), "risk_profile": (before[1], str(profile))},
        )
    return client

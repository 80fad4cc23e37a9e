"""Writes to model portfolios and their assignment to accounts: validated, audited, atomic.

A model's target weights plus its cash weight must add up to exactly 1 (100 %): a model that
silently holds 2 % of nothing would make every account look out of band. Each target names an
instrument or an asset class, never both; bands are fractions between 0 and 1.

Firm-wide models (no owner) are the operators'; an advisor creates and changes the models of
their own book (their own, or a teammate's when the team shares its book).
"""

from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.choices import Role
from accounts.roles import Capability, has_capability
from accounts.selectors import book_advisor_ids
from compliance.services import record_event
from marketdata.choices import AssetClass
from marketdata.models import Instrument

from ..errors import PortfoliosError
from ..models import Account, ModelPortfolio, ModelTarget

ZERO = Decimal("0")
ONE = Decimal("1")
WEIGHT_PLACES = ModelTarget._meta.get_field("weight").decimal_places
MODEL_FIELDS = ("name", "description", "cash_weight", "absolute_band", "relative_band", "is_active")
UNTRADABLE_CLASSES = frozenset({AssetClass.INDEX})


class ModelConflict(PortfoliosError):
    status = 409


def _require_manage(actor) -> None:
    if actor is not None and not has_capability(actor, Capability.MANAGE_BOOK):
        raise PortfoliosError("forbidden", "Your role cannot change model portfolios.")


def can_change_model(actor, model: ModelPortfolio) -> bool:
    """Operators change every model of their firm; advisors those owned within their book."""
    if actor is None:
        return True
    if not has_capability(actor, Capability.MANAGE_BOOK) or actor.firm_id != model.firm_id:
        return False
    if actor.role == Role.ADVISOR:
        return model.owner_id is not None and model.owner_id in book_advisor_ids(actor)
    return True


def _error(code: str, field: str, message: str) -> PortfoliosError:
    return PortfoliosError(code, message, fields={field: [message]})


def _check_weight(field: str, value, *, allow_zero: bool) -> Decimal:
    try:
        value = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise _error("invalid_weight", field, "Enter a number.") from None
    if not value.is_finite() or value < ZERO or value > ONE or (value == ZERO and not allow_zero):
        bounds = "between 0 and 1" if allow_zero else "above 0 and at most 1"
        raise _error("invalid_weight", field, f"Must be {bounds}.")
    if value != value.quantize(Decimal(1).scaleb(-WEIGHT_PLACES)):
        raise _error("invalid_weight", field, f"Use at most {WEIGHT_PLACES} decimal places.")
    return value


def _clean_targets(targets: list[dict]) -> list[dict]:
    cleaned, instruments, classes = [], set(), set()
    for index, target in enumerate(targets):
        instrument, asset_class = target.get("instrument"), target.get("asset_class") or ""
        field = f"targets.{index}"
        if (instrument is None) == (asset_class == ""):
            raise _error("invalid_target", field, "Give an instrument or an asset class, not both.")
        if instrument is not None:
            if not isinstance(instrument, Instrument) or not instrument.is_active:
                raise _error("invalid_instrument", field, "Choose an active instrument.")
            if instrument.asset_class in UNTRADABLE_CLASSES:
                raise _error("invalid_instrument", field, f"{instrument.symbol} is an index and cannot be held.")
            if instrument.pk in instruments:
                raise _error("duplicate_target", field, f"{instrument.symbol} has two targets.")
            instruments.add(instrument.pk)
        else:
            if asset_class not in AssetClass.values or asset_class in UNTRADABLE_CLASSES:
                raise _error("invalid_asset_class", field, "Choose an asset class that can be held.")
            if asset_class in classes:
                raise _error("duplicate_target", field, f"{AssetClass(asset_class).label} has two targets.")
            classes.add(asset_class)
        weight = _check_weight(f"{field}.weight", target.get("weight"), allow_zero=False)
        cleaned.append({"instrument": instrument, "asset_class": asset_class, "weight": weight})
    return cleaned


def _check_model(values: dict, targets: list[dict]) -> None:
    for field in ("cash_weight", "absolute_band", "relative_band"):
        values[field] = _check_weight(field, values[field], allow_zero=True)
    total = sum((target["weight"] for target in targets), ZERO) + values["cash_weight"]
    if total != ONE:
        message = f"Target weights and cash add up to {total:.4%}; they must add up to exactly 100%."
        raise _error("weights_not_100", "targets", message)


def _describe_targets(targets) -> list[str]:
    rows = []
    for target in targets:
        instrument = target["instrument"] if isinstance(target, dict) else target.instrument
        asset_class = target["asset_class"] if isinstance(target, dict) else target.asset_class
        weight = target["weight"] if isinstance(target, dict) else target.weight
        rows.append(f"{instrument.symbol if instrument else asset_class}={weight}")
    return sorted(rows)


def _save_targets(model: ModelPortfolio, targets: list[dict]) -> None:
    ModelTarget.objects.bulk_create(
        ModelTarget(model=model, instrument=t["instrument"], asset_class=t["asset_class"], weight=t["weight"])
        for t in targets
    )


def _unique_name_error() -> PortfoliosError:
    return _error("duplicate_name", "name", "Your firm already has a model portfolio with this name.")


def create_model_portfolio(
    *,
    actor,
    name: str,
    targets: list[dict],
    firm=None,
    shared: bool = False,
    description: str = "",
    cash_weight=ZERO,
    absolute_band=Decimal("0.05"),
    relative_band=Decimal("0.25"),
) -> ModelPortfolio:
    """A new model. ``targets``: ``[{"instrument": Instrument|None, "asset_class": "", "weight": D}]``.

    ``shared`` makes it firm-wide (operators only); otherwise an advisor owns it.
    """
    _require_manage(actor)
    if shared and actor is not None and actor.role == Role.ADVISOR:
        raise _error("forbidden", "shared", "Only operators create firm-wide models.")
    values = {"cash_weight": cash_weight, "absolute_band": absolute_band, "relative_band": relative_band}
    targets = _clean_targets(targets)
    _check_model(values, targets)
    firm_id = actor.firm_id if actor is not None else firm.pk
    owner = None if shared or actor is None or actor.role != Role.ADVISOR else actor
    if ModelPortfolio.objects.filter(firm_id=firm_id, name=name).exists():
        raise _unique_name_error()
    try:
        with transaction.atomic():
            model = ModelPortfolio.objects.create(
                firm_id=firm_id, owner=owner, name=name, description=description, **values
            )
            _save_targets(model, targets)
            record_event(
                action="model_portfolio.created",
                actor=actor,
                target=model,
                changes={
                    "name": (None, name),
                    "targets": (None, _describe_targets(targets)),
                    **{field: (None, value) for field, value in values.items()},
                },
            )
    except IntegrityError:
        raise _unique_name_error() from None
    return model


def update_model_portfolio(*, actor, model: ModelPortfolio, targets: list[dict] | None = None, **values):
    """Change fields of ``model``; ``targets``, when given, replace all of its targets."""
    _require_manage(actor)
    unknown = set(values) - set(MODEL_FIELDS)
    if unknown:
        raise PortfoliosError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    if not can_change_model(actor, model):
        raise PortfoliosError("forbidden", "Only operators change firm-wide models; advisors change their own.")
    name = values.get("name", model.name)
    if ModelPortfolio.objects.filter(firm_id=model.firm_id, name=name).exclude(pk=model.pk).exists():
        raise _unique_name_error()
    with transaction.atomic():
        model = ModelPortfolio.objects.select_for_update().get(pk=model.pk)
        current = list(model.targets.select_related("instrument"))
        checked = {field: values.get(field, getattr(model, field)) for field in MODEL_FIELDS}
        new_targets = (
            _clean_targets(targets)
            if targets is not None
            else [{"instrument": t.instrument, "asset_class": t.asset_class, "weight": t.weight} for t in current]
        )
        _check_model(checked, new_targets)
        changes = {
            field: (getattr(model, field), checked[field])
            for field in MODEL_FIELDS
            if field in values and getattr(model, field) != checked[field]
        }
        before, after = _describe_targets(current), _describe_targets(new_targets)
        if targets is not None and before != after:
            changes["targets"] = (before, after)
            model.targets.all().delete()
            _save_targets(model, new_targets)
        if not changes:
            return model
        for field in MODEL_FIELDS:
            setattr(model, field, checked[field])
        model.save(update_fields=[*MODEL_FIELDS, "updated_at"])
        record_event(action="model_portfolio.updated", actor=actor, target=model, changes=changes)
    return model


def delete_model_portfolio(*, actor, model: ModelPortfolio) -> None:
    """Delete a model no account uses and no proposal refers to; otherwise deactivate it instead."""
    _require_manage(actor)
    if not can_change_model(actor, model):
        raise PortfoliosError("forbidden", "Only operators change firm-wide models; advisors change their own.")
    with transaction.atomic():
        model = ModelPortfolio.objects.select_for_update().get(pk=model.pk)
        if model.accounts.exists() or model.proposals.exists():
            raise ModelConflict(
                "model_in_use", "Accounts or proposals use this model; deactivate it instead of deleting it."
            )
        record_event(action="model_portfolio.deleted", actor=actor, target=model, changes={"name": (model.name, None)})
        model.delete()


def assign_model(*, actor, account: Account, model: ModelPortfolio | None) -> Account:
    """Point ``account`` at ``model`` (None removes it). The model must be active and visible to the actor."""
    from ..selectors import model_portfolios_visible_to

    _require_manage(actor)
    firm_id = account.client.household.firm_id
    if model is not None:
        visible = model_portfolios_visible_to(actor) if actor is not None else ModelPortfolio.objects.all()
        if model.firm_id != firm_id or not model.is_active or not visible.filter(pk=model.pk).exists():
            raise _error("invalid_model_portfolio", "model_portfolio", "Choose one of your active model portfolios.")
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        before = account.model_portfolio_id
        after = model.pk if model is not None else None
        if before == after:
            return account
        account.model_portfolio = model
        account.save(update_fields=["model_portfolio", "updated_at"])
        record_event(
            action="account.model_assigned",
            actor=actor,
            target=account,
            firm_id=firm_id,
            changes={"model_portfolio": (before, after)},
        )
    return account

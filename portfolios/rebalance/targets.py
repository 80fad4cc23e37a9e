"""A model's targets resolved to the instruments an account can trade.

An instrument target applies to that instrument. An asset-class target is spread over the
account's priced holdings of that class that have no target of their own, in proportion to their
current market value; with no such holding the target cannot be filled: it is reported in the
warnings and its weight stays in cash (no instrument is invented). A holding no target covers has
a target of 0. Each resolved group is one row for the band check.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from marketdata.choices import AssetClass

from .types import Holding, Target

ZERO = Decimal("0")


@dataclass
class TargetGroup:
    label: str
    weight: Decimal
    # Instrument id -> its share of ``weight``.
    members: dict[int, Decimal] = field(default_factory=dict)
    in_model: bool = True


def asset_class_label(value: str) -> str:
    try:
        return AssetClass(value).label
    except ValueError:
        return value


def resolve_targets(
    targets: tuple[Target, ...], holdings: dict[int, Holding], values: dict[int, Decimal]
) -> tuple[list[TargetGroup], list[str]]:
    """Groups of instruments with their target weights, and warnings for targets nobody can fill."""
    groups: list[TargetGroup] = []
    warnings: list[str] = []
    targeted = {target.instrument_id for target in targets if target.instrument_id is not None}
    for target in targets:
        if target.instrument_id is not None:
            groups.append(TargetGroup(target.symbol, target.weight, {target.instrument_id: target.weight}))
    covered = set(targeted)
    for target in targets:
        if target.instrument_id is not None:
            continue
        label = f"{asset_class_label(target.asset_class)} (asset class)"
        members = {
            pk: values[pk]
            for pk, holding in holdings.items()
            if holding.asset_class == target.asset_class and pk not in targeted and values.get(pk, ZERO) > ZERO
        }
        class_value = sum(members.values(), ZERO)
        if class_value <= ZERO:
            warnings.append(
                f"{label}: the account holds nothing of this class to fill its {target.weight:.2%} target; "
                "it stays in cash."
            )
            groups.append(TargetGroup(label, target.weight))
            continue
        covered.update(members)
        shares = {pk: target.weight * value / class_value for pk, value in members.items()}
        groups.append(TargetGroup(label, target.weight, shares))
    for pk, holding in holdings.items():
        if pk not in covered and holding.quantity > ZERO:
            groups.append(TargetGroup(holding.symbol, ZERO, {pk: ZERO}, in_model=False))
    return groups, warnings

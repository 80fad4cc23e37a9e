"""When a holding has drifted too far from its target: one rule for the drift pages and the engine."""

from decimal import Decimal

from .types import Bands

ZERO = Decimal("0")


def is_out_of_band(*, target: Decimal, actual: Decimal, bands: Bands) -> bool:
    """Out of band when the drift exceeds the absolute band or the relative band times the target.

    Either band set to 0 is not used; with both unused any drift at all is out of band. With a
    relative band a holding the model does not want (target 0) is out of band as soon as it is held.
    """
    drift = abs(actual - target)
    if bands.absolute > ZERO and drift > bands.absolute:
        return True
    if bands.relative > ZERO and drift > bands.relative * target:
        return True
    return bands.absolute == ZERO and bands.relative == ZERO and drift > ZERO

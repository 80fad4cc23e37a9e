"""The field readers every part of the backtest configuration shares.

Each reads one key, and on a bad value records the problem under its dotted key and carries on with the
default, so one parse can report every mistake of a configuration at once (see ``FieldErrors``).
"""

import datetime as dt
import math

from ..errors import EngineError
from ..factors import FACTOR_NAMES


class FieldErrors(dict):
    """Field errors collected while parsing, raised together."""

    def raise_if_any(self):
        if self:
            first = next(iter(self.items()))
            raise EngineError("invalid_config", f"Invalid strategy configuration: {first[0]}: {first[1]}", fields=self)


def read_number(errors, data, key, prefix, default, *, lo=None, hi=None, integer=False, lo_open=False):
    value = data.get(key, default)
    name = f"{prefix}{key}"
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors[name] = "must be a number" if not integer else "must be a whole number"
        return default
    if integer and value != int(value):
        errors[name] = "must be a whole number"
        return default
    if lo is not None and (value <= lo if lo_open else value < lo):
        errors[name] = f"must be greater than {lo}" if lo_open else f"must be at least {lo}"
        return default
    if hi is not None and value > hi:
        errors[name] = f"must be at most {hi}"
        return default
    return int(value) if integer else float(value)


def read_bool(errors, data, key, prefix, default):
    value = data.get(key, default)
    if not isinstance(value, bool):
        errors[f"{prefix}{key}"] = "must be true or false"
        return default
    return value


def reject_unknown(errors, data, allowed, prefix):
    for key in data:
        if key not in allowed:
            errors[f"{prefix}{key}"] = "unknown setting"


def read_section(errors, raw, name) -> dict:
    """A switchable section: false/true or a dict with an optional 'enabled' (true when a dict is given)."""
    if raw is None or raw is False:
        return {"enabled": False}
    if raw is True:
        return {"enabled": True}
    if isinstance(raw, dict):
        return {"enabled": True, **raw}
    errors[name] = "must be true, false or an object of settings"
    return {"enabled": False}


def read_factors(errors, raw) -> dict:
    if not isinstance(raw, dict) or not raw:
        errors["factors"] = "must name at least one factor with its weight"
        return {"momentum_12_1": 1.0}
    out = {}
    for name, weight in raw.items():
        if name not in FACTOR_NAMES:
            errors[f"factors.{name}"] = f"unknown factor (known: {', '.join(FACTOR_NAMES)})"
        elif isinstance(weight, bool) or not isinstance(weight, int | float) or not math.isfinite(weight):
            errors[f"factors.{name}"] = "weight must be a number"
        elif weight <= 0:
            errors[f"factors.{name}"] = "weight must be greater than 0 (remove the factor instead)"
        else:
            out[name] = float(weight)
    return out or {"momentum_12_1": 1.0}


def read_date(errors, data, key) -> dt.date | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[key] = "must be a date YYYY-MM-DD"
        return None

from valuepartner.errors import DomainError


class StrategiesError(DomainError):
    pass


class StrategyConflict(StrategiesError):
    status = 409


def field_error(code: str, field: str, message: str) -> StrategiesError:
    return StrategiesError(code, message, fields={field: [message]})


def from_engine(error, *, field_names=None) -> StrategiesError:
    """The engine's EngineError (pure Python, not a DomainError) as a StrategiesError with the same code
    and message; ``fields`` keyed by ``field_names(config_key)`` when given."""
    fields: dict[str, list[str]] = {}
    for key, message in (getattr(error, "fields", None) or {}).items():
        messages = message if isinstance(message, list | tuple) else [message]
        name = field_names(key) if field_names else key
        fields.setdefault(name, []).extend(f"{key}: {text}" if name != key else str(text) for text in messages)
    problems = getattr(error, "problems", None)
    converted = StrategiesError(getattr(error, "code", "invalid"), getattr(error, "message", str(error)), fields=fields)
    converted.problems = list(problems or [])
    return converted

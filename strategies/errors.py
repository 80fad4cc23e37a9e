"""The engine's one exception type. Pure Python (the engine imports no Django): callers in the app turn it
into a ``valuepartner.errors.DomainError`` with the same code, message and fields."""


class EngineError(ValueError):
    """Bad configuration or data for the strategy engine. ``code`` is stable; ``fields`` maps a config key
    (dotted for nested keys, e.g. ``rebalance.every_bars``) or ``prices`` to what is wrong with it."""

    def __init__(self, code: str, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return self.message

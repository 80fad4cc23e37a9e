"""Coded errors of the trading domain (the API turns them into 4xx bodies with these codes)."""

from valuepartner.errors import DomainError


class TradingError(DomainError):
    pass


class IllegalTransition(TradingError):
    """A status change the state machine's table does not allow."""

    status = 409

    def __init__(self, from_status: str, to_status: str, *, order_id=None):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            "illegal_transition",
            f"Order {order_id or ''} cannot go from {from_status or 'nothing'} to {to_status}.".replace("  ", " "),
        )


class IdempotencyConflict(TradingError):
    """The Idempotency-Key was used before with a different request."""

    status = 409


class OrderConflict(TradingError):
    """The order is not in a state that allows this (cancel a filled order, replace a canceled one)."""

    status = 409


class RiskRejected(TradingError):
    """Pre-trade risk refused the order; ``checks`` holds every failed check (code, message, field)."""

    def __init__(self, checks: list):
        self.checks = checks
        fields: dict[str, list[str]] = {}
        for check in checks:
            fields.setdefault(check.field or "non_field_errors", []).append(check.message)
        first = checks[0]
        message = first.message if len(checks) == 1 else f"{first.message} (and {len(checks) - 1} more risk checks)"
        super().__init__(first.code, message, fields=fields)

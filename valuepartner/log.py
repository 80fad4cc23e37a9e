"""Log filters: stamp each record with the request id, and redact secrets and personal data."""

import logging
import re
from collections.abc import Mapping

from . import request_context

REDACTED = "[REDACTED]"

# Keys whose values are never logged, wherever they appear (extra fields, dict arguments, key=value text).
SENSITIVE_KEY = re.compile(
    r"pass(word|wd|phrase)?|secret|token|api[_-]?key|authorization|cookie|session|otp|"
    r"account[_-]?(number|no)|routing[_-]?number|tax[_-]?id|\bssn\b|\btin\b|\biban\b|card[_-]?number",
    re.IGNORECASE,
)
_KEY_VALUE = re.compile(
    r"(?P<key>[\w-]*(?:pass(?:word|wd|phrase)?|secret|token|api[_-]?key|authorization|otp|"
    r"account[_-]?(?:number|no)|routing[_-]?number|tax[_-]?id|ssn|tin|iban|card[_-]?number)[\w-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>Bearer\s+[^\s\"',;&]+|[^\s\"',;&]+)",
    re.IGNORECASE,
)
_PATTERNS = (
    re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}"),  # JWTs
    re.compile(r"\bBearer\s+[\w.~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"\b(?:access|public|private)-(?:sandbox|development|production)-[\w-]{8,}\b"),  # Plaid tokens
    re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}\b"),  # Stripe keys
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US social security numbers
    re.compile(r"\b\d{2}-\d{7}\b"),  # US employer identification numbers
    re.compile(r"\b\d{8,19}\b"),  # bank account and card numbers
)


def redact_text(text: str) -> str:
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def redact_value(value, key: str = ""):
    if key and SENSITIVE_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    if isinstance(value, int) and len(str(abs(value))) >= 8:
        return REDACTED
    return value


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_context.current().request_id or None
        return True


class RedactingFilter(logging.Filter):
    """Rewrites the message, its arguments, extra fields and exception text before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string must not lose the record
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS and name != "request_id":
                setattr(record, name, redact_value(value, name))
        if record.exc_info:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True

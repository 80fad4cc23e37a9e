"""Log filters: stamp each record with the request id, and redact secrets and personal data.

Redaction happens in a filter on the handler, before any formatter runs, so every sink sees the same
cleaned record: the message and its %-arguments, ``extra=`` fields, dict messages and exception text.
It errs towards hiding too much (any 8+ digit number goes) because a leaked account number cannot be
recalled from a log store.
"""

import contextlib
import datetime
import logging
import re
from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from . import request_context

REDACTED = "[REDACTED]"

# Words that mark a key as sensitive wherever they appear in it ("client_password", "plaidAccessToken").
_LONG_TERMS = (
    r"pass(?:word|wd|phrase)|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|"
    r"authorization|cookie|session|account[_-]?(?:number|no|num)|routing[_-]?number|tax[_-]?id|"
    r"card[_-]?number|cvc|cvv|social[_-]?security"
)
# Short words that are sensitive only as a whole segment: "tin" must not catch "setting" or "routing".
_SHORT_TERMS = r"ssn|tin|ein|itin|iban|otp|pin"

_LONG_KEY = re.compile(_LONG_TERMS, re.IGNORECASE)
_SHORT_KEY = re.compile(rf"(?:^|_)(?:{_SHORT_TERMS})(?:_|$)")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_KEY = rf"[\w-]*?(?:{_LONG_TERMS})[\w-]*|(?:[\w-]*[_-])?(?:{_SHORT_TERMS})(?:[_-][\w-]*)?"
# key=value, key: value, "key": "value" and header-style text. A quoted value is consumed to its
# closing quote so a passphrase with spaces goes whole.
_KEY_VALUE = re.compile(
    rf"(?<![\w-])(?P<key>{_KEY})"
    r"(?P<sep>[\"']?\s*[:=]\s*)(?!\[REDACTED\])"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|(?:Bearer|Basic|Token)\s+[^\s\"',;&]+|[^\s\"',;&}\])]+)",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(r"(?P<prefix>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.IGNORECASE)
_PATTERNS = (
    re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}"),  # JWTs
    re.compile(r"\b(?:Bearer|Basic)\s+[\w.~+/=-]{8,}", re.IGNORECASE),
    re.compile(r"\b(?:access|public|private|link)-(?:sandbox|development|production)-[\w-]{8,}\b"),  # Plaid
    re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}\b"),  # Stripe keys
    re.compile(r"\bwhsec_[A-Za-z0-9]{8,}\b"),  # Stripe webhook signing secrets
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US social security numbers
    re.compile(r"\b\d{2}-\d{7}\b"),  # US employer identification numbers
    re.compile(r"\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}\b"),  # card numbers written in groups
    re.compile(r"\b\d{8,19}\b"),  # bank account and card numbers
)


def _quoted_redaction(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return f"{value[0]}{REDACTED}{value[0]}"
    return REDACTED


def redact_text(text: str) -> str:
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['prefix']}{REDACTED}@", text)
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['sep']}{_quoted_redaction(m['value'])}", text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def is_sensitive_key(key: str) -> bool:
    snake = _CAMEL_BOUNDARY.sub("_", key).lower().replace("-", "_")
    return bool(_LONG_KEY.search(snake) or _SHORT_KEY.search(snake))


def _describe_request(request) -> str:
    # repr(HttpRequest) includes the query string, where tokens and reset links travel.
    return f"{request.method} {request.path}"


def redact_value(value, key: str = ""):
    if key and is_sensitive_key(key):
        return REDACTED
    if value is None or isinstance(value, bool | float | datetime.date | datetime.time):
        return value
    if isinstance(value, int):
        return REDACTED if len(str(abs(value))) >= 8 else value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(redact_value(item) for item in value)
    if hasattr(value, "META") and hasattr(value, "method") and hasattr(value, "path"):
        return _describe_request(value)
    # Anything else would reach the JSON formatter through str(); clean that text now.
    try:
        return redact_text(str(value))
    except Exception:
        return f"<{type(value).__name__}>"


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs 4xx/5xx responses after the middleware has unwound the context, but it passes
            # the request along, and RequestContextMiddleware left the id on it.
            from_request = getattr(getattr(record, "request", None), "request_id", None)
            record.request_id = from_request or request_context.current().request_id or None
        return True


# A %-placeholder, and a sensitive label right before one ("password=%s", "token: '%s'").
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?P<width>\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>.)")
_LABEL_BEFORE = re.compile(rf"(?<![\w-])(?:{_KEY})[\"']?\s*[:=]?\s*[\"']?$", re.IGNORECASE)


def _mask_labelled_placeholders(msg: str, args) -> tuple[str, object]:
    """Replaces each placeholder that follows a sensitive label with the redaction mark, dropping its argument.

    "login password=%s" with a passphrase containing spaces cannot be cleaned after formatting:
    the text pass would only see "password=correct" and let "horse battery staple" through.
    """
    named = isinstance(args, Mapping)
    kept: list = []
    pieces: list[str] = []
    last = 0
    index = 0
    for match in _PLACEHOLDER.finditer(msg):
        if match["conv"] == "%":
            continue
        if match["width"] == "*" or "*" in match.group(0):
            return msg, args  # star widths consume extra arguments; leave those to the text pass
        labelled = _LABEL_BEFORE.search(msg, max(0, match.start() - 80), match.start()) is not None
        if labelled:
            pieces += [msg[last : match.start()], REDACTED]
            last = match.end()
        elif not named and index < len(args):
            kept.append(args[index])
        index += 0 if named else 1
    if not pieces:
        return msg, args
    pieces.append(msg[last:])
    return "".join(pieces), args if named else (*kept, *args[index:])


def _render_message(record: logging.LogRecord) -> str:
    """The message with its arguments: labelled ones masked, keyed ones redacted by name."""
    if not record.args:
        return str(record.msg)
    msg, args = str(record.msg), record.args
    try:
        msg, args = _mask_labelled_placeholders(msg, args)
    except Exception:  # an odd format string; the text pass still runs on the result
        msg, args = str(record.msg), record.args
    with contextlib.suppress(Exception):
        return msg % redact_value(args)
    # A redacted argument no longer fits its %d: format the raw one; the text pass cleans the result.
    with contextlib.suppress(Exception):
        return msg % args
    return msg


class RedactingFilter(logging.Filter):
    """Rewrites the message, its arguments, extra fields and exception text before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, Mapping) and not record.args:
            # python-json-logger merges a dict message into the output: keep it structured.
            record.msg = redact_value(record.msg)
        else:
            record.msg = redact_text(_render_message(record))
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRS and name != "request_id":
                setattr(record, name, redact_value(value, name))
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class JsonFormatter(_BaseJsonFormatter):
    """python-json-logger's formatter with the time in ISO 8601 UTC: Django sets the process time zone
    to TIME_ZONE, so the default local time without an offset would be ambiguous across DST changes."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds")

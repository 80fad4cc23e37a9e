"""Log lines as configured in settings.LOGGING: one JSON object per record, stamped with the request id,
with secrets and personal identifiers redacted wherever they were put on the record.

This module doubles as the URLconf for its request tests (``pytest.mark.urls``), so the views below run
through the full middleware stack.
"""

import copy
import datetime
import io
import json
import logging
import logging.config
import re
import socket

import pytest
from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError
from django.test import Client
from django.urls import path

from valuepartner.log import REDACTED, redact_text

logger = logging.getLogger("valuepartner.tests.logging")


def holding_view(request):
    logger.info("holding %s", request.GET.get("symbol", ""), extra={"request": request})
    return HttpResponse("ok")


def boom_view(request):
    raise RuntimeError("the view broke")


def server_error(request):
    return HttpResponseServerError("server error")


urlpatterns = [path("log/", holding_view), path("boom/", boom_view)]
handler500 = server_error

REQUEST_ID = "req-0123456789abcdef"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYiLCJleHAiOjE3MDAwMDAwMDB9.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

# (secret, text that carries it the way code tends to write it)
SECRETS = {
    "password": ("Sw0rdfish-Tr0mbone!", "login failed, password=Sw0rdfish-Tr0mbone!"),
    "jwt": (JWT, f"refresh with {JWT}"),
    "bearer": ("f81c9a0e4b2d4c6e8a1b", "Authorization: Bearer f81c9a0e4b2d4c6e8a1b"),
    "bare_bearer": ("f81c9a0e4b2d4c6e8a1c", "sent Bearer f81c9a0e4b2d4c6e8a1c upstream"),
    "plaid": (
        "access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970",
        "exchanged public token, got access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970",
    ),
    "stripe": ("sk_live_51HqLyjWDarjtT1zdp7dcXYZ", "charging with sk_live_51HqLyjWDarjtT1zdp7dcXYZ"),
    "api_key": ("AKc9f3e1b2d4", "calling broker api_key=AKc9f3e1b2d4"),
    "api_key_json": ("AKc9f3e1b2d5", '{"api-key": "AKc9f3e1b2d5", "symbol": "VTI"}'),
    "account_number": ("000123456789", "funding from account 000123456789"),
    "card": ("4242 4242 4242 4242", "card 4242 4242 4242 4242 declined"),
    "ssn": ("123-45-6789", "client ssn 123-45-6789 on file"),
    "ein": ("12-3456789", "trust ein 12-3456789 on file"),
    "tax_id": ("ZX9-TAX-77", "tax_id: ZX9-TAX-77"),
    "url_password": ("hunter2db", "connecting to postgres://app:hunter2db@db:5432/vp"),
}


def _log_in_message(text):
    logger.warning(f"event: {text}")


def _log_as_percent_arg(text):
    logger.warning("event: %s", text)


def _log_as_extra_field(text):
    logger.warning("event", extra={"detail": text})


def _log_in_nested_extra(text):
    logger.warning("event", extra={"context": {"steps": ["start", text]}})


def _log_as_dict_arg(text):
    logger.warning("event: %s", {"note": text})


def _log_as_dict_message(text):
    logger.warning({"event": "sync", "note": text})


def _log_in_exception(text):
    try:
        raise ValueError(f"upstream said: {text}")
    except ValueError:
        logger.exception("event failed")


PLACES = [
    _log_in_message,
    _log_as_percent_arg,
    _log_as_extra_field,
    _log_in_nested_extra,
    _log_as_dict_arg,
    _log_as_dict_message,
    _log_in_exception,
]

# Values no pattern could recognise: only the name they are logged under gives them away.
KEYED = {
    "password": "correct horse battery staple",
    "new_password1": "another long pass phrase",
    "api_key": "k-1",
    "plaidAccessToken": "opaque-token-value",
    "account_number": "12 34 56",
    "routing_number": "0-2-1",
    "tax_id": "T/77",
    "client_ssn": "X-1",
    "otp": "492 017",
    "session_key": "abc def",
}


@pytest.fixture
def log_output():
    """Configures logging exactly as settings.LOGGING does, writing to a buffer; returns a reader."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)

    def read() -> tuple[str, list[dict]]:
        raw = stream.getvalue()
        return raw, [json.loads(line) for line in raw.splitlines()]

    yield read
    logging.config.dictConfig(settings.LOGGING)


def test_line_is_json_with_the_standard_fields(log_output):
    """A record is one JSON object with time, level, logger, message and request_id (null outside a request)."""
    logger.info("portfolio rebalanced")

    _, records = log_output()
    assert len(records) == 1
    record = records[0]
    assert record["message"] == "portfolio rebalanced"
    assert record["level"] == "INFO"
    assert record["logger"] == "valuepartner.tests.logging"
    assert record["request_id"] is None


def test_time_is_iso_8601_in_utc(log_output):
    """The time field is ISO 8601 with a zero UTC offset and milliseconds, whatever TIME_ZONE says."""
    before = datetime.datetime.now(datetime.UTC)
    logger.info("tick")

    _, records = log_output()
    logged = datetime.datetime.fromisoformat(records[0]["time"])
    assert logged.utcoffset() == datetime.timedelta(0)
    assert abs(logged - before) < datetime.timedelta(seconds=5)
    assert re.search(r"\.\d{3}\+00:00$", records[0]["time"])


@pytest.mark.django_db
@pytest.mark.urls("tests.test_logging")
def test_line_inside_a_request_carries_its_request_id(client, log_output):
    """A record written while serving a request carries that request's id, the one echoed to the client."""
    response = client.get("/log/", {"symbol": "VTI"}, HTTP_X_REQUEST_ID=REQUEST_ID)

    _, records = log_output()
    record = next(r for r in records if r["logger"] == "valuepartner.tests.logging")
    assert response["X-Request-ID"] == REQUEST_ID
    assert record["request_id"] == REQUEST_ID
    assert record["message"] == "holding VTI"


@pytest.mark.django_db
@pytest.mark.urls("tests.test_logging")
def test_request_extra_is_summarised_without_its_query_string(client, log_output):
    """A request object passed as an extra is written as method and path: str(request) would include the
    query string, where reset links and tokens travel."""
    client.get("/log/", {"access_token": "qs-secret-token-value", "symbol": "VTI"})

    raw, records = log_output()
    record = next(r for r in records if r["logger"] == "valuepartner.tests.logging")
    assert record["request"] == "GET /log/"
    assert "qs-secret-token-value" not in raw


@pytest.mark.django_db
@pytest.mark.urls("tests.test_logging")
def test_server_error_log_leaks_neither_post_data_nor_query_string(log_output):
    """Django's own "Internal Server Error" record for a 500 is valid JSON with the traceback and request
    id, and carries neither the POSTed password nor tokens from the query string."""
    client = Client(raise_request_exception=False)

    response = client.post(
        "/boom/?token=leaky-querystring-token",
        {"password": "post-body-secret-value", "account_number": "post-body-account"},
        HTTP_X_REQUEST_ID=REQUEST_ID,
    )

    raw, records = log_output()
    record = next(r for r in records if r["logger"] == "django.request")
    assert response.status_code == 500
    assert record["level"] == "ERROR"
    assert record["request_id"] == REQUEST_ID
    assert "RuntimeError: the view broke" in record["exc_info"]
    assert "leaky-querystring-token" not in raw
    assert "post-body-secret-value" not in raw
    assert "post-body-account" not in raw


@pytest.mark.django_db
@pytest.mark.urls("tests.test_logging")
def test_not_found_logged_after_the_middleware_still_carries_the_request_id(client, log_output):
    """Django logs a 404 once the middleware has returned; the line still carries that request's id."""
    client.get("/no-such-page/", HTTP_X_REQUEST_ID=REQUEST_ID)

    _, records = log_output()
    record = next(r for r in records if r["logger"] == "django.request")
    assert record["message"] == "Not Found: /no-such-page/"
    assert record["request_id"] == REQUEST_ID


@pytest.mark.parametrize("place", PLACES, ids=lambda place: place.__name__.removeprefix("_log_"))
@pytest.mark.parametrize("kind", SECRETS)
def test_secret_never_reaches_the_log(log_output, place, kind):
    """Passwords, tokens, API keys, account and card numbers and tax ids are redacted whether they sit in
    the message, a %-argument, an extra field, a dict argument, a dict message or exception text."""
    secret, text = SECRETS[kind]

    place(text)

    raw, records = log_output()
    assert len(records) == 1
    assert secret not in raw
    assert REDACTED in raw


@pytest.mark.parametrize("key", KEYED)
def test_value_under_a_sensitive_name_is_redacted_as_an_extra_field(log_output, key):
    """Whatever its value looks like, a field named like a secret or identifier is written as redacted."""
    logger.info("client updated", extra={key: KEYED[key]})

    raw, records = log_output()
    assert records[0][key] == REDACTED
    assert KEYED[key] not in raw


def test_values_under_sensitive_names_are_redacted_in_dict_arguments_and_messages(log_output):
    """The same holds for dict arguments and dict messages, whose other keys stay readable."""
    logger.info("payload %s", {**KEYED, "symbol": "VTI"})
    logger.info({**KEYED, "event": "client.updated"})

    raw, records = log_output()
    for secret in KEYED.values():
        assert secret not in raw
    assert "VTI" in records[0]["message"]
    assert records[1]["event"] == "client.updated"


def test_argument_after_a_sensitive_label_is_redacted_whole(log_output):
    """ "password=%s" hides the whole argument, spaces and all, while the other arguments stay."""
    logger.info("login for %s with password=%s (attempt %d)", "bob", "correct horse battery staple", 3)

    _, records = log_output()
    assert records[0]["message"] == f"login for bob with password={REDACTED} (attempt 3)"


def test_unserialisable_extra_does_not_break_the_line(log_output):
    """A socket (what Django's dev server puts in ``extra``) is written as text, not a crash."""
    with socket.socket() as sock:
        logger.info("accepted", extra={"connection": sock})

    _, records = log_output()
    assert records[0]["connection"].startswith("<socket.socket")


def test_malformed_format_string_still_logs(log_output):
    """A record whose %-arguments do not fit its format is still written rather than lost."""
    logger.info("%d items", "many")

    _, records = log_output()
    assert records[0]["message"] == "%d items"


@pytest.mark.parametrize(
    "text",
    [
        "setting=5 waiting: 3 routing table rebuilt",
        "rebalanced 12 accounts, cash 1,234.56 USD",
        "order 5512 filled at 2024-03-01",
        "tokens in bucket: none",
    ],
)
def test_ordinary_text_is_left_alone(text):
    """Redaction does not eat ordinary words that merely contain a short sensitive term, or small numbers."""
    assert redact_text(text) == text

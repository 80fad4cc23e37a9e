"""The API's one error format: every failure answers ``{"error": {"code", "message", "fields"}}``.

DRF exceptions keep their codes (``not_authenticated``, ``permission_denied``, ``throttled``, ...),
validation errors become code ``invalid`` with ``{field: [messages]}``, a ``DomainError`` keeps its
own status and code, and anything unexpected is logged with the request id and answered as a
bare ``server_error`` (the traceback goes to the log, never to the client).
"""

import logging
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from valuepartner.errors import DomainError, error_body

from .handlers import NOT_FOUND_MESSAGE, request_id_of, server_error_body

logger = logging.getLogger(__name__)

INVALID_MESSAGE = "Some fields are invalid."


class ApiError(exceptions.APIException):
    """An API-layer refusal with its own code, status and optional field errors."""

    def __init__(self, *, code: str, message: str, status_code: int = 400, fields: dict | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields or {}


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND_MESSAGE)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, DomainError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, ApiError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=_headers(exc))
    if isinstance(exc, exceptions.APIException):
        set_rollback()
        code, message, fields = _describe(exc)
        return Response(error_body(code, message, fields), status=exc.status_code, headers=_headers(exc))

    request_id = request_id_of(request)
    view = context.get("view")
    logger.exception(
        "Unhandled error in %s (request %s)",
        type(view).__name__ if view is not None else "API view",
        request_id,
        extra={"request_id": request_id},
    )
    set_rollback()
    return Response(server_error_body(request_id), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def _headers(exc: exceptions.APIException) -> dict:
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    elif exc.status_code == status.HTTP_401_UNAUTHORIZED:
        # A 401 must name the scheme that would succeed (RFC 9110); ApiErrors carry none of their own.
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(exc.wait))
    return headers


def _describe(exc: exceptions.APIException) -> tuple[str, str, dict]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        return _describe_validation(detail)
    if isinstance(detail, dict):
        # simplejwt raises {"detail": ..., "code": ..., "messages": [...]} for bad tokens.
        return str(detail.get("code") or exc.default_code), str(detail.get("detail") or exc.default_detail), {}
    if isinstance(detail, list):
        return exc.default_code, " ".join(str(item) for item in detail), {}
    return str(getattr(detail, "code", None) or exc.default_code), str(detail), {}


def _describe_validation(detail) -> tuple[str, str, dict]:
    if not isinstance(detail, dict):
        messages = _messages(detail)
        return "invalid", " ".join(messages) or INVALID_MESSAGE, {}
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    for name, errors in detail.items():
        if name == "non_field_errors":
            general.extend(_messages(errors))
        else:
            _flatten(str(name), errors, fields)
    return "invalid", " ".join(general) or INVALID_MESSAGE, fields


def _flatten(prefix: str, errors, into: dict[str, list[str]]) -> None:
    """Nested serializers report nested errors; the client gets one flat map with dotted names."""
    if isinstance(errors, dict):
        for name, nested in errors.items():
            _flatten(f"{prefix}.{name}", nested, into)
    elif isinstance(errors, list) and any(isinstance(item, dict | list) for item in errors):
        for index, nested in enumerate(errors):
            if nested:
                _flatten(f"{prefix}.{index}", nested, into)
    else:
        into[prefix] = _messages(errors)


def _messages(errors) -> list[str]:
    if isinstance(errors, list):
        return [str(item) for item in errors]
    return [str(errors)]

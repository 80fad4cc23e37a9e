"""OpenAPI pieces shared by every API view: the error body and the responses that carry it."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages for `invalid` requests; empty otherwise.",
    )
    request_id = serializers.CharField(required=False, help_text="Present on `server_error` only.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Invalid input (`invalid` with field errors, `parse_error`, or a business rule's own code).",
    401: "Missing, expired or tampered credentials (`not_authenticated`, `authentication_failed`, "
    "`token_not_valid`), or a session still owing a required second factor (`two_factor_required`).",
    403: "The role may not do this (`permission_denied`) or the session's CSRF token is missing (`csrf_failed`).",
    404: "No such object in the caller's scope (`not_found`).",
    405: "Method not allowed on this address (`method_not_allowed`).",
    429: "Too many requests (`throttled`, with a Retry-After header).",
    500: "Unexpected failure (`server_error`, with `request_id`).",
}


def error_response(status: int, description: str = "") -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description or _DESCRIPTIONS[status])


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for ``statuses``; 401 and 500 apply to every authenticated view."""
    return {status: error_response(status) for status in sorted({401, 500, *statuses})}

"""The one exception type services raise, and the pages shown when a request goes wrong."""

from django.http import JsonResponse
from django.shortcuts import render


class DomainError(Exception):
    """A business rule refused the action. ``code`` is stable; the API returns it as-is."""

    status = 400

    def __init__(self, code: str, message: str, *, fields: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def csrf_failure(request, reason: str = ""):
    message = "Your session's security token is missing or stale. Reload the page and try again."
    if is_api_request(request):
        return JsonResponse(error_body("csrf_failed", message), status=403)
    return render(request, "errors/403_csrf.html", {"message": message}, status=403)

"""What a locked-out client sees once django-axes has counted too many failed sign-ins."""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from valuepartner.errors import error_body, is_api_request


def _cool_off(request: HttpRequest) -> timedelta:
    return get_cool_off(request) or timedelta(minutes=15)


def lockout_message(cool_off: timedelta) -> str:
    minutes = max(1, round(cool_off.total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed sign-in attempts. Try again in {minutes} {unit}."


def lockout_response(request: HttpRequest, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: axes 8.3 calls it as ``(request, original_response, credentials)``.

    The API gets the project's JSON error body; the web gets a page saying when to come back.
    Both are 429 so clients and monitoring can tell a lockout from a wrong password.
    """
    cool_off = _cool_off(request)
    message = lockout_message(cool_off)
    retry_after = str(int(cool_off.total_seconds()))
    if is_api_request(request):
        locked = JsonResponse(error_body("locked_out", message), status=429)
    else:
        context = {"message": message, "retry_at": timezone.now() + cool_off}
        locked = render(request, "accounts/locked_out.html", context, status=429)
    locked["Retry-After"] = retry_after
    return locked

"""Operators run the firm, so a password alone never gets them past the front door."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from valuepartner.errors import is_api_request

from .two_factor import confirmed_totp_device, requires_two_factor

# Paths that must stay reachable without a second factor: probes, metrics and static files have no
# session to speak of, and the API checks its tokens itself.
_OPEN_PREFIXES = ("/healthz", "/metrics")


def _redirect(request, url: str):
    if request.headers.get("HX-Request"):
        # A plain redirect would be followed inside the XHR and swapped into part of the page.
        return HttpResponseClientRedirect(url)
    if request.method == "GET":
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    return HttpResponseRedirect(url)


class RequireOperatorTwoFactorMiddleware:
    """Send a signed-in operator whose session has not passed a second factor to the page that
    gives them one: the security page to enrol, or the code prompt if they already have an app.

    Runs after django-otp's OTPMiddleware, which provides ``request.user.is_verified()``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith((settings.STATIC_URL, *_OPEN_PREFIXES)) or is_api_request(request):
            return self.get_response(request)
        user = request.user
        if not requires_two_factor(user) or user.is_verified():
            return self.get_response(request)
        security_url = reverse("accounts:two_factor")
        verify_url = reverse("accounts:two_factor_verify")
        if path in (security_url, verify_url, reverse("accounts:logout")):
            return self.get_response(request)
        if confirmed_totp_device(user) is None:
            return _redirect(request, security_url)
        return _redirect(request, verify_url)

"""Session authentication for the API, held to the same rules as the web pages.

Two differences from DRF's own: a missing or wrong CSRF token is ``csrf_failed``, as on the web side,
and a role that must use two-factor sign-in is refused until its session has passed the second
factor (the web middleware that enforces this leaves /api/ to the API).
"""

from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from rest_framework import authentication, exceptions

from accounts.roles import TWO_FACTOR_REQUIRED_ROLES

TWO_FACTOR_REQUIRED = "Complete two-factor sign-in on the website before using the API with this session."


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, auth = result
        # is_verified comes from django-otp's middleware; without it nothing has been verified.
        verified = getattr(user, "is_verified", lambda: False)()
        if user.role in TWO_FACTOR_REQUIRED_ROLES and not verified:
            raise exceptions.AuthenticationFailed(TWO_FACTOR_REQUIRED, code="two_factor_required")
        return user, auth

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(detail=str(exc.detail), code="csrf_failed") from exc


class SessionScheme(SpectacularSessionScheme):
    """Documents the subclass exactly like DRF's session authentication (a cookie)."""

    target_class = "valuepartner.api.authentication.SessionAuthentication"

"""API sign-in: password (through Axes), then the second factor, then a token pair.

Failures surface as ``ApiError`` codes the mobile client can act on: ``authentication_failed``,
``locked_out``, ``otp_required``, ``otp_invalid`` and ``two_factor_enrolment_required``.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_login_failed
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework import status
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.roles import TWO_FACTOR_REQUIRED_ROLES
from compliance.services import record_event
from valuepartner.api.errors import ApiError

BAD_CREDENTIALS = "No active account found with the given credentials."
LOCKED_OUT = "Too many failed sign-in attempts. Try again later."
OTP_REQUIRED = "Enter the six-digit code from your authenticator app."
OTP_INVALID = "The authenticator code is wrong or has already been used."
ENROLMENT_REQUIRED = "Your role must use two-factor sign-in. Enrol an authenticator app on the website first."


def sign_in(request, *, username: str, password: str, otp: str | None) -> dict[str, str]:
    """Check the credentials and second factor of ``username`` and return ``{"access", "refresh"}``.

    ``request`` is the DRF request: Axes keeps its per-request state on whatever object it is handed,
    so the lockout flag is read back from the same object here.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise _locked_out(request)
        raise ApiError(code="authentication_failed", message=BAD_CREDENTIALS, status_code=status.HTTP_401_UNAUTHORIZED)
    _check_second_factor(request, user=user, otp=otp)
    refresh = RefreshToken.for_user(user)
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    record_event(action="auth.signed_in", actor=user, target=user, metadata={"channel": "api"})
    # Django's user_logged_in is not sent for token sign-ins (no session); Axes still has to clear
    # the username's failed attempts, as it does after a web sign-in.
    AxesProxyHandler.user_logged_in(sender=type(user), request=request, user=user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _check_second_factor(request, *, user: User, otp: str | None) -> None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        if user.role in TWO_FACTOR_REQUIRED_ROLES:
            raise ApiError(
                code="two_factor_enrolment_required", message=ENROLMENT_REQUIRED, status_code=status.HTTP_403_FORBIDDEN
            )
        return
    if not otp:
        raise ApiError(code="otp_required", message=OTP_REQUIRED, fields={"otp": [OTP_REQUIRED]})
    if not device.verify_token(otp):
        # A wrong code is a failed sign-in: audited, and counted by Axes towards the lockout.
        user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        if getattr(request, "axes_locked_out", False):
            raise _locked_out(request)
        raise ApiError(code="otp_invalid", message=OTP_INVALID, status_code=status.HTTP_401_UNAUTHORIZED)


def _locked_out(request) -> ApiError:
    error = ApiError(code="locked_out", message=LOCKED_OUT, status_code=status.HTTP_429_TOO_MANY_REQUESTS)
    cool_off = get_cool_off(request)
    if cool_off:
        error.wait = math.ceil(cool_off.total_seconds())
    return error

"""Signing in, in one step or two, and signing out.

A user with a confirmed authenticator app passes the password step into a *pending* state kept in
the session; only a valid code calls ``django.contrib.auth.login``, so nobody counts (or is audited)
as signed in on the strength of a password alone.
"""

import time

import django_otp
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView, LogoutView
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from ..errors import AccountsError
from ..forms import SignInForm, TokenForm
from ..two_factor import confirmed_totp_device, verify_totp
from .redirects import safe_next_url

PENDING_KEY = "accounts.two_factor_pending"
STEP_UP_ATTEMPTS_KEY = "accounts.two_factor_attempts"
# Wrong codes allowed per password entry (or per session, for a signed-in operator asked to verify);
# django-otp's own back-off on the device slows guessing further between attempts.
MAX_CODE_ATTEMPTS = 5
PENDING_SECONDS = 5 * 60


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_totp_device(user) is None:
            return super().form_valid(form)
        # A fresh session key, so an identifier planted before the password step is useless after it.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "started": time.time(),
            "attempts": 0,
        }
        return redirect("accounts:two_factor_verify")


def _pending_sign_in(request):
    """The pending sign-in and its user, or None once it has expired or the account was deactivated."""
    pending = request.session.get(PENDING_KEY)
    user = None
    if pending and time.time() - pending["started"] <= PENDING_SECONDS:
        user = get_user_model()._default_manager.filter(pk=pending["user_id"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return pending, user


@method_decorator([sensitive_post_parameters("token"), csrf_protect, never_cache], name="dispatch")
class TwoFactorVerifyView(FormView):
    """The code prompt: the second step of a sign-in, or a signed-in session that must verify."""

    template_name = "accounts/two_factor_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        self.pending = None
        if request.user.is_authenticated:
            if request.user.is_verified():
                return redirect(safe_next_url(request))
            if confirmed_totp_device(request.user) is None:
                return redirect("accounts:two_factor")
            self.user = request.user
        else:
            found = _pending_sign_in(request)
            if found is None:
                messages.info(request, "Enter your username and password to sign in.")
                return redirect("accounts:login")
            self.pending, self.user = found
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(signing_in=self.pending is not None, **kwargs)

    def form_valid(self, form):
        try:
            device = verify_totp(user=self.user, token=form.cleaned_data["token"])
        except AccountsError as error:
            if error.code == "invalid_token" and self._count_failure() >= MAX_CODE_ATTEMPTS:
                return self._give_up()
            form.add_error("token", error.message)
            return self.form_invalid(form)
        if self.pending is not None:
            del self.request.session[PENDING_KEY]
            auth_login(self.request, self.user, backend=self.pending["backend"])
            next_url = self.pending["next"]
        else:
            self.request.session.pop(STEP_UP_ATTEMPTS_KEY, None)
            next_url = safe_next_url(self.request)
        django_otp.login(self.request, device)
        return redirect(next_url)

    def _count_failure(self) -> int:
        session = self.request.session
        if self.pending is not None:
            self.pending["attempts"] += 1
            session[PENDING_KEY] = self.pending
            return self.pending["attempts"]
        session[STEP_UP_ATTEMPTS_KEY] = session.get(STEP_UP_ATTEMPTS_KEY, 0) + 1
        return session[STEP_UP_ATTEMPTS_KEY]

    def _give_up(self):
        if self.pending is not None:
            self.request.session.pop(PENDING_KEY, None)
        else:
            auth_logout(self.request)
        messages.error(self.request, "Too many wrong codes. Sign in again with your username and password.")
        return redirect("accounts:login")


class SignOutView(LogoutView):
    """POST signs out; GET only asks for confirmation, so a link or prefetch cannot sign anyone out."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout_confirm.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.info(request, "You have signed out.")
        return response

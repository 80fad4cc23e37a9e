"""The security page: set up, replace or turn off an authenticator app."""

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ..errors import AccountsError
from ..forms import TokenForm
from ..two_factor import (
    confirm_totp_enrolment,
    confirmed_totp_device,
    disable_totp,
    manual_entry_secret,
    may_use_two_factor,
    pending_totp_device,
    qr_code_svg,
    requires_two_factor,
    start_totp_enrolment,
    verify_totp,
)
from .redirects import safe_next_url

DISABLE_PREFIX = "disable"


@method_decorator([login_required, sensitive_post_parameters("token", "disable-token"), never_cache], name="dispatch")
class SecurityView(View):
    template_name = "accounts/two_factor.html"

    def dispatch(self, request, *args, **kwargs):
        if not may_use_two_factor(request.user):
            raise PermissionDenied("Two-factor authentication is not available for this account.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._render(confirm_form=TokenForm(), disable_form=TokenForm(prefix=DISABLE_PREFIX))

    def post(self, request):
        action = request.POST.get("action")
        if action == "start":
            start_totp_enrolment(user=request.user)
            return redirect(request.get_full_path())
        if action == "confirm":
            return self._confirm(request)
        if action == "disable":
            return self._disable(request)
        return HttpResponseBadRequest("Unknown action.")

    def _confirm(self, request):
        pending = pending_totp_device(request.user)
        if pending is None:
            messages.error(request, "That setup is no longer pending. Start again.")
            return redirect(request.get_full_path())
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                device = confirm_totp_enrolment(user=request.user, device=pending, token=form.cleaned_data["token"])
            except AccountsError as error:
                form.add_error("token", error.message)
            else:
                # The code just proved possession of the app, so this session counts as verified.
                django_otp.login(request, device)
                messages.success(request, "Two-factor authentication is on. Sign-ins will now ask for a code.")
                return redirect(safe_next_url(request, default=request.path))
        return self._render(confirm_form=form, disable_form=TokenForm(prefix=DISABLE_PREFIX))

    def _disable(self, request):
        form = TokenForm(request.POST, prefix=DISABLE_PREFIX)
        if form.is_valid():
            try:
                verify_totp(user=request.user, token=form.cleaned_data["token"])
                disable_totp(user=request.user, actor=request.user)
            except AccountsError as error:
                form.add_error("token", error.message)
            else:
                messages.success(request, "Two-factor authentication is off.")
                return redirect(request.path)
        return self._render(confirm_form=TokenForm(), disable_form=form)

    def _render(self, **forms):
        user = self.request.user
        device = confirmed_totp_device(user)
        pending = pending_totp_device(user)
        context = {
            **forms,
            "device": device,
            "pending": pending,
            "required": requires_two_factor(user),
            "can_disable": device is not None and not requires_two_factor(user),
        }
        if pending is not None:
            # The SVG is drawn by the qrcode library from our own otpauth URL; nothing user-typed is in it.
            context["qr_svg"] = mark_safe(qr_code_svg(pending))  # noqa: S308
            context["secret"] = manual_entry_secret(pending)
        return render(self.request, self.template_name, context)

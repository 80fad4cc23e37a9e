"""Forms of the sign-in, password and two-factor pages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.validators import RegexValidator
from django.db import transaction

from compliance.services import record_event


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both fields are case-sensitive.",
        "inactive": "This account is inactive. Ask your firm's operator to reactivate it.",
    }


class TokenField(forms.CharField):
    """A 6-digit code from an authenticator app; spaces typed for readability are ignored."""

    default_validators = [RegexValidator(r"^\d{6}$", "Enter the 6-digit code shown in your authenticator app.")]

    def to_python(self, value):
        return "".join(super().to_python(value).split())


class TokenForm(forms.Form):
    token = TokenField(
        label="6-digit code",
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True, "size": 8}
        ),
    )


class AuditedPasswordChangeForm(PasswordChangeForm):
    def save(self, commit: bool = True):
        with transaction.atomic():
            user = super().save(commit=commit)
            record_event(action="auth.password_changed", actor=user, target=user)
        return user


class AuditedSetPasswordForm(SetPasswordForm):
    """The last step of a password reset: the new password is set and the reset audited."""

    def save(self, commit: bool = True):
        with transaction.atomic():
            user = super().save(commit=commit)
            record_event(action="auth.password_reset", actor=user, target=user, metadata={"channel": "email"})
        return user

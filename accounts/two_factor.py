"""A user's second factor: enrol, confirm, check and remove TOTP authenticator apps.

Each user holds at most one confirmed TOTP device. Enrolling again creates a pending device that
replaces the confirmed one only once a code from the new app proves it works, so nobody (least of
all an operator, who may not go without one) is left without a working second factor.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from compliance.services import record_event

from .errors import AccountsError
from .roles import TWO_FACTOR_REQUIRED_ROLES, TWO_FACTOR_ROLES

DEVICE_NAME = "Authenticator app"

INVALID_TOKEN_MESSAGE = "That code is not valid. Enter the current 6-digit code from your authenticator app."


def may_use_two_factor(user) -> bool:
    return user.is_authenticated and user.role in TWO_FACTOR_ROLES


def requires_two_factor(user) -> bool:
    return user.is_authenticated and user.role in TWO_FACTOR_REQUIRED_ROLES


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("-pk").first()


def pending_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()


def manual_entry_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps expect it typed: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth URL as an inline SVG QR code, drawn here so no image service sees the key."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def start_totp_enrolment(*, user) -> TOTPDevice:
    """Create an unconfirmed device with a fresh key, discarding any earlier unconfirmed one."""
    if user.role not in TWO_FACTOR_ROLES:
        raise AccountsError("two_factor_unavailable", "Two-factor authentication is not available for this account.")
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def _throttled_error(info: dict | None) -> AccountsError:
    locked_until = (info or {}).get("locked_until")
    seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1) if locked_until else 1
    message = f"Too many wrong codes in a row. Wait {seconds} seconds and try again."
    return AccountsError("two_factor_throttled", message, fields={"token": [message]})


def _invalid_token_error() -> AccountsError:
    return AccountsError("invalid_token", INVALID_TOKEN_MESSAGE, fields={"token": [INVALID_TOKEN_MESSAGE]})


def _check_locked_device(device: TOTPDevice, token: str) -> AccountsError | None:
    """Verify ``token`` on a row-locked device; the error is returned, not raised, so the
    device's throttling counters are committed along with the failure."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return _throttled_error(info)
    if not device.verify_token(token):
        return _invalid_token_error()
    return None


def confirm_totp_enrolment(*, user, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a pending device with a code from the app; it replaces any earlier confirmed one."""
    if device.user_id != user.pk or device.confirmed:
        raise AccountsError("invalid_device", "This enrolment is no longer pending. Start again.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        error = _check_locked_device(device, token)
        if error is None:
            replaced = TOTPDevice.objects.devices_for_user(user, confirmed=True).exclude(pk=device.pk)
            replaced_count, _ = replaced.delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_event(
                action="auth.two_factor_enabled",
                actor=user,
                target=user,
                metadata={"method": "totp", "replaced_device": bool(replaced_count)},
            )
    if error is not None:
        raise error
    return device


def verify_totp(*, user, token: str) -> TOTPDevice:
    """Check a sign-in code against the user's confirmed device; a wrong code is audited."""
    device = confirmed_totp_device(user)
    if device is None:
        raise AccountsError("two_factor_not_enrolled", "This account has no authenticator app set up.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        error = _check_locked_device(device, token)
    if error is not None:
        record_event(
            action="auth.two_factor_failed",
            target=user,
            actor_label=user.get_username(),
            metadata={"reason": error.code},
        )
        raise error
    return device


def disable_totp(*, user, actor) -> int:
    """Remove the user's TOTP devices. Returns how many were removed.

    An operator must always keep a working second factor, so their TOTP device can only go if
    another confirmed device (of another kind) remains.
    """
    with transaction.atomic():
        devices = TOTPDevice.objects.select_for_update().filter(user=user)
        totp_ids = set(devices.values_list("pk", flat=True))
        others = [
            device
            for device in devices_for_user(user, confirmed=True)
            if not (isinstance(device, TOTPDevice) and device.pk in totp_ids)
        ]
        if user.role in TWO_FACTOR_REQUIRED_ROLES and not others:
            raise AccountsError(
                "two_factor_required",
                "Operators must keep two-factor authentication on. Enrol a replacement app instead.",
            )
        removed, _ = devices.delete()
        if removed:
            record_event(action="auth.two_factor_disabled", actor=actor, target=user, metadata={"method": "totp"})
    return removed

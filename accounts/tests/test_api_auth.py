"""Token sign-in, second factor, lockout, throttling, rotation and sign-out of the JSON API."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import PASSWORD, AdvisorFactory
from compliance.models import AuditEvent

pytestmark = pytest.mark.django_db

# Every request of a test client comes from this address, so this is the throttle's cache key.
THROTTLE_KEY = "throttle_auth_127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Only this key: clearing the whole cache would wipe other tests' data on a shared Redis.
    cache.delete(THROTTLE_KEY)
    yield
    cache.delete(THROTTLE_KEY)


@pytest.fixture
def api():
    return APIClient()


def obtain(api, username, password=PASSWORD, **extra):
    return api.post(reverse("api:token_obtain"), {"username": username, "password": password, **extra})


def bearer(api, token) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_valid_credentials_return_a_working_token_pair_and_audit_one_sign_in(api, advisor):
    """A correct username and password give access and refresh tokens; the access token opens
    /me/, and exactly one auth.signed_in event with channel "api" is recorded."""
    response = obtain(api, advisor.username)

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    me = bearer(api, response.json()["access"]).get(reverse("api:me"))
    assert me.status_code == 200
    assert me.json() == {
        "id": advisor.pk,
        "username": advisor.username,
        "name": advisor.get_full_name(),
        "email": advisor.email,
        "role": "advisor",
        "firm": {"id": advisor.firm_id, "name": advisor.firm.name},
    }
    signed_in = events("auth.signed_in")
    assert signed_in.count() == 1
    assert signed_in.get().metadata == {"channel": "api"}
    assert signed_in.get().actor_id == advisor.pk


def test_invalid_credentials_are_401_authentication_failed_and_audited(api, advisor):
    """A wrong password answers the documented 401 body and records a failed sign-in from the API."""
    response = obtain(api, advisor.username, password="not-the-password")

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "authentication_failed",
            "message": "No active account found with the given credentials.",
            "fields": {},
        }
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    failed = events("auth.sign_in_failed").get()
    assert failed.metadata["channel"] == "api"
    assert failed.metadata["username"] == advisor.username
    assert not events("auth.signed_in").exists()


def test_inactive_user_cannot_obtain_tokens(api):
    """A deactivated account with the right password is refused like a wrong password."""
    user = AdvisorFactory(is_active=False)

    response = obtain(api, user.username)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_missing_fields_are_invalid_with_field_errors(api):
    """An empty body answers 400 invalid naming both required fields."""
    response = api.post(reverse("api:token_obtain"), {})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_expired_access_token_is_401_token_not_valid(api, advisor):
    """An access token past its exp is refused with the documented 401 body."""
    token = AccessToken.for_user(advisor)
    token.set_exp(lifetime=-timedelta(minutes=1))

    response = bearer(api, str(token)).get(reverse("api:me"))

    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_not_valid"
    assert error["message"]
    assert error["fields"] == {}


def test_tampered_access_token_is_401_token_not_valid(api, advisor):
    """Changing one character of the signature makes the token worthless."""
    token = str(AccessToken.for_user(advisor))
    last = token[-2]
    tampered = token[:-2] + ("A" if last != "A" else "B") + token[-1]

    response = bearer(api, tampered).get(reverse("api:me"))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


def test_refresh_rotates_and_the_used_refresh_token_is_rejected(api, advisor):
    """Refreshing returns a new pair; presenting the spent refresh token again is 401."""
    first = obtain(api, advisor.username).json()

    rotated = api.post(reverse("api:token_refresh"), {"refresh": first["refresh"]})
    replay = api.post(reverse("api:token_refresh"), {"refresh": first["refresh"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    assert api.post(reverse("api:token_refresh"), {"refresh": rotated.json()["refresh"]}).status_code == 200


def test_logout_blacklists_the_refresh_token_and_audits(api, advisor):
    """Sign-out answers 205; the refresh token can no longer be used or revoked again."""
    pair = obtain(api, advisor.username).json()

    response = api.post(reverse("api:logout"), {"refresh": pair["refresh"]})

    assert response.status_code == 205
    refused = api.post(reverse("api:token_refresh"), {"refresh": pair["refresh"]})
    assert refused.status_code == 401
    again = api.post(reverse("api:logout"), {"refresh": pair["refresh"]})
    assert again.status_code == 400
    assert "refresh" in again.json()["error"]["fields"]
    signed_out = events("auth.signed_out").get()
    assert signed_out.actor_id == advisor.pk
    assert signed_out.metadata == {"channel": "api"}


def test_logout_refuses_an_access_token_in_place_of_the_refresh_token(api, advisor):
    """Only a refresh token can be revoked: an access token is a field error, not a silent success."""
    response = api.post(reverse("api:logout"), {"refresh": str(AccessToken.for_user(advisor))})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_token_endpoint_is_throttled_with_retry_after(api, advisor, monkeypatch):
    """Past the "auth" rate the token endpoint answers 429 throttled with a Retry-After header."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})

    statuses = [obtain(api, advisor.username).status_code for _ in range(3)]
    throttled = obtain(api, advisor.username)

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(api, advisor, settings):
    """After AXES_FAILURE_LIMIT wrong passwords, the right one is refused with 429 locked_out."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert obtain(api, advisor.username, password="wrong-password").status_code in (401, 429)
        cache.delete(THROTTLE_KEY)

    response = obtain(api, advisor.username)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert int(response["Retry-After"]) > 0
    assert not events("auth.signed_in").exists()


def test_success_clears_earlier_failures(api, advisor, settings):
    """A successful API sign-in resets the failure count, as a web sign-in does."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        obtain(api, advisor.username, password="wrong-password")
    assert obtain(api, advisor.username).status_code == 200
    cache.delete(THROTTLE_KEY)

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        obtain(api, advisor.username, password="wrong-password")

    assert obtain(api, advisor.username).status_code == 200


class TestSecondFactor:
    @pytest.fixture
    def device(self, advisor):
        return TOTPDevice.objects.create(user=advisor, name="phone", confirmed=True)

    def test_missing_code_is_400_otp_required_on_the_otp_field(self, api, advisor, device):
        """With a confirmed authenticator, a password alone answers 400 otp_required on field otp."""
        response = obtain(api, advisor.username)

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "otp_required"
        assert list(error["fields"]) == ["otp"]
        assert not events("auth.signed_in").exists()

    def test_wrong_code_is_401_otp_invalid_and_a_failed_sign_in(self, api, advisor, device):
        """A wrong six-digit code answers 401 otp_invalid and is audited as a failed sign-in."""
        wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

        response = obtain(api, advisor.username, otp=wrong)

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "otp_invalid"
        assert events("auth.sign_in_failed").filter(metadata__channel="api").count() == 1

    def test_right_code_signs_in(self, api, advisor, device):
        """The current code from the device completes the sign-in."""
        response = obtain(api, advisor.username, otp=current_code(device))

        assert response.status_code == 200
        assert "access" in response.json()

    def test_unconfirmed_device_does_not_demand_a_code(self, api, advisor):
        """An enrolment that was never confirmed does not lock its owner out of the API."""
        TOTPDevice.objects.create(user=advisor, name="half-enrolled", confirmed=False)

        assert obtain(api, advisor.username).status_code == 200

    def test_operator_without_authenticator_is_403_enrolment_required(self, api, operator):
        """Operators must use two-factor sign-in; without a confirmed device they get no tokens."""
        response = obtain(api, operator.username)

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "two_factor_enrolment_required"

    def test_operator_with_authenticator_and_code_signs_in(self, api, operator):
        """An enrolled operator who sends the current code receives tokens."""
        device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)

        response = obtain(api, operator.username, otp=current_code(device))

        assert response.status_code == 200


def test_session_write_without_csrf_token_is_403_csrf_failed(advisor):
    """A browser session may call the API, but an unsafe request without the CSRF token is refused
    with the documented 403 body; the same request with the token succeeds."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(advisor)

    refused = browser.post(reverse("api:household-list"), {"name": "Lee family"}, content_type="application/json")

    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "csrf_failed"
    assert error["message"].startswith("CSRF Failed")
    secret = "CsrfSecretForTests0123456789abcd"  # 32 characters, the shape of Django's cookie value
    browser.cookies["csrftoken"] = secret
    accepted = browser.post(
        reverse("api:household-list"), {"name": "Lee family"}, content_type="application/json", HTTP_X_CSRFTOKEN=secret
    )
    assert accepted.status_code == 201


def test_operator_session_without_second_factor_cannot_use_the_api(operator):
    """An operator signed in on the website but not yet past the second factor gets 401
    two_factor_required from the API; once the session is verified the same call succeeds."""
    browser = Client()
    browser.force_login(operator)

    refused = browser.get(reverse("api:me"))

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "two_factor_required"
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert browser.get(reverse("api:me")).status_code == 200

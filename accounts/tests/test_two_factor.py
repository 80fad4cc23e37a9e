"""TOTP two-factor: enrolment services, the security page, the two-step sign-in and the operator rule."""

import time

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.errors import AccountsError
from accounts.tests.factories import PASSWORD
from accounts.views.sign_in import MAX_CODE_ATTEMPTS, PENDING_KEY
from compliance.models import AuditEvent


def code(device, steps_ahead=0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` 30-second steps later)."""
    return f"{totp(device.bin_key, drift=steps_ahead):06d}"


def wrong_code(device) -> str:
    valid = {code(device, step) for step in (-1, 0, 1)}
    return next(candidate for candidate in ("000000", "111111", "222222", "333333") if candidate not in valid)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def no_throttle(settings):
    """django-otp makes a device wait 1, 2, 4... seconds after each wrong code; tests that send
    several codes in a row switch that off to exercise our own attempt limit."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.mark.django_db
class TestEnrolmentServices:
    def test_start_creates_an_unconfirmed_device_and_replaces_an_older_pending_one(self, advisor):
        """Starting twice leaves exactly one pending device, with a new key."""
        first = two_factor.start_totp_enrolment(user=advisor)
        second = two_factor.start_totp_enrolment(user=advisor)

        assert list(TOTPDevice.objects.filter(user=advisor)) == [second]
        assert second.confirmed is False
        assert second.key != first.key

    def test_clients_cannot_enrol(self, client_user):
        """Two-factor is for staff roles only; a client is refused."""
        with pytest.raises(AccountsError) as error:
            two_factor.start_totp_enrolment(user=client_user)

        assert error.value.code == "two_factor_unavailable"
        assert not TOTPDevice.objects.filter(user=client_user).exists()

    def test_confirm_with_wrong_code_leaves_device_pending(self, advisor):
        """A wrong code is refused with invalid_token and confirms nothing."""
        device = two_factor.start_totp_enrolment(user=advisor)

        with pytest.raises(AccountsError) as error:
            two_factor.confirm_totp_enrolment(user=advisor, device=device, token=wrong_code(device))

        assert error.value.code == "invalid_token"
        assert "token" in error.value.fields
        device.refresh_from_db()
        assert device.confirmed is False
        assert device.throttling_failure_count == 1

    def test_confirm_with_app_code_confirms_and_audits(self, compliance_officer):
        """The current code confirms the device and records auth.two_factor_enabled."""
        device = two_factor.start_totp_enrolment(user=compliance_officer)

        confirmed = two_factor.confirm_totp_enrolment(user=compliance_officer, device=device, token=code(device))

        assert confirmed.confirmed is True
        event = AuditEvent.objects.get(action="auth.two_factor_enabled")
        assert event.actor_id == compliance_officer.pk
        assert event.metadata == {"method": "totp", "replaced_device": False}

    def test_confirming_a_new_app_replaces_the_old_one(self, operator):
        """Re-enrolling keeps the old device until the new one is confirmed, then removes it."""
        old = confirmed_device(operator)
        new = two_factor.start_totp_enrolment(user=operator)
        assert two_factor.confirmed_totp_device(operator) == old

        two_factor.confirm_totp_enrolment(user=operator, device=new, token=code(new))

        assert list(TOTPDevice.objects.filter(user=operator)) == [new]
        assert AuditEvent.objects.get(action="auth.two_factor_enabled").metadata["replaced_device"] is True

    def test_cannot_confirm_someone_elses_device(self, advisor, other_advisor):
        """A device of another user is not confirmable, whatever the code."""
        device = two_factor.start_totp_enrolment(user=other_advisor)

        with pytest.raises(AccountsError) as error:
            two_factor.confirm_totp_enrolment(user=advisor, device=device, token=code(device))

        assert error.value.code == "invalid_device"

    def test_disable_removes_devices_and_audits(self, advisor):
        """An advisor may turn two-factor off; the devices go and the change is audited."""
        confirmed_device(advisor)

        removed = two_factor.disable_totp(user=advisor, actor=advisor)

        assert removed == 1
        assert not TOTPDevice.objects.filter(user=advisor).exists()
        assert AuditEvent.objects.filter(action="auth.two_factor_disabled", actor=advisor).count() == 1

    def test_operator_cannot_disable_their_only_device(self, operator):
        """An operator's only second factor cannot be removed."""
        device = confirmed_device(operator)

        with pytest.raises(AccountsError) as error:
            two_factor.disable_totp(user=operator, actor=operator)

        assert error.value.code == "two_factor_required"
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
        assert not AuditEvent.objects.filter(action="auth.two_factor_disabled").exists()

    def test_operator_may_drop_totp_when_another_confirmed_device_remains(self, operator):
        """With another confirmed device (backup codes) the operator still has a second factor."""
        confirmed_device(operator)
        StaticDevice.objects.create(user=operator, name="Backup codes", confirmed=True)

        assert two_factor.disable_totp(user=operator, actor=operator) == 1

    def test_manual_entry_secret_is_the_base32_key(self, advisor):
        """The key shown for typing is the same secret the QR code carries, in groups of four."""
        device = two_factor.start_totp_enrolment(user=advisor)

        secret = two_factor.manual_entry_secret(device)

        assert secret.replace(" ", "") in device.config_url
        assert all(len(group) == 4 for group in secret.split(" "))


@pytest.mark.django_db
class TestSecurityPage:
    url = staticmethod(lambda: reverse("accounts:two_factor"))

    def test_client_is_refused(self, client, client_user):
        """Clients have no two-factor settings: the page is forbidden to them."""
        client.force_login(client_user)

        assert client.get(self.url()).status_code == 403

    def test_anonymous_is_sent_to_sign_in(self, client, db):
        """The page needs a signed-in user."""
        response = client.get(self.url())

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    def test_enrolment_through_the_page(self, client, advisor):
        """Start shows an inline SVG QR code and the key; the first code confirms and verifies the session."""
        client.force_login(advisor)
        assert "Set up an authenticator app" in client.get(self.url()).text

        started = client.post(self.url(), {"action": "start"})
        assert started.status_code == 302
        page = client.get(self.url())
        device = TOTPDevice.objects.get(user=advisor, confirmed=False)
        assert "<svg" in page.text
        assert "<img" not in page.text
        assert two_factor.manual_entry_secret(device) in page.text

        confirmed = client.post(self.url(), {"action": "confirm", "token": code(device)})

        assert confirmed.status_code == 302
        device.refresh_from_db()
        assert device.confirmed is True
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert "Each sign-in asks for a code" in client.get(self.url()).text

    def test_wrong_first_code_is_a_field_error(self, client, advisor):
        """A wrong code during enrolment re-renders the page with the error on the code field."""
        client.force_login(advisor)
        device = two_factor.start_totp_enrolment(user=advisor)

        response = client.post(self.url(), {"action": "confirm", "token": wrong_code(device)})

        assert response.status_code == 200
        assert response.context["confirm_form"].errors["token"] == [two_factor.INVALID_TOKEN_MESSAGE]
        assert 'class="field-error"' in response.text

    def test_badly_formed_code_is_a_field_error(self, client, advisor):
        """Letters or the wrong length are refused before any device is consulted."""
        client.force_login(advisor)
        device = two_factor.start_totp_enrolment(user=advisor)

        response = client.post(self.url(), {"action": "confirm", "token": "12ab"})

        assert response.context["confirm_form"].errors["token"]
        device.refresh_from_db()
        assert device.throttling_failure_count == 0

    def test_code_typed_with_a_space_is_accepted(self, client, advisor):
        """Apps show codes as '123 456'; typing the space does not make the code wrong."""
        client.force_login(advisor)
        device = two_factor.start_totp_enrolment(user=advisor)
        token = code(device)

        client.post(self.url(), {"action": "confirm", "token": f"{token[:3]} {token[3:]}"})

        device.refresh_from_db()
        assert device.confirmed is True

    def test_advisor_disables_with_a_current_code(self, client, advisor):
        """Turning two-factor off needs a current code, so a borrowed session cannot do it silently."""
        device = confirmed_device(advisor)
        client.force_login(advisor)

        refused = client.post(self.url(), {"action": "disable", "disable-token": wrong_code(device)})
        assert refused.context["disable_form"].errors["token"]
        assert TOTPDevice.objects.filter(user=advisor).exists()

        device.throttle_reset()
        accepted = client.post(self.url(), {"action": "disable", "disable-token": code(device)})

        assert accepted.status_code == 302
        assert not TOTPDevice.objects.filter(user=advisor).exists()

    def test_operator_sees_no_disable_form(self, client, operator):
        """The page does not offer operators a way to turn two-factor off."""
        device = confirmed_device(operator)
        client.force_login(operator)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

        page = client.get(self.url())

        assert page.status_code == 200
        assert 'value="disable"' not in page.text
        assert "Operators cannot turn two-factor authentication off." in page.text


@pytest.mark.django_db
class TestTwoStepSignIn:
    def password_step(self, client, user, next_url=""):
        url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
        return client.post(url, {"username": user.username, "password": PASSWORD})

    def test_password_alone_does_not_sign_in_a_user_with_a_device(self, client, advisor):
        """The password step leads to the code prompt; no session user and no sign-in audit yet."""
        confirmed_device(advisor)

        response = self.password_step(client, advisor)

        assert response.status_code == 302
        assert response.url == reverse("accounts:two_factor_verify")
        assert "_auth_user_id" not in client.session
        assert client.session[PENDING_KEY]["user_id"] == advisor.pk
        assert not AuditEvent.objects.filter(action="auth.signed_in").exists()
        assert client.get(reverse("accounts:two_factor_verify")).status_code == 200

    def test_right_code_completes_sign_in_verified_and_audited(self, client, advisor):
        """The code signs the user in with a verified session, lands on ?next, and only then audits."""
        device = confirmed_device(advisor)
        target = reverse("accounts:password_change")
        self.password_step(client, advisor, next_url=target)

        response = client.post(reverse("accounts:two_factor_verify"), {"token": code(device)})

        assert response.status_code == 302
        assert response.url == target
        assert client.session["_auth_user_id"] == str(advisor.pk)
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert PENDING_KEY not in client.session
        assert AuditEvent.objects.filter(action="auth.signed_in", actor=advisor).count() == 1

    def test_wrong_code_is_a_field_error_and_is_audited(self, client, advisor):
        """A wrong code keeps the user signed out, shows the error on the field and is audited."""
        device = confirmed_device(advisor)
        self.password_step(client, advisor)

        response = client.post(reverse("accounts:two_factor_verify"), {"token": wrong_code(device)})

        assert response.status_code == 200
        assert response.context["form"].errors["token"] == [two_factor.INVALID_TOKEN_MESSAGE]
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.filter(action="auth.two_factor_failed", object_id=str(advisor.pk)).count() == 1

    def test_quick_retry_after_a_wrong_code_is_told_to_wait(self, client, advisor):
        """django-otp's back-off refuses an immediate retry, even with the right code, and says so."""
        device = confirmed_device(advisor)
        self.password_step(client, advisor)
        client.post(reverse("accounts:two_factor_verify"), {"token": wrong_code(device)})

        response = client.post(reverse("accounts:two_factor_verify"), {"token": code(device)})

        assert "Wait" in response.context["form"].errors["token"][0]
        assert "_auth_user_id" not in client.session

    def test_too_many_wrong_codes_send_the_user_back_to_the_password(self, client, advisor, no_throttle):
        """After the attempt limit the pending sign-in is dropped and the password must be entered again."""
        device = confirmed_device(advisor)
        self.password_step(client, advisor)
        verify_url = reverse("accounts:two_factor_verify")

        for _ in range(MAX_CODE_ATTEMPTS - 1):
            assert client.post(verify_url, {"token": wrong_code(device)}).status_code == 200
        response = client.post(verify_url, {"token": wrong_code(device)}, follow=True)

        assert response.redirect_chain[-1][0] == reverse("accounts:login")
        assert "Too many wrong codes" in response.text
        assert PENDING_KEY not in client.session
        assert client.post(verify_url, {"token": code(device)}).url == reverse("accounts:login")
        assert "_auth_user_id" not in client.session

    def test_code_prompt_without_a_password_step_goes_to_sign_in(self, client, db):
        """The code prompt is useless without a pending sign-in and sends visitors to the password step."""
        response = client.get(reverse("accounts:two_factor_verify"))

        assert response.status_code == 302
        assert response.url == reverse("accounts:login")

    def test_pending_sign_in_expires(self, client, advisor):
        """A password step left too long ago no longer leads to a sign-in."""
        device = confirmed_device(advisor)
        self.password_step(client, advisor)
        session = client.session
        session[PENDING_KEY] = {**session[PENDING_KEY], "started": time.time() - 3600}
        session.save()

        response = client.post(reverse("accounts:two_factor_verify"), {"token": code(device)})

        assert response.url == reverse("accounts:login")
        assert "_auth_user_id" not in client.session

    def test_user_deactivated_between_steps_cannot_finish(self, client, advisor):
        """Deactivating the account while the code prompt is open stops the sign-in."""
        device = confirmed_device(advisor)
        self.password_step(client, advisor)
        advisor.is_active = False
        advisor.save(update_fields=["is_active"])

        response = client.post(reverse("accounts:two_factor_verify"), {"token": code(device)})

        assert response.url == reverse("accounts:login")
        assert "_auth_user_id" not in client.session

    def test_enrolled_code_cannot_be_replayed_but_the_next_one_signs_in(self, client, advisor):
        """End to end: enrol on the page, sign out, sign in with password and a later code."""
        client.force_login(advisor)
        client.post(reverse("accounts:two_factor"), {"action": "start"})
        device = TOTPDevice.objects.get(user=advisor)
        # The very code used to enrol is replayed: a fresh one would differ if a 30-second step ended between.
        enrolment_code = code(device)
        client.post(reverse("accounts:two_factor"), {"action": "confirm", "token": enrolment_code})
        client.post(reverse("accounts:logout"))

        self.password_step(client, advisor)
        replay = client.post(reverse("accounts:two_factor_verify"), {"token": enrolment_code})
        assert replay.status_code == 200
        device.refresh_from_db()
        device.throttle_reset()

        response = client.post(reverse("accounts:two_factor_verify"), {"token": code(device, steps_ahead=1)})

        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(advisor.pk)


@pytest.mark.django_db
class TestOperatorTwoFactorRequirement:
    def test_operator_without_device_is_sent_to_the_security_page(self, client, operator):
        """A signed-in operator with no app is redirected to enrol, remembering where they were going."""
        client.force_login(operator)
        target = reverse("accounts:password_change")

        response = client.get(target)

        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:two_factor')}?next={target.replace('/', '%2F')}"
        assert client.get(reverse("accounts:two_factor")).status_code == 200

    def test_operator_enrolling_from_the_redirect_returns_to_the_page(self, client, operator):
        """Confirming the app verifies the session and sends the operator on to the page they wanted."""
        client.force_login(operator)
        target = reverse("accounts:password_change")
        security = client.get(target).url
        client.post(security, {"action": "start"})
        device = TOTPDevice.objects.get(user=operator)

        response = client.post(security, {"action": "confirm", "token": code(device)})

        assert response.url == target
        assert client.get(target).status_code == 200

    def test_operator_with_device_but_unverified_session_must_verify(self, client, operator):
        """An operator session that never passed a code is sent to the code prompt, then let through."""
        device = confirmed_device(operator)
        client.force_login(operator)
        target = reverse("accounts:password_change")

        response = client.get(target)

        verify_url = reverse("accounts:two_factor_verify")
        assert response.url == f"{verify_url}?next={target.replace('/', '%2F')}"
        verified = client.post(response.url, {"token": code(device)})
        assert verified.url == target
        assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
        assert client.get(target).status_code == 200

    def test_unverified_operator_giving_up_on_codes_is_signed_out(self, client, operator, no_throttle):
        """Too many wrong codes from a signed-in but unverified operator end the session."""
        device = confirmed_device(operator)
        client.force_login(operator)
        verify_url = reverse("accounts:two_factor_verify")

        for _ in range(MAX_CODE_ATTEMPTS):
            response = client.post(verify_url, {"token": wrong_code(device)})

        assert response.url == reverse("accounts:login")
        assert "_auth_user_id" not in client.session

    def test_sign_out_and_open_paths_are_not_redirected(self, client, operator):
        """Sign-out, the API, health checks and static files stay reachable without a second factor."""
        client.force_login(operator)

        assert client.get(reverse("accounts:logout")).status_code == 200
        for path in ("/api/v1/no-such-endpoint/", "/healthz/", "/static/css/app.css"):
            response = client.get(path)
            assert not (response.status_code == 302 and "/accounts/" in response.url), path

    def test_htmx_requests_get_a_client_side_redirect(self, client, operator):
        """An htmx request is told to navigate (HX-Redirect) instead of swapping the page in."""
        client.force_login(operator)

        response = client.get(reverse("accounts:password_change"), headers={"HX-Request": "true"})

        assert response.status_code == 200
        assert response["HX-Redirect"] == reverse("accounts:two_factor")

    def test_advisor_without_device_is_not_forced(self, client, advisor):
        """Two-factor is optional for advisors: their pages open without it."""
        client.force_login(advisor)

        assert client.get(reverse("accounts:password_change")).status_code == 200

"""Sign-in, sign-out, password change and password reset through the web pages."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import PASSWORD, AdvisorFactory
from compliance.models import AuditEvent

NEW_PASSWORD = "a-much-longer-new-passphrase-42"


def sign_in(client, username, password=PASSWORD, next_url=None):
    url = reverse("accounts:login")
    if next_url is not None:
        url = f"{url}?next={next_url}"
    return client.post(url, {"username": username, "password": password})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
class TestSignIn:
    def test_sign_in_page_renders_for_anonymous_visitor(self, client):
        """The sign-in page shows a username and password form with a reset link."""
        response = client.get(reverse("accounts:login"))

        assert response.status_code == 200
        assert 'name="username"' in response.text
        assert 'name="password"' in response.text
        assert reverse("accounts:password_reset") in response.text

    def test_right_password_signs_in_redirects_to_dashboard_and_audits(self, client, advisor):
        """Good credentials sign the user in, land on the dashboard and record auth.signed_in."""
        response = sign_in(client, advisor.username)

        assert response.status_code == 302
        assert response.url == reverse("dashboard")
        assert signed_in_user_id(client) == str(advisor.pk)
        assert AuditEvent.objects.filter(action="auth.signed_in", actor=advisor).count() == 1

    def test_wrong_password_shows_non_field_error_and_stays_signed_out(self, client, advisor):
        """A wrong password re-renders the form with a clear non-field error; nobody is signed in."""
        response = sign_in(client, advisor.username, password="not-the-password")

        assert response.status_code == 200
        assert response.context["form"].non_field_errors() == [
            "Enter a correct username and password. Both fields are case-sensitive."
        ]
        assert "Enter a correct username and password." in response.text
        assert signed_in_user_id(client) is None
        assert AuditEvent.objects.filter(action="auth.sign_in_failed", actor_label=advisor.username).exists()

    def test_inactive_user_cannot_sign_in_even_with_right_password(self, client, firm):
        """A deactivated account gets the same refusal as a wrong password and no session."""
        user = AdvisorFactory(firm=firm, is_active=False)

        response = sign_in(client, user.username)

        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert signed_in_user_id(client) is None

    def test_local_next_url_is_followed_after_sign_in(self, client, advisor):
        """?next pointing into the site is where the user lands after signing in."""
        target = reverse("accounts:password_change")

        response = sign_in(client, advisor.username, next_url=target)

        assert response.url == target

    @pytest.mark.parametrize("unsafe", ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)"])
    def test_next_url_to_another_site_is_ignored(self, client, advisor, unsafe):
        """An off-site or scripted ?next cannot turn sign-in into an open redirect."""
        response = sign_in(client, advisor.username, next_url=unsafe)

        assert response.status_code == 302
        assert response.url == reverse("dashboard")

    def test_signed_in_user_visiting_sign_in_goes_to_dashboard(self, client, advisor):
        """The sign-in page does not ask a signed-in user to sign in again."""
        client.force_login(advisor)

        response = client.get(reverse("accounts:login"))

        assert response.status_code == 302
        assert response.url == reverse("dashboard")


@pytest.mark.django_db
class TestSignOut:
    def test_get_only_asks_for_confirmation(self, client, advisor):
        """GET on sign-out shows a confirmation form and leaves the session signed in."""
        client.force_login(advisor)

        response = client.get(reverse("accounts:logout"))

        assert response.status_code == 200
        assert 'method="post"' in response.text
        assert signed_in_user_id(client) == str(advisor.pk)

    def test_post_signs_out_redirects_to_sign_in_and_audits(self, client, advisor):
        """POST ends the session, returns to the sign-in page and records auth.signed_out."""
        client.force_login(advisor)

        response = client.post(reverse("accounts:logout"))

        assert response.status_code == 302
        assert response.url == reverse("accounts:login")
        assert signed_in_user_id(client) is None
        assert AuditEvent.objects.filter(action="auth.signed_out", actor=advisor).count() == 1

    def test_anonymous_get_goes_to_sign_in(self, client, db):
        """Someone not signed in has nothing to confirm and is sent to the sign-in page."""
        response = client.get(reverse("accounts:logout"))

        assert response.status_code == 302
        assert response.url == reverse("accounts:login")


@pytest.mark.django_db
class TestPasswordChange:
    def test_requires_sign_in(self, client):
        """The password change page sends anonymous visitors to sign in first, then back."""
        url = reverse("accounts:password_change")

        response = client.get(url)

        assert response.status_code == 302
        assert response.url == f"{reverse('accounts:login')}?next={url}"

    def test_wrong_old_password_is_a_field_error(self, client, advisor):
        """A wrong current password is reported on that field and the password is unchanged."""
        client.force_login(advisor)

        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]
        assert 'class="field-error"' in response.text
        advisor.refresh_from_db()
        assert advisor.check_password(PASSWORD)

    def test_mismatched_new_passwords_are_a_field_error(self, client, advisor):
        """Two different new passwords are reported on the confirmation field."""
        client.force_login(advisor)

        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["new_password2"]
        advisor.refresh_from_db()
        assert advisor.check_password(PASSWORD)

    def test_too_short_password_is_refused_by_validators(self, client, advisor):
        """The project's password validators (10 characters minimum) apply to a change."""
        client.force_login(advisor)

        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": "Sh0rt!", "new_password2": "Sh0rt!"},
        )

        assert "new_password2" in response.context["form"].errors

    def test_valid_change_sets_password_keeps_session_and_audits(self, client, advisor):
        """A valid change stores the new password, keeps the user signed in and is audited."""
        client.force_login(advisor)

        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )

        assert response.status_code == 302
        assert response.url == reverse("accounts:password_change_done")
        advisor.refresh_from_db()
        assert advisor.check_password(NEW_PASSWORD)
        assert client.get(reverse("accounts:password_change_done")).status_code == 200
        assert AuditEvent.objects.filter(action="auth.password_changed", actor=advisor).count() == 1


@pytest.mark.django_db
class TestPasswordReset:
    def _reset_link_path(self, message) -> str:
        match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
        assert match, message.body
        return match.group(1)

    def test_reset_mail_link_sets_a_new_password(self, client, advisor):
        """Asking for a reset e-mails a link that lets the user choose a password, which then works."""
        response = client.post(reverse("accounts:password_reset"), {"email": advisor.email})

        assert response.status_code == 302
        assert response.url == reverse("accounts:password_reset_done")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [advisor.email]
        assert message.subject == "Reset your Value Partner password"
        assert "Check your e-mail" in client.get(response.url).text

        form_page = client.get(self._reset_link_path(message), follow=True)
        assert form_page.status_code == 200
        assert form_page.context["validlink"] is True

        done = client.post(
            form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )

        assert done.status_code == 302
        assert done.url == reverse("accounts:password_reset_complete")
        assert "Your new password is set." in client.get(done.url).text
        advisor.refresh_from_db()
        assert advisor.check_password(NEW_PASSWORD)
        assert AuditEvent.objects.filter(action="auth.password_reset", object_id=str(advisor.pk)).count() == 1
        assert sign_in(client, advisor.username, password=NEW_PASSWORD).status_code == 302

    def test_used_link_is_refused(self, client, advisor):
        """A reset link works once; opening it again shows that it is no longer valid."""
        client.post(reverse("accounts:password_reset"), {"email": advisor.email})
        link = self._reset_link_path(mail.outbox[0])
        form_page = client.get(link, follow=True)
        client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

        again = client.get(link, follow=True)

        assert again.context["validlink"] is False
        assert "invalid" in again.text

    def test_unknown_address_sends_nothing_but_looks_the_same(self, client, advisor):
        """An address with no account gets the same answer and no e-mail, so accounts cannot be probed."""
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})

        assert response.status_code == 302
        assert response.url == reverse("accounts:password_reset_done")
        assert mail.outbox == []

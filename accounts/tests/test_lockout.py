"""Lockout after repeated failed sign-ins (django-axes with our lockout response)."""

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.lockout import lockout_response
from accounts.tests.factories import PASSWORD
from compliance.models import AuditEvent

LOCKED_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes."


def attempt(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.mark.django_db
class TestWebLockout:
    def test_five_failures_lock_out_even_the_right_password(self, client, advisor):
        """After 5 wrong passwords the right one gets a 429 page saying when to retry, and no session."""
        for _ in range(5):
            attempt(client, advisor.username, "wrong-password")

        response = attempt(client, advisor.username, PASSWORD)

        assert response.status_code == 429
        assert LOCKED_MESSAGE in response.text
        assert "You can sign in again after" in response.text
        assert response["Retry-After"] == "900"
        assert client.session.get("_auth_user_id") is None

    def test_fifth_failure_already_answers_with_the_lockout_page(self, client, advisor):
        """The attempt that reaches the limit is itself answered with the lockout page."""
        statuses = [attempt(client, advisor.username, "wrong-password").status_code for _ in range(5)]

        assert statuses == [200, 200, 200, 200, 429]

    def test_lockout_is_audited(self, client, advisor):
        """Reaching the limit records auth.locked_out against the account."""
        for _ in range(5):
            attempt(client, advisor.username, "wrong-password")

        event = AuditEvent.objects.get(action="auth.locked_out")
        assert event.object_id == str(advisor.pk)
        assert event.metadata["username"] == advisor.username
        assert event.metadata["channel"] == "web"

    def test_four_failures_then_success_signs_in_and_resets_the_count(self, client, advisor):
        """Below the limit the right password still works, and the failures are forgotten."""
        for _ in range(4):
            attempt(client, advisor.username, "wrong-password")

        assert attempt(client, advisor.username, PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
        for _ in range(4):
            assert attempt(client, advisor.username, "wrong-password").status_code == 200

    def test_lockout_is_per_username(self, client, advisor, other_advisor):
        """Locking one account from an address does not lock another account from it."""
        for _ in range(5):
            attempt(client, advisor.username, "wrong-password")

        assert attempt(client, other_advisor.username, PASSWORD).status_code == 302


def test_api_paths_get_the_json_error_body():
    """Under /api/ the lockout is a 429 with the project's error body and a Retry-After header."""
    request = RequestFactory().post("/api/v1/auth/token/")

    response = lockout_response(request, None, {"username": "someone"})

    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"error": {"code": "locked_out", "message": LOCKED_MESSAGE, "fields": {}}}
    assert response["Retry-After"] == "900"

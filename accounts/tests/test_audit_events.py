"""Sign-in, sign-out, failed sign-in, lockout and changes of role or rights land in the audit trail."""

import json

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from accounts.choices import Role
from accounts.services import change_role
from compliance.models import AuditEvent
from compliance.selectors import verify_stored_chain
from valuepartner import request_context

WRONG_PASSWORD = "Wrong-Horse-Battery-9"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def stored_text(event: AuditEvent) -> str:
    return json.dumps(
        {field.attname: str(getattr(event, field.attname)) for field in AuditEvent._meta.fields}, ensure_ascii=False
    )


def try_password(username: str, password: str = WRONG_PASSWORD):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.50")
    # The request-context middleware would have bound the caller's address.
    token = request_context.bind(request_id="req-login-0001", ip=request.META["REMOTE_ADDR"])
    try:
        return authenticate(request=request, username=username, password=password)
    finally:
        request_context.reset(token)


@pytest.fixture
def acting_as():
    """Bind a user as the request's actor, as the request-context middleware does."""
    tokens = []

    def bind(user):
        tokens.append(request_context.bind(user_id=user.pk, request_id="req-admin-0001", ip="198.51.100.7"))

    yield bind
    for token in reversed(tokens):
        request_context.reset(token)


def test_failed_sign_in_is_recorded_without_the_password(advisor):
    """A wrong password records who was tried and from where, and the password appears nowhere."""
    assert try_password(advisor.username) is None
    [event] = events("auth.sign_in_failed")
    assert event.actor_id is None
    assert event.actor_label == advisor.username
    assert (event.object_type, event.object_id, event.firm_id) == ("accounts.user", str(advisor.pk), advisor.firm_id)
    assert event.metadata == {"username": advisor.username, "channel": "web"}
    assert (event.ip_address, event.request_id) == ("203.0.113.50", "req-login-0001")
    assert WRONG_PASSWORD not in stored_text(event)


@pytest.mark.django_db
def test_failed_sign_in_for_an_unknown_username_is_recorded():
    """Guessing at names is visible too: the event holds the name tried and no target."""
    assert try_password("no-such-user") is None
    [event] = events("auth.sign_in_failed")
    assert (event.actor_label, event.object_id, event.firm_id) == ("no-such-user", "", None)
    assert WRONG_PASSWORD not in stored_text(event)


def test_sign_in_and_sign_out_are_recorded(client, advisor):
    """Logging in and out records the user as both actor and target."""
    client.force_login(advisor)
    client.logout()
    [signed_in] = events("auth.signed_in")
    [signed_out] = events("auth.signed_out")
    for event in (signed_in, signed_out):
        assert (event.actor_id, event.actor_label, event.object_id) == (advisor.pk, advisor.username, str(advisor.pk))
        assert event.firm_id == advisor.firm_id
    assert signed_out.sequence > signed_in.sequence


def test_sign_out_without_a_user_records_nothing(client, db):
    """Logging out an anonymous session is not an event."""
    client.logout()
    assert not AuditEvent.objects.filter(action="auth.signed_out").exists()


def test_role_change_records_before_and_after(advisor, operator, acting_as):
    """Changing a role records who did it, the old and new role, and the staff flag that follows."""
    acting_as(operator)
    change_role(user=advisor, role=Role.OPERATOR, actor=operator)
    [event] = events("user.role_changed")
    assert (event.actor_id, event.object_id, event.firm_id) == (operator.pk, str(advisor.pk), advisor.firm_id)
    assert event.changes == {"role": ["advisor", "operator"], "is_staff": [False, True]}
    assert (event.request_id, event.ip_address) == ("req-admin-0001", "198.51.100.7")
    [granted] = events("user.groups_changed")[-1:]
    assert granted.object_id == str(advisor.pk)
    assert granted.metadata["groups"] == ["Operators"]


def test_group_changes_are_recorded_from_either_side(advisor, operator, acting_as):
    """Adding, removing and clearing groups, on the user or on the group, is recorded per user."""
    acting_as(operator)
    reviewers = Group.objects.create(name="Reviewers")
    before = AuditEvent.objects.count()

    advisor.groups.add(reviewers)
    advisor.groups.add(reviewers)  # already a member: nothing changed, nothing recorded
    advisor.groups.remove(reviewers)
    reviewers.user_set.add(advisor)
    advisor.groups.clear()

    recorded = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [event.action for event in recorded] == ["user.groups_changed"] * 4
    assert [event.metadata["change"] for event in recorded] == ["added", "removed", "added", "removed"]
    for event in recorded:
        assert (event.object_id, event.actor_id) == (str(advisor.pk), operator.pk)
        assert event.metadata["group_ids"] == [reviewers.pk]
        assert event.metadata["groups"] == ["Reviewers"]


def test_permission_changes_are_recorded(advisor, operator, acting_as):
    """Granting a permission directly to a user names it in the event."""
    acting_as(operator)
    permission = Permission.objects.get(codename="view_auditevent")
    advisor.user_permissions.add(permission)
    [event] = events("user.permissions_changed")
    assert event.metadata == {
        "change": "added",
        "permission_ids": [permission.pk],
        "permissions": ["compliance.view_auditevent"],
    }


def test_lockout_is_recorded(advisor):
    """Reaching the failure limit locks the account and records one lockout event; no password is kept."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        try_password(advisor.username)
    [event] = events("auth.locked_out")
    assert (event.actor_label, event.object_id, event.firm_id) == (advisor.username, str(advisor.pk), advisor.firm_id)
    assert event.metadata["username"] == advisor.username
    assert WRONG_PASSWORD not in stored_text(event)
    assert try_password(advisor.username, password="correct-horse-battery-staple") is None
    assert verify_stored_chain().intact

"""Writes to users, firms and teams: each validated, each audited with its actor."""

import pytest

from accounts import services
from accounts.choices import Role
from accounts.errors import AccountsError
from accounts.models import Team, User
from accounts.tests.factories import AdvisorFactory, TeamFactory
from compliance.models import AuditEvent


def _last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("sequence")


def test_create_user_puts_operators_in_the_operators_group_and_audits(firm, operator):
    """A new operator is staff, in the Operators group (their admin permissions), and user.created is logged."""
    user = services.create_user(firm=firm, username="new-op", role=Role.OPERATOR, password=None, actor=operator)

    assert user.is_staff and not user.has_usable_password()
    assert user.groups.filter(name=services.OPERATORS_GROUP).exists()
    event = _last_event("user.created")
    assert (event.actor_id, event.object_id, event.changes) == (operator.pk, str(user.pk), {"role": [None, "operator"]})


def test_create_user_refuses_unknown_role(firm):
    """A role outside the Role choices is refused before anything is written."""
    with pytest.raises(AccountsError) as refused:
        services.create_user(firm=firm, username="x", role="wizard", password=None)

    assert refused.value.code == "invalid_role"
    assert not User.objects.filter(username="x").exists()


def test_change_role_syncs_staff_and_group(advisor, operator):
    """Promoting to operator grants staff and the group; demoting removes both; each change is audited."""
    services.change_role(user=advisor, role=Role.OPERATOR, actor=operator)
    advisor.refresh_from_db()
    assert advisor.is_staff and advisor.groups.filter(name=services.OPERATORS_GROUP).exists()

    services.change_role(user=advisor, role=Role.ADVISOR, actor=operator)
    advisor.refresh_from_db()

    assert not advisor.is_staff and not advisor.groups.exists()
    event = _last_event("user.role_changed")
    assert event.actor_id == operator.pk
    assert event.changes == {"role": ["operator", "advisor"], "is_staff": [True, False]}


def test_compliance_staff_enter_the_admin_without_the_operators_permissions(advisor, operator):
    """Compliance keeps the restricted list in the admin: staff, but not in the operators' group."""
    services.change_role(user=advisor, role=Role.COMPLIANCE, actor=operator)
    advisor.refresh_from_db()

    assert advisor.is_staff and not advisor.groups.exists()


def test_update_user_profile_records_before_and_after(advisor, operator):
    """Only changed fields are saved and logged, with their old and new values."""
    old_email = advisor.email

    services.update_user_profile(user=advisor, actor=operator, email="new@example.com", first_name=advisor.first_name)

    advisor.refresh_from_db()
    assert advisor.email == "new@example.com"
    assert _last_event("user.profile_changed").changes == {"email": [old_email, "new@example.com"]}


def test_update_user_profile_refuses_role_and_unknown_fields(advisor, operator):
    """Role and flags have their own audited services; the profile service will not set them."""
    with pytest.raises(AccountsError) as refused:
        services.update_user_profile(user=advisor, actor=operator, role=Role.OPERATOR)

    assert refused.value.code == "invalid_field"
    advisor.refresh_from_db()
    assert advisor.role == Role.ADVISOR


def test_set_password_audits_without_the_value(advisor, operator):
    """The new password works, and the audit event names the change but never holds the password."""
    services.set_password(user=advisor, raw_password="A-new-Passphrase-42", actor=operator)

    advisor.refresh_from_db()
    assert advisor.check_password("A-new-Passphrase-42")
    event = _last_event("user.password_set")
    assert event.actor_id == operator.pk
    assert "A-new-Passphrase-42" not in str(event.changes) + str(event.metadata)


def test_set_active_is_idempotent(advisor, operator):
    """Deactivating twice writes one event: the second call changes nothing."""
    services.set_active(user=advisor, active=False, actor=operator)
    services.set_active(user=advisor, active=False, actor=operator)

    assert AuditEvent.objects.filter(action="user.deactivated", object_id=str(advisor.pk)).count() == 1


def test_create_team_with_members_and_rename(firm, advisor, operator):
    """A team is created with its members and sharing flag, then renamed; three audited steps."""
    team = services.create_team(firm=firm, name="Growth", members=[advisor], shares_book=True, actor=operator)
    services.rename_team(team=team, name="Growth team", actor=operator)

    team.refresh_from_db()
    assert (team.name, team.shares_book, list(team.members.all())) == ("Growth team", True, [advisor])
    actions = list(AuditEvent.objects.filter(object_type="accounts.team").values_list("action", flat=True))
    assert actions == ["team.renamed", "team.changed", "team.created"]


def test_set_team_members_refuses_other_firms_advisors(firm, other_firm, operator):
    """Only advisors of the team's own firm can join it; nothing changes when one does not qualify."""
    team = TeamFactory(firm=firm)

    with pytest.raises(AccountsError) as refused:
        services.set_team_members(
            team=team, members=[AdvisorFactory(firm=other_firm)], shares_book=True, actor=operator
        )

    assert refused.value.code == "invalid_member"
    assert not Team.objects.get(pk=team.pk).members.exists()


def test_rename_firm_audits(firm):
    """Renaming a firm records the old and new names; the system (no actor) may do it."""
    old = firm.name

    services.rename_firm(firm=firm, name="Renamed Advisors", actor=None)

    event = _last_event("firm.renamed")
    assert (event.actor_id, event.changes) == (None, {"name": [old, "Renamed Advisors"]})

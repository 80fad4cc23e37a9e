"""The operators' admin: a verified second factor to enter, one firm in view, writes through services."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.models import Team, User
from accounts.services import operators_group
from accounts.tests.factories import AdvisorFactory, TeamFactory, UserFactory
from compliance.models import AuditEvent
from valuepartner.testing.otp import login_verified

ADMIN_INDEX = reverse("admin:index")
# The site's own gate, without the app-wide middleware that sends operators to enrol first.
WITHOUT_OPERATOR_2FA_MIDDLEWARE = [
    m for m in settings.MIDDLEWARE if not m.endswith("RequireOperatorTwoFactorMiddleware")
]


@pytest.fixture
def operator_client(client, operator):
    login_verified(client, operator)
    return client


def _change_form_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
    }
    return {**data, **overrides}


def test_default_admin_site_demands_a_second_factor():
    """admin.site is django-otp's OTP site, so every registered ModelAdmin sits behind the device check."""
    assert isinstance(admin.site, OTPAdminSite)


@override_settings(MIDDLEWARE=WITHOUT_OPERATOR_2FA_MIDDLEWARE)
def test_unverified_operator_is_sent_to_the_admin_login(client, operator):
    """A password-only session of a staff user is not enough: the admin answers with its login page."""
    client.force_login(operator)

    response = client.get(ADMIN_INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_unverified_operator_never_reaches_the_admin(client, operator):
    """With the full middleware stack an unverified operator is redirected before any admin page renders."""
    client.force_login(operator)

    response = client.get(ADMIN_INDEX)

    assert response.status_code == 302
    assert not response["Location"].startswith(ADMIN_INDEX + "?")


def test_verified_non_staff_user_cannot_enter(client, advisor):
    """Only staff (operators, superusers) may enter, even with a verified device."""
    login_verified(client, advisor)

    response = client.get(ADMIN_INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_operator_sees_only_own_firm_users(operator_client, operator, advisor, other_firm):
    """The user changelist lists the operator's firm only; another firm's user page is not found."""
    outsider = AdvisorFactory(firm=other_firm, username="outsider-advisor")
    staff = UserFactory(firm=operator.firm, username="platform-root", is_superuser=True, is_staff=True)

    listing = operator_client.get(reverse("admin:accounts_user_changelist"))
    foreign = operator_client.get(reverse("admin:accounts_user_change", args=[outsider.pk]))

    usernames = {user.username for user in listing.context["cl"].result_list}
    assert usernames == {operator.username, advisor.username}
    assert staff.username not in usernames
    assert foreign.status_code == 302 and foreign["Location"] == ADMIN_INDEX


def test_role_change_is_audited_with_the_operator(operator_client, operator, advisor):
    """Changing a role in the admin runs change_role: the event names the operator as actor."""
    url = reverse("admin:accounts_user_change", args=[advisor.pk])

    response = operator_client.post(url, _change_form_data(advisor, role=Role.COMPLIANCE))

    assert response.status_code == 302
    advisor.refresh_from_db()
    assert advisor.role == Role.COMPLIANCE
    event = AuditEvent.objects.get(action="user.role_changed")
    assert (event.actor_id, event.changes["role"]) == (operator.pk, ["advisor", "compliance"])


def test_operator_cannot_change_own_role_or_deactivate_self(operator_client, operator):
    """Both fields are refused with a message on the operator's own page; nothing changes."""
    url = reverse("admin:accounts_user_change", args=[operator.pk])

    response = operator_client.post(url, _change_form_data(operator, role=Role.ADVISOR, is_active=""))

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"role", "is_active"}
    operator.refresh_from_db()
    assert operator.role == Role.OPERATOR and operator.is_active


def test_add_user_joins_the_operators_firm(operator_client, operator, other_firm):
    """A user added by an operator belongs to the operator's firm (a posted firm is ignored) and is audited."""
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-advisor",
            "usable_password": "true",
            "password1": "Sturdy-Passphrase-91",
            "password2": "Sturdy-Passphrase-91",
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@example.com",
            "role": Role.ADVISOR,
            "firm": other_firm.pk,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="new-advisor")
    assert (user.firm_id, user.role, user.check_password("Sturdy-Passphrase-91")) == (operator.firm_id, "advisor", True)
    assert AuditEvent.objects.get(action="user.created", object_id=str(user.pk)).actor_id == operator.pk


def test_deactivate_action_uses_the_service_and_spares_the_operator(operator_client, operator, advisor):
    """The action deactivates the selected users (audited) but never the operator running it."""
    response = operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate_users", "_selected_action": [advisor.pk, operator.pk]},
    )

    assert response.status_code == 302
    advisor.refresh_from_db(), operator.refresh_from_db()
    assert (advisor.is_active, operator.is_active) == (False, True)
    assert AuditEvent.objects.get(action="user.deactivated").actor_id == operator.pk


def test_activate_action_reactivates(operator_client, operator, advisor):
    """The activate action turns a deactivated user back on through set_active."""
    advisor.is_active = False
    advisor.save(update_fields=["is_active"])

    operator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "activate_users", "_selected_action": [advisor.pk]}
    )

    advisor.refresh_from_db()
    assert advisor.is_active
    assert AuditEvent.objects.get(action="user.activated").actor_id == operator.pk


def test_group_edits_by_a_superuser_are_audited(client, advisor):
    """Groups are edited only by superusers; the m2m signal logs the change with the superuser as actor."""
    root = UserFactory(firm=None, username="root", is_superuser=True, is_staff=True, role=Role.OPERATOR)
    login_verified(client, root)
    group = operators_group()

    response = client.post(
        reverse("admin:accounts_user_change", args=[advisor.pk]),
        _change_form_data(advisor, firm=advisor.firm_id, groups=[group.pk]),
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.groups_changed")
    assert (event.actor_id, event.object_id, event.metadata["change"]) == (root.pk, str(advisor.pk), "added")


def test_team_members_are_limited_to_the_firms_advisors(operator_client, operator, advisor, other_firm):
    """The members picker offers the firm's advisors only; saving goes through set_team_members."""
    outsider = AdvisorFactory(firm=other_firm)
    form = operator_client.get(reverse("admin:accounts_team_add")).context["adminform"].form
    assert set(form.fields["members"].queryset) == {advisor}

    response = operator_client.post(
        reverse("admin:accounts_team_add"), {"name": "Growth team", "members": [advisor.pk, outsider.pk]}
    )
    assert response.status_code == 200 and "members" in response.context["adminform"].form.errors

    operator_client.post(reverse("admin:accounts_team_add"), {"name": "Growth team", "members": [advisor.pk]})
    team = Team.objects.get(name="Growth team")
    assert (team.firm_id, list(team.members.all())) == (operator.firm_id, [advisor])
    assert AuditEvent.objects.get(action="team.changed").actor_id == operator.pk


def test_team_names_are_unique_per_firm(operator_client, operator):
    """Adding a second team with the same name in the firm is a form error, not a database error."""
    TeamFactory(firm=operator.firm, name="Growth team")

    response = operator_client.post(reverse("admin:accounts_team_add"), {"name": "Growth team"})

    assert response.status_code == 200 and "name" in response.context["adminform"].form.errors


def test_operator_sees_own_firm_read_only(operator_client, operator, other_firm):
    """An operator views their firm but cannot rename it, nor see another firm."""
    own = operator_client.get(reverse("admin:accounts_firm_change", args=[operator.firm_id]))
    rename = operator_client.post(reverse("admin:accounts_firm_change", args=[operator.firm_id]), {"name": "X"})
    foreign = operator_client.get(reverse("admin:accounts_firm_change", args=[other_firm.pk]))

    assert own.status_code == 200 and not own.context["has_change_permission"]
    assert rename.status_code == 403
    assert foreign.status_code == 302


def test_nothing_is_deleted_from_the_admin(operator_client, advisor):
    """Users leave by deactivation: the delete page is refused even to an operator with the permission."""
    response = operator_client.get(reverse("admin:accounts_user_delete", args=[advisor.pk]))

    assert response.status_code == 403
    assert User.objects.filter(pk=advisor.pk).exists()


def test_devices_are_firm_scoped_and_secrets_hidden(operator_client, operator, advisor, other_firm):
    """An operator lists their firm's authenticator devices only, and never a device's secret or QR code."""
    own = TOTPDevice.objects.create(user=advisor, name="phone", confirmed=True)
    foreign = TOTPDevice.objects.create(user=AdvisorFactory(firm=other_firm), name="phone", confirmed=True)

    listing = operator_client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    qr_code = operator_client.get(reverse("admin:otp_totp_totpdevice_config", args=[foreign.pk]))
    own_qr_code = operator_client.get(reverse("admin:otp_totp_totpdevice_config", args=[own.pk]))

    assert own in listing.context["cl"].result_list and foreign not in listing.context["cl"].result_list
    assert (qr_code.status_code, own_qr_code.status_code) == (403, 403)


@pytest.mark.parametrize("changelist", ["admin:axes_accessattempt_changelist", "admin:auth_group_changelist"])
def test_platform_wide_admins_are_for_superusers_only(operator_client, changelist):
    """Lockout logs and groups span every firm, so an operator is refused them."""
    assert operator_client.get(reverse(changelist)).status_code == 403


def test_reset_two_factor_action_removes_the_app_and_audits(operator_client, operator, advisor):
    """An advisor who lost their phone gets their authenticator removed through the audited service."""
    TOTPDevice.objects.create(user=advisor, name="lost phone", confirmed=True)

    operator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [advisor.pk]}
    )

    assert not TOTPDevice.objects.filter(user=advisor).exists()
    assert AuditEvent.objects.get(action="auth.two_factor_disabled").actor_id == operator.pk

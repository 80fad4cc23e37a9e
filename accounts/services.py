"""Writes to users, firms and teams. Every change of role or permission is audited."""

from django.contrib.auth.models import Group
from django.db import transaction

from compliance.services import record_event

from .choices import Role
from .errors import AccountsError
from .models import Firm, Team, User

# Operators administer the firm in the Django admin through this group's model permissions.
OPERATORS_GROUP = "Operators"


# Who may enter the admin at all; what each sees there is up to each model's admin (operators through
# the group's permissions, compliance staff the restricted list only).
STAFF_ROLES = frozenset({Role.OPERATOR, Role.COMPLIANCE})


def _sync_staff_flags(user: User) -> None:
    user.is_staff = user.role in STAFF_ROLES


def create_firm(*, name: str, actor=None) -> Firm:
    with transaction.atomic():
        firm = Firm.objects.create(name=name)
        record_event(action="firm.created", actor=actor, target=firm, firm_id=firm.pk)
    return firm


def create_user(
    *,
    firm: Firm,
    username: str,
    role: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor=None,
) -> User:
    if role not in Role.values:
        raise AccountsError("invalid_role", f"Unknown role {role!r}.")
    with transaction.atomic():
        user = User(firm=firm, username=username, role=role, email=email, first_name=first_name, last_name=last_name)
        _sync_staff_flags(user)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        if role == Role.OPERATOR:
            user.groups.add(operators_group())
        record_event(action="user.created", actor=actor, target=user, changes={"role": (None, role)}, firm_id=firm.pk)
    return user


def change_role(*, user: User, role: str, actor) -> User:
    if role not in Role.values:
        raise AccountsError("invalid_role", f"Unknown role {role!r}.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = (user.role, user.is_staff)
        if before[0] == role:
            return user
        user.role = role
        _sync_staff_flags(user)
        user.save(update_fields=["role", "is_staff"])
        group = operators_group()
        if role == Role.OPERATOR:
            user.groups.add(group)
        else:
            user.groups.remove(group)
        record_event(
            action="user.role_changed",
            actor=actor,
            target=user,
            changes={"role": (before[0], role), "is_staff": (before[1], user.is_staff)},
        )
    return user


def set_active(*, user: User, active: bool, actor) -> User:
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return user
        user.is_active = active
        user.save(update_fields=["is_active"])
        record_event(
            action="user.activated" if active else "user.deactivated",
            actor=actor,
            target=user,
            changes={"is_active": (not active, active)},
        )
    return user


def set_team_members(*, team: Team, members: list[User], shares_book: bool, actor) -> Team:
    if any(member.firm_id != team.firm_id or member.role != Role.ADVISOR for member in members):
        raise AccountsError("invalid_member", "Only advisors of the team's firm can be members.")
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        before_ids = sorted(team.members.values_list("pk", flat=True))
        after_ids = sorted(member.pk for member in members)
        before_sharing = team.shares_book
        team.members.set(members)
        team.shares_book = shares_book
        team.save(update_fields=["shares_book"])
        record_event(
            action="team.changed",
            actor=actor,
            target=team,
            changes={"members": (before_ids, after_ids), "shares_book": (before_sharing, shares_book)},
        )
    return team


PROFILE_FIELDS = ("username", "first_name", "last_name", "email", "firm")


def update_user_profile(*, user: User, actor, **values) -> User:
    """Change who a user is (name, e-mail, username, firm); role and activity have their own services."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise AccountsError("invalid_field", f"Unknown fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        changes = {}
        for name, new in values.items():
            old = getattr(user, name)
            if old != new:
                changes[name] = (getattr(old, "pk", old), getattr(new, "pk", new))
                setattr(user, name, new)
        if not changes:
            return user
        user.save(update_fields=list(changes))
        record_event(action="user.profile_changed", actor=actor, target=user, changes=changes)
    return user


def set_password(*, user: User, raw_password: str | None, actor) -> User:
    """Set a user's password, or disable password sign-in with ``None``. The audit never holds the value."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if raw_password:
            user.set_password(raw_password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        action = "user.password_set" if raw_password else "user.password_disabled"
        record_event(action=action, actor=actor, target=user)
    return user


def _rename(instance, *, name: str, actor, action: str):
    with transaction.atomic():
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        before = instance.name
        if before == name:
            return instance
        instance.name = name
        instance.save(update_fields=["name"])
        record_event(action=action, actor=actor, target=instance, changes={"name": (before, name)})
    return instance


def rename_firm(*, firm: Firm, name: str, actor) -> Firm:
    return _rename(firm, name=name, actor=actor, action="firm.renamed")


def create_team(*, firm: Firm, name: str, actor, members: list[User] | None = None, shares_book: bool = False) -> Team:
    with transaction.atomic():
        team = Team.objects.create(firm=firm, name=name)
        record_event(action="team.created", actor=actor, target=team, changes={"name": (None, name)})
        if members or shares_book:
            team = set_team_members(team=team, members=list(members or []), shares_book=shares_book, actor=actor)
    return team


def rename_team(*, team: Team, name: str, actor) -> Team:
    return _rename(team, name=name, actor=actor, action="team.renamed")


def operators_group() -> Group:
    group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    return group

"""What each role may do: the one table every page, API view and consumer consults."""

from django.db import models

from .choices import Role


class Capability(models.TextChoices):
    VIEW_BOOK = "view_book", "See households and clients in scope"
    MANAGE_BOOK = "manage_book", "Create and change households and clients in scope"
    VIEW_FIRM = "view_firm", "See every household and client of the firm"
    MANAGE_USERS = "manage_users", "Create users and assign roles"
    VIEW_AUDIT = "view_audit", "Read the audit trail"
    VIEW_OWN_ACCOUNTS = "view_own_accounts", "See one's own accounts"


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OPERATOR: frozenset(
        {Capability.VIEW_BOOK, Capability.MANAGE_BOOK, Capability.VIEW_FIRM, Capability.MANAGE_USERS}
    ),
    Role.ADVISOR: frozenset({Capability.VIEW_BOOK, Capability.MANAGE_BOOK}),
    Role.COMPLIANCE: frozenset({Capability.VIEW_BOOK, Capability.VIEW_FIRM, Capability.VIEW_AUDIT}),
    Role.CLIENT: frozenset({Capability.VIEW_OWN_ACCOUNTS}),
}

# Roles that may enrol a second factor, and those that must before doing anything else.
TWO_FACTOR_ROLES = frozenset({Role.OPERATOR, Role.ADVISOR, Role.COMPLIANCE})
TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.OPERATOR})


def has_capability(user, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())

"""The navigation every page shows, chosen by the signed-in user's role.

Runs on every rendered page, so it only reads attributes of ``request.user`` and reverses URLs:
no queries beyond loading the user itself.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from .choices import Role
from .roles import TWO_FACTOR_ROLES, Capability, has_capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool = False


@dataclass(frozen=True)
class Navigation:
    items: list[NavItem] = field(default_factory=list)
    user_menu: list[NavItem] = field(default_factory=list)
    read_only: bool = False
    can_manage_book: bool = False
    role_label: str = ""


# Which section a page belongs to, by the prefix of its view name ("namespace:name").
_SECTION_PREFIXES = {
    "dashboard": ("dashboard",),
    "households": ("portfolios:household-",),
    "clients": ("portfolios:client-",),
    "accounts": ("portfolios:account-",),
    "models": ("portfolios:model-", "portfolios:proposal-"),
    "strategies": ("strategies:",),
    "orders": ("trading:",),
    "admin": ("admin:",),
}


def _section(request) -> str:
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    for section, prefixes in _SECTION_PREFIXES.items():
        if view_name.startswith(prefixes):
            return section
    return ""


def _items(user, current: str) -> list[NavItem]:
    entries = [("dashboard", "Dashboard", reverse("dashboard"))]
    if user.role in (Role.ADVISOR, Role.OPERATOR, Role.COMPLIANCE):
        entries += [
            ("households", "Households", reverse("portfolios:household-list")),
            ("clients", "Clients", reverse("portfolios:client-list")),
            ("accounts", "Accounts", reverse("portfolios:account-list")),
            ("models", "Models", reverse("portfolios:model-list")),
            ("orders", "Orders", reverse("trading:blotter")),
            ("strategies", "Strategies", reverse("strategies:strategy-list")),
        ]
    if user.role == Role.OPERATOR:
        entries.append(("admin", "Admin", reverse("admin:index")))
    if user.role == Role.COMPLIANCE:
        entries.append(("admin", "Restricted list", reverse("admin:compliance_restrictedinstrument_changelist")))
    return [NavItem(label, url, active=section == current) for section, label, url in entries]


def _user_menu(user) -> list[NavItem]:
    menu = []
    if user.role in TWO_FACTOR_ROLES:
        menu.append(NavItem("Security", reverse("accounts:two_factor")))
    menu.append(NavItem("Change password", reverse("accounts:password_change")))
    return menu


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": Navigation()}
    return {
        "navigation": Navigation(
            items=_items(user, _section(request)),
            user_menu=_user_menu(user),
            read_only=user.role == Role.COMPLIANCE,
            can_manage_book=has_capability(user, Capability.MANAGE_BOOK),
            role_label=user.get_role_display(),
        )
    }

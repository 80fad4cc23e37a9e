"""Reads of users and teams, scoped to the requesting user."""

from django.db.models import Count, QuerySet

from .choices import Role
from .models import User


def book_advisor_ids(user) -> set[int]:
    """The advisors whose book ``user`` works on: themselves and teammates in book-sharing teams."""
    if not user.is_authenticated or user.role != Role.ADVISOR:
        return set()
    shared = User.objects.filter(
        teams__in=user.teams.filter(shares_book=True), role=Role.ADVISOR, firm_id=user.firm_id
    ).values_list("pk", flat=True)
    return {user.pk, *shared}


def users_visible_to(user) -> QuerySet[User]:
    if not user.is_authenticated or user.firm_id is None:
        return User.objects.none()
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return User.objects.filter(firm_id=user.firm_id)
    return User.objects.filter(pk=user.pk)


def advisors_of_firm(firm_id: int) -> QuerySet[User]:
    return User.objects.filter(firm_id=firm_id, role=Role.ADVISOR, is_active=True)


def assignable_advisors(user) -> QuerySet[User]:
    """Advisors ``user`` may give a household to: any of the firm for operators, the own book for advisors."""
    if not user.is_authenticated or user.firm_id is None:
        return User.objects.none()
    if user.role == Role.OPERATOR:
        return advisors_of_firm(user.firm_id)
    if user.role == Role.ADVISOR:
        return advisors_of_firm(user.firm_id).filter(pk__in=book_advisor_ids(user))
    return User.objects.none()


def user_counts_by_role(user) -> dict[str, int]:
    """Active users in scope per role, every role present (zero when none)."""
    rows = users_visible_to(user).filter(is_active=True).values("role").annotate(total=Count("pk")).order_by()
    counts = dict.fromkeys(Role.values, 0)
    counts.update({row["role"]: row["total"] for row in rows})
    return counts

"""Reads of users and teams, scoped to the requesting user."""

from django.db.models import Count, Q, QuerySet

from .choices import Role
from .models import User


def _book_teammates(user) -> QuerySet[User]:
    """The other advisors of ``user``'s book-sharing teams (``user`` among them when in such a team)."""
    return User.objects.filter(
        teams__shares_book=True, teams__members=user, role=Role.ADVISOR, firm_id=user.firm_id
    ).values("pk")


def book_advisor_ids(user) -> set[int]:
    """The advisors whose book ``user`` works on: themselves and teammates in book-sharing teams."""
    if not user.is_authenticated or user.role != Role.ADVISOR:
        return set()
    return {user.pk, *(row["pk"] for row in _book_teammates(user))}


def in_book(field: str, user) -> Q:
    """Rows whose advisor ``field`` is one of ``book_advisor_ids(user)``, as a condition of the same
    query (the teammates are a subquery), so a scoped read costs one round trip, not two."""
    if not user.is_authenticated or user.role != Role.ADVISOR:
        return Q(pk__in=[])
    return Q(**{field: user.pk}) | Q(**{f"{field}__in": _book_teammates(user)})


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
        return advisors_of_firm(user.firm_id).filter(in_book("pk", user))
    return User.objects.none()


def user_counts_by_role(user) -> dict[str, int]:
    """Active users in scope per role, every role present (zero when none)."""
    rows = users_visible_to(user).filter(is_active=True).values("role").annotate(total=Count("pk")).order_by()
    counts = dict.fromkeys(Role.values, 0)
    counts.update({row["role"]: row["total"] for row in rows})
    return counts

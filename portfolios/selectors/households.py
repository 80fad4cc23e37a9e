"""Reads of households and clients, scoped to the requesting user."""

from django.db.models import Count, Q, QuerySet

from accounts.choices import Role
from accounts.selectors import in_book

from ..models import Client, Household


def households_visible_to(user) -> QuerySet[Household]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Household.objects.none()
    households = Household.objects.filter(firm_id=user.firm_id).select_related("advisor")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return households
    if user.role == Role.ADVISOR:
        return households.filter(in_book("advisor_id", user))
    # A subquery, not a join: joining clients would also narrow any count annotated later.
    return households.filter(pk__in=Client.objects.filter(user=user).values("household_id"))


def clients_visible_to(user) -> QuerySet[Client]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Client.objects.none()
    clients = Client.objects.filter(household__firm_id=user.firm_id).select_related("household", "household__advisor")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return clients
    if user.role == Role.ADVISOR:
        return clients.filter(in_book("household__advisor_id", user))
    return clients.filter(user=user)


def households_with_counts(user) -> QuerySet[Household]:
    return households_visible_to(user).annotate(client_count=Count("clients"))


def households_matching(user, query: str = "") -> QuerySet[Household]:
    """Households in scope with their client counts, narrowed to a name or advisor search.

    Ordered explicitly: the model's default ordering does not apply to an aggregated query, and
    pages need a stable order.
    """
    households = households_with_counts(user).order_by("name", "pk")
    query = query.strip()
    if query:
        households = households.filter(
            Q(name__icontains=query) | Q(advisor__first_name__icontains=query) | Q(advisor__last_name__icontains=query)
        )
    return households


def clients_matching(user, query: str = "") -> QuerySet[Client]:
    """Clients in scope, narrowed to a search over name, e-mail and household."""
    clients = clients_visible_to(user).order_by("last_name", "first_name", "pk")
    query = query.strip()
    if query:
        clients = clients.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(email__icontains=query)
            | Q(household__name__icontains=query)
        )
    return clients


def recently_updated_households(user, limit: int) -> QuerySet[Household]:
    return households_with_counts(user).order_by("-updated_at", "-pk")[:limit]

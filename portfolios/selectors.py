"""Reads of households and clients, always scoped to what the requesting user may see.

Pages, API views and consumers call these and nothing else, so an object outside the user's
scope is simply absent: a detail lookup on it is a 404.
"""

from django.db.models import Count, QuerySet

from accounts.choices import Role
from accounts.selectors import book_advisor_ids

from .models import Client, Household


def households_visible_to(user) -> QuerySet[Household]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Household.objects.none()
    households = Household.objects.filter(firm_id=user.firm_id).select_related("advisor")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return households
    if user.role == Role.ADVISOR:
        return households.filter(advisor_id__in=book_advisor_ids(user))
    return households.filter(clients__user=user)


def clients_visible_to(user) -> QuerySet[Client]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Client.objects.none()
    clients = Client.objects.filter(household__firm_id=user.firm_id).select_related(
        "household", "household__advisor"
    )
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return clients
    if user.role == Role.ADVISOR:
        return clients.filter(household__advisor_id__in=book_advisor_ids(user))
    return clients.filter(user=user)


def households_with_counts(user) -> QuerySet[Household]:
    return households_visible_to(user).annotate(client_count=Count("clients"))

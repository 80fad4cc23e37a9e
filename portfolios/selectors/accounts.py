"""Reads of accounts and what hangs off them, scoped to the requesting user."""

from django.db.models import Q, QuerySet

from accounts.choices import Role
from accounts.selectors import book_advisor_ids

from ..models import Account, ModelPortfolio


def accounts_visible_to(user) -> QuerySet[Account]:
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return Account.objects.none()
    accounts = Account.objects.filter(client__household__firm_id=user.firm_id).select_related(
        "client", "client__household", "client__household__advisor", "model_portfolio"
    )
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return accounts
    if user.role == Role.ADVISOR:
        return accounts.filter(client__household__advisor_id__in=book_advisor_ids(user))
    return accounts.filter(Q(client__user=user) | Q(co_owner__user=user))


def model_portfolios_visible_to(user) -> QuerySet[ModelPortfolio]:
    """Firm-wide models and those of the advisors whose book the user works on; clients see none."""
    if not user.is_authenticated or not user.is_active or user.firm_id is None:
        return ModelPortfolio.objects.none()
    models = ModelPortfolio.objects.filter(firm_id=user.firm_id).select_related("owner")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return models
    if user.role == Role.ADVISOR:
        return models.filter(Q(owner__isnull=True) | Q(owner_id__in=book_advisor_ids(user)))
    return ModelPortfolio.objects.none()

"""Reads of accounts and what hangs off them, scoped to the requesting user."""

from django.db.models import Q, QuerySet

from accounts.choices import Role
from accounts.selectors import book_advisor_ids, in_book

from ..models import Account, ModelPortfolio


def _sees_nothing(user) -> bool:
    return not user.is_authenticated or not user.is_active or user.firm_id is None


def accounts_visible_to(user) -> QuerySet[Account]:
    if _sees_nothing(user):
        return Account.objects.none()
    accounts = Account.objects.filter(client__household__firm_id=user.firm_id).select_related(
        "client", "client__household", "client__household__advisor", "model_portfolio"
    )
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return accounts
    if user.role == Role.ADVISOR:
        return accounts.filter(in_book("client__household__advisor_id", user))
    return accounts.filter(Q(client__user=user) | Q(co_owner__user=user))


def account_visible_to(user, account: Account) -> bool:
    """Whether ``accounts_visible_to(user)`` holds ``account``, decided on the account as loaded (with its
    client and household), so a write that has just locked the account's row needs no second query for
    its scope check (none at all for operators, compliance and an advisor's own book)."""
    if _sees_nothing(user) or account.client.household.firm_id != user.firm_id:
        return False
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return True
    if user.role == Role.ADVISOR:
        advisor_id = account.client.household.advisor_id
        return advisor_id == user.pk or advisor_id in book_advisor_ids(user)
    return account.client.user_id == user.pk or (
        account.co_owner_id is not None and account.co_owner.user_id == user.pk
    )


def model_portfolios_visible_to(user) -> QuerySet[ModelPortfolio]:
    """Firm-wide models and those of the advisors whose book the user works on; clients see none."""
    if _sees_nothing(user):
        return ModelPortfolio.objects.none()
    models = ModelPortfolio.objects.filter(firm_id=user.firm_id).select_related("owner")
    if user.role in (Role.OPERATOR, Role.COMPLIANCE):
        return models
    if user.role == Role.ADVISOR:
        return models.filter(Q(owner__isnull=True) | in_book("owner_id", user))
    return ModelPortfolio.objects.none()

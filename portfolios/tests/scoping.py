"""Every URL addressing one household or client, for the generic scoping test."""

from accounts.roles import Capability
from portfolios.tests.factories import AccountFactory, ClientFactory, HouseholdFactory
from valuepartner.testing.scoping import register


def make_household(advisor):
    return HouseholdFactory(advisor=advisor)


def make_client(advisor):
    return ClientFactory(household=HouseholdFactory(advisor=advisor))


register("portfolios:household-detail", make_household)
register("portfolios:household-edit", make_household, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:client-detail", make_client)
register("portfolios:client-edit", make_client, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("api:household-detail", make_household, methods=("get", "patch"))
register("api:client-detail", make_client, methods=("get", "patch"))


# --- CSV import and export of an account ---


def make_csv_account(advisor):
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    # The API routes name the account ``account_pk``; the registry reads the kwarg off the object.
    account.account_pk = account.pk
    return account


register("portfolios:account-import", make_csv_account, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:account-holdings-csv", make_csv_account)
register("portfolios:account-transactions-csv", make_csv_account)
register(
    "api:account-transactions-import",
    make_csv_account,
    kwarg="account_pk",
    methods=("get", "post"),
    capability=Capability.MANAGE_BOOK,
)
register("api:account-holdings-csv", make_csv_account, kwarg="account_pk")


# --- Accounts, their figures and the risk questionnaire ---


def make_account(advisor):
    return AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))


register("portfolios:account-detail", make_account)
register("portfolios:account-edit", make_account, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:account-transactions", make_account)
register("portfolios:client-risk", make_client, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("api:account-detail", make_account, methods=("get", "patch"))
register("api:account-holdings", make_account)
register("api:account-values", make_account)


# --- Model portfolios, drift and rebalance proposals ---


def make_model(advisor):
    from portfolios.tests.factories import ModelPortfolioFactory

    # Owned by the advisor: a firm-wide model is visible to every advisor of the firm by design.
    return ModelPortfolioFactory(firm=advisor.firm, owner=advisor)


def make_model_account(advisor):
    account = AccountFactory(
        client=ClientFactory(household=HouseholdFactory(advisor=advisor)), model_portfolio=make_model(advisor)
    )
    account.account_pk = account.pk
    return account


def make_proposal(advisor):
    from portfolios.models import RebalanceProposal

    account = make_model_account(advisor)
    return RebalanceProposal.objects.create(account=account, model_portfolio=account.model_portfolio, mode="full")


register("portfolios:model-detail", make_model)
register("portfolios:model-edit", make_model, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:account-model", make_model_account, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:account-drift", make_model_account)
register("portfolios:proposal-create", make_model_account, methods=("get", "post"), capability=Capability.MANAGE_BOOK)
register("portfolios:proposal-detail", make_proposal, methods=("get", "post"))
register("api:modelportfolio-detail", make_model, methods=("get", "patch", "delete"))
register("api:account-proposals", make_model_account, kwarg="account_pk", methods=("get", "post"))
register("api:proposal-detail", make_proposal)


# --- The ledger: transactions and tax lots of an account ---


def make_ledger_account(advisor):
    account = AccountFactory(client=ClientFactory(household=HouseholdFactory(advisor=advisor)))
    account.account_pk = account.pk
    return account


register("api:account-transactions", make_ledger_account, kwarg="account_pk", methods=("get", "post"))
register("api:account-lots", make_ledger_account, kwarg="account_pk")
